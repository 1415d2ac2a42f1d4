"""The cell: what stays of an actor across its incarnations.

A cell owns the mailbox, the ref, the counters, the watchers and the stash; each incarnation is
one run of ``Cell.run`` with a fresh ``Actor`` instance. A supervisor decides whether a finished
run is followed by another; when it is not, it calls ``finalize``, which fails every pending ask
with ``ActorStopped``, tells the watchers and frees the registry name.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

import attrs
import trio

from ._actor import Actor
from ._errors import ActorCrashed, ActorStopped, Rejection, StashFull
from ._mailbox import Mailbox
from ._messages import ReceiveTimeout, Terminated
from ._ref import ActorRef
from ._reply import Ask
from ._schedule import Visit, schedule
from ._timers import Timers

log = logging.getLogger("engine.actors")
_uids = itertools.count(1)


@attrs.frozen
class CellStatistics:
    kind: str
    name: Hashable | None
    mailbox_depth: int
    messages_handled: int
    restarts: int
    dropped: int
    stash_size: int
    timers: int
    alive: bool


@attrs.define(eq=False)
class Cell:
    kind: str
    mailbox: Mailbox
    name: Hashable | None = None
    system: Any = None
    stash_capacity: int = 1000
    uid: int = attrs.field(factory=lambda: next(_uids))
    ref: ActorRef = attrs.field(init=False)
    actor: Actor | None = attrs.field(default=None, init=False)
    handled: int = attrs.field(default=0, init=False)
    restarts: int = attrs.field(default=0, init=False)
    # Made on first use: most actors never set a timer, stash, watch or get watched, and an idle
    # actor's footprint is what ten thousand rooms multiply.
    _timers: Timers | None = attrs.field(default=None, init=False)
    _stash: list[Any] | None = attrs.field(default=None, init=False)
    _watchers: set[ActorRef] | None = attrs.field(default=None, init=False)
    _watching: set[ActorRef] | None = attrs.field(default=None, init=False)
    _on_finalize: list[Callable[[], None]] | None = attrs.field(default=None, init=False)
    # The batch being handled, so that unstashed messages go ahead of the rest of it.
    _batch: deque[Any] | None = attrs.field(default=None, init=False)
    _current: Any = attrs.field(default=None, init=False)
    _stashed_current: bool = attrs.field(default=False, init=False)
    _stop_reason: str | None = attrs.field(default=None, init=False)
    _receive_timeout: float | None = attrs.field(default=None, init=False)
    _last_activity: float = attrs.field(default=0.0, init=False)
    _final_reason: Any = attrs.field(default=None, init=False)
    _stopped: trio.Event | None = attrs.field(default=None, init=False)
    # The run's schedule wakes the mailbox at `_armed`, the next timer's time (see `_loop`).
    _alarm: Visit | None = attrs.field(default=None, init=False)
    _armed: float = attrs.field(default=math.inf, init=False)

    def __attrs_post_init__(self) -> None:
        self.ref = ActorRef._create(self)

    @property
    def stop_reason(self) -> str | None:
        """Why the current incarnation was asked to stop, if it was."""
        return self._stop_reason

    @property
    def timers(self) -> Timers:
        """The current incarnation's timers."""
        if self._timers is None:
            self._timers = Timers()
        return self._timers

    # -- one incarnation ------------------------------------------------------------------

    async def run(
        self,
        factory: Callable[[], Actor],
        *,
        task_status: trio.TaskStatus[ActorRef] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Run one incarnation: build the actor, start it, handle messages until stopped.

        Returns after a graceful stop; raises what crashed the actor. On any exit the
        incarnation's timers, receive timeout and watches are dropped; the mailbox and the stash
        are kept for the next incarnation (the message that crashed this one is not).
        """
        actor = factory()
        # The kind is the actor's class, whatever built it (a lambda, a partial): until the
        # first incarnation is built, it is the name the supervisor gave.
        self.kind = type(actor).__qualname__
        actor._cell = self
        self.actor = actor
        self._stop_reason = None
        try:
            await actor.on_start()
            task_status.started(self.ref)
            # Trio's task status holds the start-up nursery; an actor lives long, so let it go.
            del task_status
            await self._loop(actor)
            await actor.on_stop(self._stop_reason or "normal")
        finally:
            self._timers = None
            self._receive_timeout = None
            if self._watching:
                for target in self._watching:
                    watchers = target._cell._watchers
                    if watchers:
                        watchers.discard(self.ref)
            self._watching = None
            self.actor = None

    async def _loop(self, actor: Actor) -> None:
        mailbox = self.mailbox
        try:
            while self._stop_reason is None:
                deadline = self._next_deadline()
                if deadline != self._armed:
                    self._arm(deadline)
                # Empty when woken by the alarm (or a stop) with nothing queued.
                batch: deque[Any] | None = await mailbox.take_batch()
                self._batch = batch
                try:
                    if deadline != math.inf:
                        await self._fire_due(actor, batch)
                    if not batch:
                        continue
                    if self._receive_timeout is not None:
                        self._last_activity = trio.current_time()
                    while batch:
                        if self._stop_reason is not None:
                            return
                        await self._handle(actor, batch.popleft())
                finally:
                    self._batch = None
                    if batch:
                        # Not handled (a stop, a crash, a cancellation, here or in a timer's
                        # handler): the next batch or incarnation gets them, in order. The
                        # message that crashed the actor was popped already and is not among
                        # them.
                        mailbox.prepend(batch)
                    batch = None  # an idle actor need not hold its last, drained batch
        finally:
            self._arm(math.inf)

    def _arm(self, deadline: float) -> None:
        """Have the run's schedule wake the mailbox at ``deadline`` (never, if infinite).

        Rather than a cancel scope around each wait, which cost one per message, and a
        ``Cancelled`` raised through this task whenever a timer came due."""
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None
        self._armed = deadline
        if deadline != math.inf:
            self._alarm = schedule().watch(self._ring, deadline)

    def _ring(self, now: float) -> None:
        self._alarm = None
        self._armed = math.inf
        self.mailbox.wake()

    def _next_deadline(self) -> float:
        deadline = math.inf if self._timers is None else self._timers.next_deadline()
        if self._receive_timeout is not None:
            deadline = min(deadline, self._last_activity + self._receive_timeout)
        return deadline

    async def _fire_due(self, actor: Actor, batch: deque[Any] | None) -> None:
        """Handle every timer due now, then ``ReceiveTimeout`` if nothing arrived in time."""
        now = trio.current_time()
        if self._timers is not None:
            for message in self._timers.pop_due(now):
                if self._stop_reason is not None:
                    return  # the stop comes first; the timers die with the incarnation
                await self._handle(actor, message)
        if (
            not batch
            and self._stop_reason is None
            and self._receive_timeout is not None
            and now >= self._last_activity + self._receive_timeout
        ):
            self._last_activity = now
            await self._handle(actor, ReceiveTimeout())

    async def _handle(self, actor: Actor, item: Any) -> None:
        if type(item) is Ask:
            message, reply = item.message, item
        else:
            message, reply = item, None
        self._current = item
        self._stashed_current = False
        # A dict hit is the common case; _handler_for walks the MRO and caches subclasses.
        found = actor._handlers.get(type(message)) or actor._handler_for(type(message))
        try:
            if found is None:
                result = actor.on_unhandled(message)
            else:
                handler, is_async = found
                result = handler(actor, message)
                if is_async:
                    result = await result
            if actor._settles:
                await actor._settle()
        except trio.Cancelled:
            if reply is not None:
                reply.fail(ActorStopped(f"{self.ref!r} stopped while handling the message"))
            raise
        except Exception as exc:
            # isinstance, not an except clause: apps may register their own error bases with
            # Rejection (an ABC), so pure rule modules need not import the runtime.
            if not isinstance(exc, Rejection):
                self._crashed(reply, message, exc)
                raise
            self.handled += 1
            actor._discard()
            if reply is not None:
                reply.fail(exc)
            else:
                log.debug("%r rejected %r: %s", self.ref, message, exc)
            return
        except BaseException as exc:
            self._crashed(reply, message, exc)
            raise
        finally:
            self._current = None
        self.handled += 1
        if reply is not None and not self._stashed_current:
            reply.send(result)

    def _crashed(self, reply: Any, message: Any, exc: BaseException) -> None:
        if reply is not None:
            crashed = ActorCrashed(f"{self.ref!r} crashed on {type(message).__name__}: {exc!r}")
            crashed.__cause__ = exc
            reply.fail(crashed)

    # -- requests from the actor or its supervisor ----------------------------------------

    def request_stop(self, reason: str = "normal") -> None:
        """Ask the running incarnation to end after its current message (``"normal"`` when the
        actor stops itself, ``"shutdown"`` when its supervisor stops it)."""
        self._stop_reason = reason
        self.mailbox.wake()

    def set_receive_timeout(self, seconds: float | None) -> None:
        if seconds is not None and seconds <= 0:
            raise ValueError("a receive timeout must be positive")
        self._receive_timeout = seconds
        self._last_activity = trio.current_time()

    def watch(self, target: ActorRef) -> None:
        if not target.alive:
            self.ref.tell(Terminated(target, target._cell._final_reason))
            return
        if target._cell._watchers is None:
            target._cell._watchers = set()
        target._cell._watchers.add(self.ref)
        if self._watching is None:
            self._watching = set()
        self._watching.add(target)

    def unwatch(self, target: ActorRef) -> None:
        if target._cell._watchers:
            target._cell._watchers.discard(self.ref)
        if self._watching:
            self._watching.discard(target)

    def stash_current(self) -> None:
        if self._current is None:
            raise RuntimeError("stash() is only valid while handling a message")
        if self._stash is None:
            self._stash = []
        if len(self._stash) >= self.stash_capacity:
            raise StashFull(f"stash full ({self.stash_capacity} messages)")
        self._stash.append(self._current)
        self._stashed_current = True

    def unstash_all(self) -> None:
        stashed, self._stash = self._stash, None
        if not stashed:
            return
        if self._batch is not None:
            # They arrived before the rest of the batch being handled, so they go before it.
            self._batch.extendleft(reversed(stashed))
        else:
            self.mailbox.prepend(stashed)

    def on_finalize(self, callback: Callable[[], None]) -> None:
        if self._on_finalize is None:
            self._on_finalize = []
        self._on_finalize.append(callback)

    # -- the end --------------------------------------------------------------------------

    def finalize(self, reason: Any) -> None:
        """The actor will not run again: fail pending asks, tell watchers, run callbacks.

        Idempotent. ``reason`` is ``"normal"``, ``"shutdown"`` or the exception that ended it.
        """
        if self.mailbox.closed:
            return
        self._final_reason = reason
        leftovers = self.mailbox.close()
        if self._stash:
            leftovers += self._stash
        self._stash = None
        for item in leftovers:
            if type(item) is Ask:
                item.fail(ActorStopped(f"{self.ref!r} stopped ({_describe(reason)})"))
        if self._watchers:
            for watcher in list(self._watchers):
                # A watcher that is gone or full has nobody left to tell.
                with contextlib.suppress(Exception):
                    watcher.tell(Terminated(self.ref, reason))
        self._watchers = None
        for callback in self._on_finalize or ():
            callback()
        self._on_finalize = None
        if self._stopped is not None:
            self._stopped.set()

    async def wait_stopped(self) -> Any:
        if not self.mailbox.closed:
            if self._stopped is None:
                self._stopped = trio.Event()
            await self._stopped.wait()
        return self._final_reason

    def statistics(self) -> CellStatistics:
        mailbox = self.mailbox.statistics()
        return CellStatistics(
            kind=self.kind,
            name=self.name,
            mailbox_depth=mailbox.depth,
            messages_handled=self.handled,
            restarts=self.restarts,
            dropped=mailbox.dropped,
            stash_size=len(self._stash) if self._stash else 0,
            timers=len(self._timers) if self._timers is not None else 0,
            alive=not self.mailbox.closed,
        )


def _describe(reason: Any) -> str:
    return reason if isinstance(reason, str) else f"{type(reason).__name__}: {reason}"
