"""``Party``: a persistent actor with a peer group, named lifecycle hooks and a listing.

An app's party subclasses ``Party[State, MemberState]``, sets ``kind`` and ``state_type``, and
overrides the hooks it needs (each optional)::

    on_ready(restored)          the state is in place (new or restored): re-arm timers
    on_join(member)             a connection joined (raise an AppError to refuse it)
    on_message(member, msg)     a decoded message from a member (may be async)
    on_leave(member, gone)      a connection left (``self.peers.is_connected`` tells if it was
                                its user's last)
    on_dispose()                the party is finishing for good (``finish()``)
    summary()                   its listing in the directory (None: not listed)

Guarantees:

- An ``AppError`` raised by ``on_join`` or ``on_message`` changes nothing (the state, recorded
  events and pending sends roll back) and is answered to that connection alone in the app's
  format (``errors.event``); a refused join also closes the connection with 4000 + the error's
  status (4403, 4404, 4409).
- ``self.peers`` outlives crashes (see ``PeerGroup``): a restarted incarnation still has every
  member, and a message from a connection it does not know (its join was the message that
  crashed) is admitted again through ``on_join`` before it is handled. Taking connections
  back is the layer's job, not the app's.
- The summary is reported to the directory after every commit in which it changed, and
  withdrawn when the party stops; ``directory.listing`` never asks a party.
- After a crash the state is the last commit while the group is as it was: a join or a leave
  whose message crashed (or whose commit failed) is in the group but not in the state.
  ``on_ready`` reconciles what the state says about connections with ``self.peers``.
- ``finish()`` runs ``on_dispose``, deletes the party from the store, then closes its
  connections with 1000 "party over"; a graceful stop (shutdown) closes them with 1001.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs

from engine.actors import on
from engine.errors import AppError
from engine.net import (
    CloseReason,
    Peer,
    PeerConnected,
    PeerDisconnected,
    PeerMessage,
    batched_sends,
)
from engine.store import PersistentActor, Record

from ._errors import refusal_close_code
from ._group import Member, PeerGroup
from ._serve import ADMISSION, Admission

if TYPE_CHECKING:
    from ._directory import PartyDirectory

__all__ = ["Birth", "FinishParty", "Party"]

log = logging.getLogger("engine.parties")

S = TypeVar("S")
M = TypeVar("M")

_UNREPORTED = object()
# A WebSocket close reason is at most 123 bytes.
_REASON_CHARS = 100


@attrs.frozen
class Birth:
    """What the directory gives each incarnation of a party: who it is, and the seed (a new
    party's first state) or the record just loaded (for the first incarnation only)."""

    directory: PartyDirectory[Any]
    key: str
    seed: Any = None
    preloaded: Record | None = None


@attrs.frozen
class Persist:
    """Ask, from the directory's ``create``: commit the new party's first state."""


@attrs.frozen
class FinishParty:
    """End the party for good (``Party.finish``): what ``directory.finish`` asks, and the
    message of an expiry timer (``start_timer("expire", ttl, FinishParty())``)."""


class Party(PersistentActor[S], Generic[S, M]):
    """A party of one kind; see the module docstring. Made by its ``PartyDirectory`` only.

    ``self.directory``, ``self.context`` (what the app gave the directory: its settings, other
    directories), ``self.errors`` (the app's error format) and ``self.peers`` are set for the
    hooks; the key (``self.key``) is the party id. ``state_type`` is an attrs class. The layer
    uses ``on_loaded`` (override ``on_ready`` instead) and ``on_stop`` (an override calls
    ``super().on_stop(reason)``).
    """

    #: The registry and store namespace, e.g. ``"quipflip.game"``.
    kind: ClassVar[str]

    def __init__(self, birth: Birth) -> None:
        directory = birth.directory
        super().__init__(directory.store, birth.key, preloaded=birth.preloaded)
        self.directory = directory
        self.context = directory.context
        self.errors = directory.errors
        self.peers: PeerGroup[M] = directory.peer_group(birth.key)
        self.peers.journal = self
        self._seed = birth.seed
        self._listed: Any = _UNREPORTED

    # -- hooks ------------------------------------------------------------------------------

    async def on_ready(self, restored: bool) -> None:
        """The state is in place: new (``restored`` False) or loaded from the store. Re-arm
        timers here; raise ``NotSaved`` (after deleting) for a party found over while down."""

    def on_join(self, member: Member[M]) -> None:
        """``member`` joined (it is in ``self.peers`` already); raise an ``AppError`` to refuse."""

    def on_message(self, member: Member[M], message: Any) -> Any:
        """A decoded message from ``member``; may be a coroutine function. Unknown message
        types are the app's to refuse (raise an ``AppError``)."""

    def on_leave(self, member: Member[M], gone: PeerDisconnected) -> None:
        """``member``'s connection ended (``gone`` says how); it is no longer in ``self.peers``."""

    def on_dispose(self) -> None:
        """The party is finishing: its last words (a durable broadcast, say) go here."""

    def error_event(self, member: Member[M], error: AppError) -> Any:
        """The in-socket message refusing ``member``'s join or message with ``error``: the app's
        format (``errors.event``) unless overridden, e.g. to address it to the connection."""
        return self.errors.event(error)

    def summary(self) -> Any:
        """The party's listing (an attrs value, compared with ``==``), or None to be unlisted."""
        return None

    def describe(self) -> dict[str, Any]:
        """The party as the live snapshot shows it (``Actor.describe``): its kind and id, its
        connected users and how many connections they have."""
        return {
            "party": self.key,
            "kind": self.kind,
            "members": sorted(self.peers.users()),
            "connections": len(self.peers),
        }

    # -- what hooks use ---------------------------------------------------------------------

    def finish(self) -> None:
        """End the party for good after this message: ``on_dispose``, deleted from the store,
        unlisted, connections closed with 1000 "party over" once that is durable."""
        self.on_dispose()
        super().finish()
        self.after_commit(self._over)

    def _over(self) -> None:
        fields = {"kind": self.kind, "party": self.key}
        log.info("%s %s finished", self.kind, self.key, extra=fields)
        self.peers.close_all(CloseReason.NORMAL_CLOSURE, "party over")

    # -- the layer's own handlers -------------------------------------------------------------

    def initial_state(self) -> S | None:
        return self._seed  # type: ignore[no-any-return]

    async def on_loaded(self, restored: bool) -> None:
        events = self.peers.events
        if restored and events.seq == 0:
            # A new group, so the process restarted: rebuild the stream from the event log
            # (after a crash the group kept its stream, sends included).
            await self._restore_events()
        await self.on_ready(restored)
        self._report()

    async def on_stop(self, reason: Any) -> None:
        code = CloseReason.GOING_AWAY if reason == "shutdown" else CloseReason.NORMAL_CLOSURE
        self.peers.close_all(code, "server shutting down" if reason == "shutdown" else "party over")
        self.directory.forget(self.key)

    @on(Persist)
    def _persist(self, _: Persist) -> None:
        # A copy is a new state object, which the commit after this message saves.
        self.state = attrs.evolve(self.state)  # type: ignore[misc]

    @on(FinishParty)
    def _finish(self, _: FinishParty) -> None:
        self.finish()

    @on(PeerConnected)
    def _connected(self, message: PeerConnected) -> None:
        self._admit(message.peer)

    @on(PeerMessage)
    async def _received(self, message: PeerMessage) -> None:
        peer = message.peer
        member = self.peers.member(peer)
        if member is None:
            if peer.closed:
                return  # queued behind its connection's end
            log.info("party %s %s takes back a connection", self.kind, self.key)
            member = self._admit(peer)
            if member is None:
                return
        try:
            handled = self.on_message(member, message.message)
            if inspect.isawaitable(handled):
                await handled
        except AppError as error:
            member.send_json(self.error_event(member, error))
            raise

    @on(PeerDisconnected)
    def _disconnected(self, message: PeerDisconnected) -> None:
        removed = self.peers.remove(message.peer)
        if removed is not None:
            self.on_leave(removed[0], message)

    async def _settle(self) -> None:
        await super()._settle()
        self._report()

    def _run_effects(self, effects: list[Callable[[], Any]]) -> None:
        if len(effects) == 1:
            effects[0]()
            return
        # Several sends to the same members (a move's events, then a hand): one write each.
        with batched_sends():
            super()._run_effects(effects)

    # -- helpers ----------------------------------------------------------------------------

    def _admit(self, peer: Peer) -> Member[M] | None:
        admission = peer.attrs.get(ADMISSION)
        if not isinstance(admission, Admission):
            log.error(
                "party %s %s: %r was not served by serve_member",
                self.kind,
                self.key,
                peer,
            )
            peer.close(CloseReason.INTERNAL_ERROR, "internal error")
            return None
        member: Member[M] = Member(
            peer, admission.user_id, admission.state, rate_limit=admission.rate_limit
        )
        self.peers.add(member)
        try:
            self.on_join(member)
        except AppError as error:
            self.peers.remove(peer)
            # Now, not after a commit: the rejection drops pending effects.
            peer.send_json(self.error_event(member, error))
            peer.close(refusal_close_code(error), error.message[:_REASON_CHARS])
            raise
        except BaseException:
            # A bug: the group outlives the crash, and must not keep a member never accepted.
            # The connection stays open; its next message is admitted again.
            self.peers.remove(peer)
            raise
        return member

    async def _restore_events(self) -> None:
        log_ = await self.store.read_events(self.kind, self.key, after=0)
        if not log_:
            return
        events = self.peers.events
        seq = log_[-1][0]
        # Whatever came before the first logged event was trimmed: resumes from there get None.
        events.restore(seq, log_, after=log_[0][0] - 1)
        # The log is only read back this far: drop what the ring could never replay.
        if seq > events.capacity:
            await self.store.trim_events(self.kind, self.key, upto=seq - events.capacity)

    def _report(self) -> None:
        listed = None if self._finished else self.summary()
        if listed != self._listed:
            self._listed = listed
            self.directory.report(self.key, listed)
