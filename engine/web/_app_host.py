"""Each app runs under a supervisor of its own, and is set up again whenever that fails.

An app is isolated from the root of the supervision tree: ``setup(engine)`` receives an engine
whose ``system`` starts supervisors under ``app:<name>`` (one_for_all, no restarts: any of the
app's top-level supervisors failing is the app failing). That supervisor is a TEMPORARY child
of the root, so its failure costs the root nothing; the app's ``AppHost`` notices, leaves the
setup, waits (exponential backoff, ``APP_RESTART_BACKOFF``) and runs the setup again from
scratch. Meanwhile ``engine.contexts`` has no entry for the app and its routes answer 503 in its
own error format; the other apps, and the process, carry on.

Why the whole setup and not just the supervisor that failed: the setup is what builds the app's
context (the directories and supervisors its routes use) from the store, and a restarted
supervisor is a new object the old context does not know. Re-running the setup is the one way
the context is always consistent, and it is the same path as a process start, which every app
already gets right (persistent parties are restored from their last commit).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import attrs
import trio

from engine.supervisors import Backoff, RestartType, Strategy, SupervisorSpec

from ._app import AppSpec

if TYPE_CHECKING:
    from ._engine import Engine

log = logging.getLogger("engine.web")

#: Delay before the n-th consecutive set-up of a failed app: 0.5 s, 1, 2, 4, 8, 16, then 30 s
#: at most; the count starts again once the app has run for a minute. The first retry is quick
#: (a burst of crashes costs half a second of 503s); the cap keeps an app that fails at once,
#: on every set-up, to two attempts (and two log lines) a minute.
APP_RESTART_BACKOFF = Backoff(initial=0.5, factor=2.0, maximum=30.0, reset_after=60.0)
#: The id of the supervisor app ``name`` runs under is this and the name.
APP_SUPERVISOR_PREFIX = "app:"


@attrs.define(eq=False)
class AppHost:
    """Runs one app: sets it up, watches its supervisor, sets it up again after a failure.

    ``restarts`` counts the set-ups after a failure; ``available`` is whether the app's routes
    are being served (its context is in ``engine.contexts``).
    """

    spec: AppSpec
    engine: Engine
    backoff: Backoff = APP_RESTART_BACKOFF
    restarts: int = attrs.field(default=0, init=False)
    _up: trio.Event = attrs.field(factory=trio.Event, init=False)
    _stopping: bool = attrs.field(default=False, init=False)
    _waiting: trio.CancelScope | None = attrs.field(default=None, init=False)
    _done: trio.Event = attrs.field(factory=trio.Event, init=False)
    _started_at: float = attrs.field(default=0.0, init=False)
    _stopped_at: float = attrs.field(default=0.0, init=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def available(self) -> bool:
        return self.name in self.engine.contexts

    async def wait_available(self) -> None:
        """Wait until the app is being served (returns at once if it is)."""
        await self._up.wait()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Set the app up, report started, then keep it up until ``stop``.

        A failure of the first set-up propagates (the engine does not open with a broken app);
        later ones are logged and retried with backoff.
        """
        try:
            await self._run_once(task_status.started)
            consecutive = 0
            while not self._stopping:
                if self._stopped_at - self._started_at > self.backoff.reset_after:
                    consecutive = 0
                consecutive += 1
                delay = self.backoff.delay(consecutive)
                log.error(
                    "app %r is down; setting it up again in %.1f s (restart %d)",
                    self.name,
                    delay,
                    self.restarts + 1,
                )
                await self._interruptible(partial(trio.sleep, delay))
                if self._stopping:
                    break
                self.restarts += 1
                try:
                    await self._run_once(lambda: None)
                except Exception:
                    log.exception("app %r failed to set up again", self.name)
        finally:
            self._done.set()

    async def stop(self) -> None:
        """Leave the app's setup, then stop its supervisor gracefully; wait until done."""
        self._stopping = True
        if self._waiting is not None:
            self._waiting.cancel()
        await self._done.wait()

    # -- internals -------------------------------------------------------------------------

    async def _run_once(self, started: Callable[[], None]) -> None:
        supervisor = await self.engine.system.start_supervisor(
            SupervisorSpec(
                id=APP_SUPERVISOR_PREFIX + self.name,
                strategy=Strategy.ONE_FOR_ALL,
                max_restarts=0,
                restart=RestartType.TEMPORARY,
            )
        )
        self._started_at = trio.current_time()
        try:
            seen_by_app = attrs.evolve(self.engine, system=self.engine.system.within(supervisor))
            async with self.spec.setup(seen_by_app) as context:
                self.engine.contexts[self.name] = context
                self._up.set()
                started()
                if self.restarts:
                    log.warning("app %r is serving again (restart %d)", self.name, self.restarts)
                await self._interruptible(supervisor.wait_stopped)
                self._went_down()  # before the setup exits: its routes answer 503 from now on
        finally:
            self._went_down()
            self._stopped_at = trio.current_time()
            supervisor.request_stop()
            await supervisor.wait_stopped()
        if supervisor.failure is not None:
            log.error(
                "app %r failed: %s", self.name, supervisor.failure, exc_info=supervisor.failure
            )

    def _went_down(self) -> None:
        self.engine.contexts.pop(self.name, None)
        if self._up.is_set():
            self._up = trio.Event()

    async def _interruptible(self, wait: Callable[[], Awaitable[Any]]) -> None:
        with trio.CancelScope() as self._waiting:
            if self._stopping:
                self._waiting.cancel()
            await wait()
        self._waiting = None
