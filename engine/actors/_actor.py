"""The ``Actor`` base class: handlers chosen by message type, lifecycle hooks, and the actor's
own tools (timers, receive timeout, watch, stash, stop)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import trio

from ._errors import Rejection

if TYPE_CHECKING:
    from ._cell import Cell
    from ._ref import ActorRef

F = TypeVar("F", bound=Callable[..., Any])


class UnhandledMessage(Rejection):
    """The actor has no handler for this message type; the actor carries on."""


def on(*message_types: type) -> Callable[[F], F]:
    """Mark a method as the handler of ``message_types``.

    The handler may be sync or async; it is called with the message and its return value is the
    reply to an ``ask``. A subclass of a handled type is handled too unless it has its own handler.
    A subclass that overrides the method (with or without ``@on``) replaces it for those types.
    """
    if not message_types:
        raise TypeError("@on needs at least one message type")

    def mark(method: F) -> F:
        method.__actor_handles__ = message_types  # type: ignore[attr-defined]
        return method

    return mark


class Actor:
    """Subclass this and mark handlers with ``@on(MessageType)``.

    One instance per incarnation: a restart builds a fresh one from the child spec's factory and
    runs ``on_start`` again, so an actor keeps nothing across a crash but what it reloads.
    The runtime attaches the instance to its cell before ``on_start``; the tools below work from
    then on.

    Lifecycle:
    - ``on_start()``: before the first message; the actor is "ready" (``start_child`` returns)
      when it returns. An exception here is a failed start.
    - ``on_stop(reason)``: after a graceful stop (``stop()``, supervisor shutdown); not after a
      crash, which by definition left the actor in a state nobody should trust.
    """

    _handlers: ClassVar[dict[type, tuple[Callable[..., Any], bool]]] = {}
    _cell: Cell

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Message type -> method name, base classes first so that subclasses win; the name is
        # resolved on ``cls`` so that a method overridden without repeating ``@on`` still
        # handles what the base declared, as any overridden method would.
        names: dict[type, str] = {}
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                for message_type in getattr(attr, "__actor_handles__", ()):
                    names[message_type] = name
        handlers: dict[type, tuple[Callable[..., Any], bool]] = {}
        for message_type, name in names.items():
            method = getattr(cls, name)
            if callable(method):
                handlers[message_type] = (method, inspect.iscoroutinefunction(method))
        cls._handlers = handlers

    @classmethod
    def _handler_for(cls, message_type: type) -> tuple[Callable[..., Any], bool] | None:
        handlers = cls._handlers
        found = handlers.get(message_type)
        if found is None:
            for base in message_type.__mro__[1:]:
                found = handlers.get(base)
                if found is not None:
                    handlers[message_type] = found  # cache the subclass lookup
                    break
        return found

    # -- lifecycle hooks ------------------------------------------------------------------

    async def on_start(self) -> None:
        """Called before the first message."""

    async def on_stop(self, reason: Any) -> None:
        """Called after a graceful stop, with ``"normal"`` or ``"shutdown"``."""

    def on_unhandled(self, message: Any) -> Any:
        """Called for a message no handler takes; by default the asker gets ``UnhandledMessage``."""
        raise UnhandledMessage(f"{type(self).__name__} has no handler for {type(message).__name__}")

    def describe(self) -> Mapping[str, Any] | None:
        """What the live snapshot (``ActorSystem.snapshot``, the dashboard) shows of this actor
        beyond its counters: a few JSON-compatible values, or None (the default).

        Called from another task, between two of the actor's messages, as often as a few times
        a second: it must be quick, must not wait and must change nothing.
        """
        return None

    # Hooks for persistent actors (engine.store): run after every handled message, before the
    # reply leaves. ``_settles`` keeps the plain actor's hot path free of an extra await.
    _settles: ClassVar[bool] = False

    async def _settle(self) -> None:
        """Make the message's effects durable; raising here crashes the actor."""

    def _discard(self) -> None:
        """Undo what a message that was rejected changed."""

    # -- the actor's tools ----------------------------------------------------------------

    @property
    def ref(self) -> ActorRef:
        return self._cell.ref

    @property
    def system(self) -> Any:
        """The actor system this actor runs in (registry, spawning); None if run bare."""
        return self._cell.system

    def start_timer(
        self, key: Hashable, delay: float, message: Any, *, repeat: bool = False
    ) -> None:
        """Deliver ``message`` to this actor after ``delay`` seconds (Trio's clock).

        Replaces a running timer with the same key. Every timer is cancelled when the actor stops
        or crashes.
        """
        self._cell.timers.start(key, delay, message, now=trio.current_time(), repeat=repeat)

    def cancel_timer(self, key: Hashable) -> bool:
        timers = self._cell._timers
        return timers is not None and timers.cancel(key)

    def timer_active(self, key: Hashable) -> bool:
        timers = self._cell._timers
        return timers is not None and timers.active(key)

    def timer_remaining(self, key: Hashable) -> float | None:
        timers = self._cell._timers
        return None if timers is None else timers.remaining(key, now=trio.current_time())

    def set_receive_timeout(self, seconds: float | None) -> None:
        """Get a ``ReceiveTimeout`` after ``seconds`` without messages; None turns it off."""
        self._cell.set_receive_timeout(seconds)

    def watch(self, ref: ActorRef) -> None:
        """Get ``Terminated(ref, reason)`` when ``ref`` stops for good (at once if it has)."""
        self._cell.watch(ref)

    def unwatch(self, ref: ActorRef) -> None:
        self._cell.unwatch(ref)

    def stash(self) -> None:
        """Set the current message aside (its asker keeps waiting) until ``unstash_all()``.

        Raises ``StashFull`` past the stash bound.
        """
        self._cell.stash_current()

    def unstash_all(self) -> None:
        """Put every stashed message back at the front of the mailbox, in arrival order."""
        self._cell.unstash_all()

    def stop(self) -> None:
        """Stop after the current message; ``on_stop("normal")`` runs, then the actor ends."""
        self._cell.request_stop()
