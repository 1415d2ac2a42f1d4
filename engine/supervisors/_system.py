"""The actor system: the root of the supervision tree, the registry, and spawning."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from typing import Any, final

import attrs
import trio

from engine.actors import Actor, ActorRef, Overflow, Registry

from ._errors import SupervisorFailed
from ._snapshot import SupervisorNode
from ._spec import ActorSpec, ChildSpec, RestartType, SupervisorSpec
from ._supervisor import Supervisor

# Rooms and sessions live under one dynamic supervisor each; one buggy room restarting must not
# take the other ten thousand down with it, so the default intensity there is generous.
USER_MAX_RESTARTS = 1000
USER_MAX_SECONDS = 1.0


@final
@attrs.define(eq=False)
class ActorSystem:
    """A running actor system, from ``open_actor_system``.

    Its root supervisor (one_for_one) has a ``user`` dynamic supervisor for ``spawn`` and any
    supervisors started with ``start_supervisor``, in start order.
    """

    registry: Registry
    # Set by open_actor_system once the root runs, before the system is handed out.
    _root_or_none: Supervisor | None = None
    _user_or_none: Supervisor | None = None

    @property
    def _root(self) -> Supervisor:
        assert self._root_or_none is not None, "used before open_actor_system started it"
        return self._root_or_none

    @property
    def _user(self) -> Supervisor:
        assert self._user_or_none is not None, "used before open_actor_system started it"
        return self._user_or_none

    async def spawn(
        self,
        factory: Callable[[], Actor],
        *,
        name: Hashable | None = None,
        restart: RestartType = RestartType.TRANSIENT,
        mailbox_capacity: int = 1024,
        overflow: Overflow = Overflow.FAIL,
        shutdown: float = 5.0,
    ) -> ActorRef:
        """Start an actor under the ``user`` supervisor; return its ref once it is ready.

        By default it is restarted after a crash and not after a normal stop.
        """
        spec = ActorSpec(
            factory,
            name=name,
            restart=restart,
            mailbox_capacity=mailbox_capacity,
            overflow=overflow,
            shutdown=shutdown,
        )
        return await self._user.start_child(spec)

    async def get_or_spawn(
        self, factory: Callable[[], Actor], *, name: Hashable, **options: Any
    ) -> ActorRef:
        """The actor registered as ``name``, spawned (as ``spawn`` would) if there is none.

        Race-free: concurrent callers with the same name all get the same actor.
        """
        options.setdefault("restart", RestartType.TRANSIENT)
        return await self._user.get_or_start_child(ActorSpec(factory, name=name, **options))

    async def stop(self, ref: ActorRef) -> None:
        """Stop a spawned actor gracefully (within its shutdown timeout) and forget it."""
        await self._user.terminate_child(ref)

    async def start_supervisor(self, spec: SupervisorSpec) -> Supervisor:
        """Start a supervisor (and its children, in order) under the root."""
        return await self._root.start_child(spec)

    def within(self, supervisor: Supervisor) -> ActorSystem:
        """This system as seen from ``supervisor``: ``start_supervisor`` starts under it and
        ``snapshot`` is its subtree; the registry and ``spawn`` are shared.

        The engine hands each app such a view, so that everything an app starts lives under the
        app's own supervisor and fails (and restarts) with it, never with the root.
        """
        return ActorSystem(self.registry, supervisor, self._user)

    def lookup(self, name: Hashable) -> ActorRef | None:
        return self.registry.lookup(name)

    def snapshot(self) -> SupervisorNode:
        """The whole live tree, for dashboards and metrics."""
        return self._root.snapshot()


@asynccontextmanager
async def open_actor_system(
    *,
    name: str = "engine",
    children: Sequence[ChildSpec] = (),
    shutdown_timeout: float = 10.0,
) -> AsyncIterator[ActorSystem]:
    """Run an actor system for the duration of the block.

    ``children`` are started in order under the root before the block runs (an app's
    supervisors, say). On exit every supervisor and actor stops gracefully in reverse start
    order, each within its own shutdown timeout and all within ``shutdown_timeout``, after which
    whatever is left is cancelled. Every pending ask then fails with ``ActorStopped``.
    If the root supervisor fails (restart intensity exhausted all the way up), the block is
    cancelled and ``SupervisorFailed`` propagates.
    """
    system = ActorSystem(Registry())
    user = SupervisorSpec(id="user", max_restarts=USER_MAX_RESTARTS, max_seconds=USER_MAX_SECONDS)
    root_spec = SupervisorSpec(id=name, children=(user, *children), shutdown=shutdown_timeout)
    root = Supervisor(root_spec, system)
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(root.run)
            system._root_or_none = root
            user_supervisor = root.which_children()[0][1]
            assert isinstance(user_supervisor, Supervisor)
            system._user_or_none = user_supervisor
            try:
                yield system
            finally:
                root.request_stop()
                with trio.CancelScope(shield=True):
                    with trio.move_on_after(shutdown_timeout):
                        await root.wait_stopped()
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        failed, rest = group.split(SupervisorFailed)
        if failed is None or rest is not None:
            raise
        # The root failing is the one error here; hand it over as itself, not in a group.
        root_failure: BaseException = failed
        while isinstance(root_failure, BaseExceptionGroup):
            root_failure = root_failure.exceptions[0]
        raise root_failure from None
