"""The supervisor: starts children in order, restarts them by strategy, stops them in reverse.

A supervisor is one Trio task owning a nursery with one task per running child. A child's task
reports its exit on the supervisor's event channel; the supervisor's loop applies the child's
restart type, the restart intensity and the strategy, one exit at a time. ``start_child`` and
``terminate_child`` may be called from any task; they only touch the supervisor's bookkeeping
between awaits, which Trio makes atomic.

Cancellation: cancelling a supervisor's task cancels every child at once (no graceful stop);
``request_stop`` is the graceful path (children stop in reverse order, each within its spec's
``shutdown`` seconds, then cancelled). Either way every child actor is finalized: pending asks
fail with ``ActorStopped`` and watchers get ``Terminated``.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any, overload

import attrs
import trio

from engine.actors import ActorRef, Cell, Mailbox

from ._errors import ChildFailed, ChildStartFailed, SupervisorFailed
from ._snapshot import ActorNode, CrashReport, SupervisorNode
from ._spec import ActorSpec, ChildSpec, RestartType, Strategy, SupervisorSpec

if TYPE_CHECKING:
    from ._system import ActorSystem

log = logging.getLogger("engine.supervisors")

_STOP = object()


@attrs.define(eq=False)
class _Started:
    """Wraps a task_status to know whether the child got as far as being ready.

    Lets go of Trio's task status once used: it holds the start-up nursery (a cancel scope and
    its sets, ~1.5 KB) that a long-lived child would otherwise keep until it ends.
    """

    inner: Any
    done: bool = False

    def started(self, value: Any = None) -> None:
        inner, self.inner = self.inner, None
        self.done = True
        inner.started(value)


@attrs.define(eq=False)
class _Child:
    spec: ChildSpec
    cell: Cell | None = None
    supervisor: Supervisor | None = None
    incarnation: int = 0
    running: bool = False
    # Made by whoever first waits for this incarnation to end; most never need one.
    exited: trio.Event | None = None
    scope: trio.CancelScope | None = None
    consecutive_restarts: int = 0
    started_at: float = 0.0
    # Crash times within the per-child window; only TRANSIENT actor children started at run
    # time (parties) have one, see SupervisorSpec.child_max_restarts.
    crash_times: deque[float] | None = None
    crashes: int = 0
    last_crash: CrashReport | None = None
    # Set once the first start has ended, started or failed (see get_or_start_child).
    first_start: trio.Event = attrs.field(factory=trio.Event)

    # Exactly one of cell (an actor child) and supervisor (a supervisor child) is set once the
    # child exists; the supervisor of a supervisor child is replaced on each restart.
    @property
    def handle(self) -> ActorRef | Supervisor:
        if self.cell is not None:
            return self.cell.ref
        assert self.supervisor is not None
        return self.supervisor

    def ask_to_stop(self) -> None:
        if self.cell is not None:
            self.cell.request_stop("shutdown")
        else:
            assert self.supervisor is not None
            self.supervisor.request_stop()


@attrs.define(eq=False)
class Supervisor:
    """A running supervisor; made by the actor system or by a parent supervisor."""

    spec: SupervisorSpec
    system: ActorSystem
    restarts: int = attrs.field(default=0, init=False)
    #: Children stopped for good for crashing too often (``ChildFailed``).
    failed_children: int = attrs.field(default=0, init=False)
    #: Why the supervisor failed (``SupervisorFailed``, ``ChildStartFailed``), once it has.
    failure: Exception | None = attrs.field(default=None, init=False)
    #: Crashes of children (an exception, not a stop), and the latest.
    crashes: int = attrs.field(default=0, init=False)
    last_crash: CrashReport | None = attrs.field(default=None, init=False)
    # Start order is the dict's order; a room supervisor has thousands of children, so finding
    # and removing one must not scan them all.
    _children: dict[_Child, None] = attrs.field(factory=dict, init=False)
    _by_ref: dict[ActorRef, _Child] = attrs.field(factory=dict, init=False)
    _restart_times: deque[float] = attrs.field(factory=deque, init=False)
    _nursery: trio.Nursery | None = attrs.field(default=None, init=False)
    _events: Any = attrs.field(default=None, init=False)
    _stopping: bool = attrs.field(default=False, init=False)
    _done: trio.Event = attrs.field(factory=trio.Event, init=False)

    @property
    def id(self) -> Hashable:
        return self.spec.id

    # -- running ---------------------------------------------------------------------------

    async def run(
        self, *, task_status: trio.TaskStatus[Supervisor] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Start the children in order, then supervise until stopped or failed.

        Raises ``ChildStartFailed`` if a static child cannot start (the ones already started are
        stopped first) and ``SupervisorFailed`` when restart intensity is exceeded (after
        stopping every child in reverse order).
        """
        send, receive = trio.open_memory_channel[Any](math.inf)
        self._events = send
        failure: Exception | None = None
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                try:
                    for spec in self.spec.children:
                        await self._add_child(spec, party=False)
                    task_status.started(self)
                    async for event in receive:
                        if event is _STOP:
                            break
                        await self._on_exit(*event)
                except (ChildStartFailed, SupervisorFailed) as exc:
                    # Raised after the nursery closes, so the parent sees it unwrapped.
                    failure = self.failure = exc
                self._stopping = True
                if self.spec.children:
                    await self._stop_children(reversed(list(self._children)))
                else:
                    await self._stop_dynamic_children()
                nursery.cancel_scope.cancel()
        finally:
            self._stopping = True
            for child in self._children:
                if child.cell is not None:
                    child.cell.finalize("shutdown")
            self._children.clear()
            self._by_ref.clear()
            self._done.set()
        if failure is not None:
            raise failure

    def request_stop(self) -> None:
        """Stop gracefully: children in reverse start order, then the supervisor itself."""
        if self._events is not None and not self._stopping:
            self._stopping = True
            self._events.send_nowait(_STOP)

    async def wait_stopped(self) -> None:
        """Wait until the supervisor and all its children have stopped."""
        await self._done.wait()

    # -- children --------------------------------------------------------------------------

    @overload
    async def start_child(self, spec: ActorSpec) -> ActorRef: ...
    @overload
    async def start_child(self, spec: SupervisorSpec) -> Supervisor: ...
    async def start_child(self, spec: ChildSpec) -> ActorRef | Supervisor:
        """Start ``spec`` as a new child; return once it is ready to receive.

        An actor child with a ``name`` is registered before anything is awaited, so a concurrent
        start of the same name raises ``NameTaken`` rather than making a second actor. Raises
        ``ChildStartFailed`` (with the cause) if the child fails to start; nothing is left behind.
        A TRANSIENT actor started here has the per-child intensity of
        ``SupervisorSpec.child_max_restarts``.
        """
        return await self._add_child(spec, party=True)

    async def _add_child(self, spec: ChildSpec, *, party: bool) -> ActorRef | Supervisor:
        if self._nursery is None or self._stopping:
            raise SupervisorFailed(f"supervisor {self.id!r} is not running")
        child = _Child(spec)
        if party and isinstance(spec, ActorSpec) and spec.restart is RestartType.TRANSIENT:
            child.crash_times = deque()
        if isinstance(spec, ActorSpec):
            child.cell = Cell(
                kind=_kind_of(spec),
                mailbox=Mailbox(spec.mailbox_capacity, spec.overflow),
                name=spec.name,
                system=self.system,
                stash_capacity=spec.stash_capacity,
            )
            if spec.name is not None:
                self.system.registry.register(spec.name, child.cell.ref)
        self._children[child] = None
        if child.cell is not None:
            self._by_ref[child.cell.ref] = child
        try:
            await self._start(child)
        except BaseException as exc:
            self._forget(child, exc)
            if isinstance(exc, Exception):
                raise ChildStartFailed(f"child {spec.child_id!r} failed to start: {exc!r}") from exc
            raise
        finally:
            child.first_start.set()
        return child.handle

    async def get_or_start_child(self, spec: ActorSpec) -> ActorRef:
        """The actor registered under ``spec.name``, started from ``spec`` if there is none.

        Race-free: concurrent callers with the same name all get the same actor. A caller that
        finds the actor still starting waits for its start; if that fails, it starts its own.
        """
        while True:
            ref = self.system.registry.lookup(spec.name)
            if ref is None:
                return await self.start_child(spec)
            child = self._by_ref.get(ref)
            if child is None or child.first_start.is_set():
                return ref
            await child.first_start.wait()
            if child.cell is not None and child in self._children:
                return ref

    async def terminate_child(self, handle: ActorRef | Supervisor | Hashable) -> None:
        """Stop a child gracefully (its ``shutdown`` seconds, then cancelled) and remove it."""
        child = self._find(handle)
        await self._stop_children([child])
        self._forget(child, "shutdown")

    def which_children(self) -> list[tuple[Hashable, ActorRef | Supervisor, bool]]:
        """``(id, handle, running)`` for every child, in start order."""
        return [(c.spec.child_id, c.handle, c.running) for c in self._children]

    def snapshot(self) -> SupervisorNode:
        """The live subtree: every child with its mailbox depth, restarts and message count."""
        nodes: list[ActorNode | SupervisorNode] = []
        for child in self._children:
            cell = child.cell
            if cell is not None:
                # Read off the cell directly (not ``Cell.statistics``): a dashboard takes a
                # snapshot a few times a second, of every actor of the engine.
                nodes.append(
                    ActorNode(
                        id=child.spec.child_id,
                        kind=cell.kind,
                        name=cell.name,
                        running=child.running,
                        mailbox_depth=len(cell.mailbox),
                        messages_handled=cell.handled,
                        restarts=cell.restarts,
                        dropped=cell.mailbox.dropped,
                        crashes=child.crashes,
                        last_crash=child.last_crash,
                        detail=None if cell.actor is None else cell.actor.describe(),
                    )
                )
            elif child.supervisor is not None:
                nodes.append(child.supervisor.snapshot())
        return SupervisorNode(
            id=self.id,
            strategy=self.spec.strategy.value,
            restarts=self.restarts,
            children=tuple(nodes),
            failed_children=self.failed_children,
            crashes=self.crashes,
            last_crash=self.last_crash,
        )

    # -- internals -------------------------------------------------------------------------

    async def _start(self, child: _Child) -> None:
        if isinstance(child.spec, SupervisorSpec):
            child.supervisor = Supervisor(child.spec, self.system)
        child.incarnation += 1
        child.exited = None
        assert self._nursery is not None  # _add_child and restarts run only while it is open
        await self._nursery.start(self._run_child, child, child.incarnation)

    async def _run_child(
        self, child: _Child, incarnation: int, *, task_status: trio.TaskStatus[Any]
    ) -> None:
        status = _Started(task_status)
        del task_status  # see _Started
        reason: Any = "normal"
        # Set here, not by whoever awaits the start: a child that is ready may handle a queued
        # message and crash before that caller resumes, and its exit must not be followed by a
        # stale "running" (a stop would then wait forever for a task that is gone).
        child.running = True
        child.started_at = trio.current_time()
        try:
            with trio.CancelScope() as scope:
                child.scope = scope
                if child.cell is not None:
                    assert isinstance(child.spec, ActorSpec)
                    await child.cell.run(child.spec.factory, task_status=status)
                else:
                    assert child.supervisor is not None
                    await child.supervisor.run(task_status=status)
            if scope.cancelled_caught:
                reason = "killed"
            elif child.cell is not None and child.cell.stop_reason == "shutdown":
                reason = "shutdown"
        except Exception as exc:
            if not status.done:
                raise
            reason = exc
        finally:
            child.running = False
            if child.exited is not None:
                child.exited.set()
        self._events.send_nowait((child, incarnation, reason))

    async def _on_exit(self, child: _Child, incarnation: int, reason: Any) -> None:
        if child.incarnation != incarnation or child not in self._children:
            return  # an exit we caused ourselves (stop for restart, terminate_child)
        crashed = not isinstance(reason, str)
        if crashed:
            log.warning("child %r of %r crashed: %r", child.spec.child_id, self.id, reason)
            report = CrashReport.of(child.spec.child_id, reason, trio.current_time())
            child.crashes += 1
            self.crashes += 1
            child.last_crash = self.last_crash = report
        if not _should_restart(child.spec.restart, crashed):
            self._forget(child, reason)
            return
        if crashed and child.crash_times is not None and self._gives_up_on(child, reason):
            return
        self._count_restart(child, reason)
        strategy = self.spec.strategy
        if strategy is Strategy.ONE_FOR_ONE:
            group = [child]
        elif strategy is Strategy.ONE_FOR_ALL:
            group = list(self._children)
        else:
            children = list(self._children)
            group = children[children.index(child) :]
        await self._stop_children(reversed(group))
        for member in group:
            if member is not child and member.spec.restart is RestartType.TEMPORARY:
                self._forget(member, "shutdown")
        await self._restart([m for m in group if m in self._children])

    def _gives_up_on(self, child: _Child, reason: Any) -> bool:
        """Count a party's crash against its own intensity; past it, stop it for good."""
        now = trio.current_time()
        times = child.crash_times
        assert times is not None  # only called for children that count their crashes
        times.append(now)
        while times and times[0] < now - self.spec.child_max_seconds:
            times.popleft()
        if len(times) <= self.spec.child_max_restarts:
            return False
        failure = ChildFailed(
            f"child {child.spec.child_id!r} of supervisor {self.id!r} crashed {len(times)} times "
            f"in {self.spec.child_max_seconds} s; stopped for good (last: {reason!r})"
        )
        failure.__cause__ = reason
        log.error("%s", failure)
        self.failed_children += 1
        self._forget(child, failure)
        return True

    def _count_restart(self, child: _Child, reason: Any) -> None:
        now = trio.current_time()
        times = self._restart_times
        times.append(now)
        while times and times[0] < now - self.spec.max_seconds:
            times.popleft()
        if len(times) > self.spec.max_restarts:
            failure = SupervisorFailed(
                f"supervisor {self.id!r}: more than {self.spec.max_restarts} restarts in "
                f"{self.spec.max_seconds} s (last: child {child.spec.child_id!r}, {reason!r})"
            )
            if isinstance(reason, BaseException):
                raise failure from reason
            raise failure
        self.restarts += 1
        backoff = self.spec.backoff
        if backoff is not None and now - child.started_at > backoff.reset_after:
            child.consecutive_restarts = 0
        child.consecutive_restarts += 1

    async def _restart(self, group: list[_Child]) -> None:
        for child in group:
            backoff = self.spec.backoff
            if backoff is not None:
                await trio.sleep(backoff.delay(child.consecutive_restarts))
            if child not in self._children:
                # Terminated while we slept or started an earlier member: it is finalized.
                continue
            if child.cell is not None:
                child.cell.restarts += 1
            try:
                await self._start(child)
            except Exception as exc:
                # A failed restart is one more exit: it counts against the intensity.
                self._events.send_nowait((child, child.incarnation, exc))
            else:
                log.info("child %r of %r restarted", child.spec.child_id, self.id)

    async def _stop_dynamic_children(self) -> None:
        # Children added at run time have no start order to respect (OTP stops a dynamic
        # supervisor's children concurrently): ten thousand rooms each flushing on stop then
        # share the shutdown time instead of queueing for it.
        async with trio.open_nursery() as nursery:
            for child in list(self._children):
                nursery.start_soon(self._stop_children, [child])

    async def _stop_children(self, children: Iterable[_Child]) -> None:
        for child in children:
            if not child.running:
                continue
            child.incarnation += 1  # its exit event is now stale
            if child.exited is None:
                child.exited = trio.Event()
            exited = child.exited
            child.ask_to_stop()
            with trio.move_on_after(child.spec.shutdown):
                await exited.wait()
            if not exited.is_set():
                assert child.scope is not None  # set before the child's task reports started
                child.scope.cancel()
                await exited.wait()

    def _forget(self, child: _Child, reason: Any) -> None:
        self._children.pop(child, None)
        if child.cell is not None:
            self._by_ref.pop(child.cell.ref, None)
            child.cell.finalize(reason)

    def _find(self, handle: Any) -> _Child:
        if isinstance(handle, ActorRef) and handle in self._by_ref:
            return self._by_ref[handle]
        for child in self._children:
            if child.handle is handle or child.handle == handle or child.spec.child_id == handle:
                return child
        raise LookupError(f"{handle!r} is not a child of supervisor {self.id!r}")

    def __repr__(self) -> str:
        return f"<Supervisor {self.id!r} {self.spec.strategy.value} children={len(self._children)}>"


def _should_restart(restart: RestartType, crashed: bool) -> bool:
    return restart is RestartType.PERMANENT or (restart is RestartType.TRANSIENT and crashed)


def _kind_of(spec: ActorSpec) -> str:
    factory = spec.factory
    return getattr(factory, "__name__", None) or type(factory).__name__
