"""Persistent actors: state that is durable before anyone hears about it.

A ``PersistentActor`` keeps its state as one attrs value in ``self.state``. Handlers replace it
(attrs values are frozen; ``attrs.evolve`` makes the next one). After every message the runtime
calls ``_settle``: if the state changed or events were recorded, they are saved (sharing a group
commit with every other actor saving at the same moment) and only then do the reply and the
``after_commit`` effects (broadcasts) leave the actor. So "acknowledged" means "durable".

A handler that raises a ``Rejection`` leaves nothing behind: the state goes back to the last
committed value and its recorded events and effects are dropped. A handler that crashes, or a
save that fails, crashes the actor; its supervisor restarts it and ``on_start`` reloads the last
committed state.

Saves and the final delete expect the version this incarnation last loaded or saved, so a copy
whose key another writer saved since (in a cluster: the node that took the party over while
this one was paused past its lease) writes nothing: it is ``Superseded``, which the asker gets
(and nothing of the message's survives, as for any rejection), and it stops for good, as if its
supervisor had stopped it, instead of restarting. Whoever uses the key next loads the newer state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any, ClassVar, Generic, TypeVar

import cattrs
from cattrs.preconf.json import make_converter

from engine.actors import Actor, Rejection
from engine.supervisors import ActorSpec, RestartType, Supervisor

from ._errors import VersionConflict
from ._ops import JsonText
from ._record import Record
from ._store import Store

S = TypeVar("S")

log = logging.getLogger("engine.store")


class NotSaved(LookupError):
    """A persistent actor has no state to start from: its key was never saved, or it found its
    state over (expired) while loading and deleted it. ``get_or_restore`` reads this, and only
    this, as "no such key"; any other error while starting is a failure."""


class Superseded(Rejection):
    """Another writer saved this actor's key since the actor loaded it: the actor's state is
    stale, so nothing was written and the actor stops (see the module docstring). Over HTTP a
    503: the next request finds the key's current writer."""

    status = 503
    retry_after = 1.0


#: The store's wire format: attrs state to JSON-compatible dicts. Built once (STYLE.md, 9).
STATE_CONVERTER = make_converter()


class PersistentActor(Actor, Generic[S]):
    """An actor whose ``state`` survives its crashes and the process's restarts.

    Subclasses set ``kind`` (the store's namespace, e.g. ``"liaptui.room"``) and ``state_type``
    and implement ``initial_state`` for a key that has never been saved (return None to refuse
    to start: the key is unknown, and starting raises ``NotSaved``).
    """

    kind: ClassVar[str]
    state_type: ClassVar[type]
    converter: ClassVar[cattrs.Converter] = STATE_CONVERTER
    _settles: ClassVar[bool] = True

    state: S

    def __init__(self, store: Store, key: str, *, preloaded: Record | None = None) -> None:
        self.store = store
        self.key = key
        self._preloaded = preloaded
        self._version = 0
        self._committed: Any = None
        self._events: list[tuple[int, dict[str, Any] | JsonText]] = []
        self._effects: list[Callable[[], Any]] = []
        self._finished = False

    def initial_state(self) -> S | None:
        """The state of a key with nothing saved; None means the key does not exist."""
        return None

    async def on_loaded(self, restored: bool) -> None:
        """Called once the state is in place (``restored``: it came from the store).

        Re-arm timers here: they are not persisted, the state they act on is.
        """

    async def on_start(self) -> None:
        record, self._preloaded = self._preloaded, None
        if record is None:
            record = await self.store.load(self.kind, self.key)
        if record is not None:
            self.state = self.converter.structure(record.data, self.state_type)
            self._version = record.version
        else:
            initial = self.initial_state()
            if initial is None:
                raise NotSaved(f"no saved {self.kind} {self.key!r}")
            self.state = initial
        self._committed = self.state
        await self.on_loaded(record is not None)

    # -- what handlers use ----------------------------------------------------------------

    def record_event(self, seq: int, data: dict[str, Any], text: str | None = None) -> None:
        """Append ``(seq, data)`` to this key's event log in the same commit as the state.

        ``text``: ``data`` already encoded by ``engine.net``'s strict JSON (see ``JsonText``),
        which the log keeps instead of encoding ``data`` again (the save still refuses data
        that is not a dict).
        """
        if text is not None and isinstance(data, dict):
            self._events.append((seq, JsonText(text)))
        else:
            self._events.append((seq, data))

    def after_commit(self, effect: Callable[[], Any]) -> None:
        """Run ``effect`` once this message's changes are durable (dropped if it is rejected)."""
        self._effects.append(effect)

    def finish(self) -> None:
        """Delete this key's state and events from the store, then stop (after this message)."""
        self._finished = True

    # -- runtime hooks --------------------------------------------------------------------

    async def _settle(self) -> None:
        try:
            if self._finished:
                await self.store.delete(self.kind, self.key, expected_version=self._version)
                self._events.clear()
                self.stop()
            elif self.state is not self._committed or self._events:
                data = self.converter.unstructure(self.state, self.state_type)
                events, self._events = self._events, []
                self._version = await self.store.save(
                    self.kind, self.key, data, expected_version=self._version, events=events
                )
                self._committed = self.state
        except VersionConflict as conflict:
            if self._version == 0:
                raise  # a new key found saved already: its creator's to handle
            # Restarting would load the newer state and run a second copy beside its writer.
            log.warning("%s %s was saved by another writer: this copy stops", self.kind, self.key)
            self._cell.request_stop("shutdown")
            raise Superseded(f"{self.kind} {self.key!r} moved: try again") from conflict
        effects, self._effects = self._effects, []
        if effects:
            self._run_effects(effects)

    def _run_effects(self, effects: list[Callable[[], Any]]) -> None:
        """Run a committed message's effects, in order (a subclass may wrap them)."""
        for effect in effects:
            effect()

    def _discard(self) -> None:
        self.state = self._committed
        self._events.clear()
        self._effects.clear()
        self._finished = False


async def get_or_restore(
    supervisor: Supervisor,
    name: Hashable,
    factory: Callable[[], PersistentActor[Any]],
) -> Any:
    """The live actor registered as ``name``, or one restored from the store, or None.

    For "first use after a restart": a client holding an id from before finds its party. A
    factory whose key was never saved (``initial_state`` is None), or that raises ``NotSaved``
    while loading, yields None; any other failure to start raises ``ChildStartFailed``.
    Race-free like ``get_or_start_child``. The party is TRANSIENT with its supervisor's
    per-child intensity: one that crash-loops is stopped and marked failed (``ChildFailed``)
    while its state stays at its last commit, and the next call here brings it back from there
    with a fresh count.
    """
    try:
        return await supervisor.get_or_start_child(
            ActorSpec(factory, name=name, restart=RestartType.TRANSIENT)
        )
    except Exception as exc:
        if isinstance(exc.__cause__, NotSaved):
            return None
        raise
