"""``SessionParty``: one persistent actor per session, keyed by its ``session_id``.

Its state is the ``Session`` value (players, metrics, the REST signaling mailbox); HTTP
handlers ask it to apply the session rules. Its connections are the signaling WebSocket's,
one ``Member`` per connection with the peer id as its user: the ``SignalingRoom`` (who joined,
in order) is kept in memory beside them and rebuilt from the members after a crash, since the
peer group outlives it. A room never outlives the process: after a restart peers reconnect.

Timers: one at the session's abandon deadline (``empty_session_timeout`` after its last player
left, or after creation), re-armed after every change and after a restart, ends it (ENDED).
Closing (empty too long, its host unregistered or gone OFFLINE) sends ``session-ended`` to the
room, closes every connection (1000) once that is durable, and releases the host unless the
host is the one closing it. A closed session stays readable for ``closed_session_retention``
seconds after it closed, then is deleted (a timer too, armed again after a restart).

A second connection with a peer id replaces the first, which is closed: only the last
connection's end takes the peer out of the room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engine import clock
from engine.actors import on
from engine.errors import AppError
from engine.net import CloseReason, PeerDisconnected
from engine.parties import FinishParty, Member, Party

from .errors import SessionClosed
from .messages import CloseSession, Detach, tell
from .protocol import ErrorMessage, Join, Leave, parse_client_message, to_json
from .requests import UpdateSessionMetricsRequest
from .sessions import (
    Session,
    abandon_deadline,
    activate,
    add_ice_candidate,
    add_player,
    close,
    is_abandoned,
    post_answer,
    post_offer,
    remove_player,
    update_metrics,
)
from .signaling import (
    Delivery,
    SignalingRoom,
    close_room,
    disconnect,
    join,
    leave,
    relay,
)
from .statuses import SessionStatus

if TYPE_CHECKING:
    from .coordinator import Coordinator

__all__ = [
    "Abandon",
    "Activate",
    "AddCandidate",
    "AddPlayer",
    "Connection",
    "PostSignal",
    "ReadSession",
    "RemovePlayer",
    "SessionParty",
    "SignalingErrors",
    "UpdateMetrics",
]


@attrs.frozen
class Connection:
    """A signaling connection: ``joined`` is its place in the joining order while it is in
    the room (None before ``join`` and after ``leave``)."""

    joined: int | None = None


@attrs.frozen
class SignalingErrors:
    """What a signaling connection is told about a message refused: ``{"type": "error",
    "message": ...}``, whatever refused it (the rules, the size limit, the decoder)."""

    def event(self, error: AppError) -> Any:
        return to_json(ErrorMessage(error.message))

    def malformed(self, reason: str) -> Any:
        return to_json(ErrorMessage(f"Malformed message: {reason}"))

    def too_big(self, limit: int) -> Any:
        return to_json(ErrorMessage(f"Messages are limited to {limit} bytes"))

    def rate_limited(self, retry_after: float) -> Any:
        return to_json(ErrorMessage(f"Too many messages, retry in {retry_after:.2f} s"))

    def internal_error(self) -> Any:
        return to_json(ErrorMessage("Internal server error"))


@attrs.frozen
class ReadSession:
    """Ask: the session."""


@attrs.frozen
class Activate:
    """Ask: PENDING to ACTIVE (``SessionNotPending``)."""


@attrs.frozen
class AddPlayer:
    """Ask: answers ``(session, added)``, ``added`` False if the player was in it already."""

    player_id: str


@attrs.frozen
class RemovePlayer:
    player_id: str


@attrs.frozen
class UpdateMetrics:
    request: UpdateSessionMetricsRequest


@attrs.frozen
class PostSignal:
    """Ask: the latest ``offer`` or ``answer`` (``kind``) of ``peer_id``."""

    kind: str
    peer_id: str
    sdp: str


@attrs.frozen
class AddCandidate:
    peer_id: str
    candidate: str


@attrs.frozen
class Abandon:
    """The abandon timer's message."""


_ABANDON = "abandon"
_EXPIRE = "expire"


class SessionParty(Party[Session, Connection]):
    kind: ClassVar[str] = "p2p.session"
    state_type: ClassVar[type] = Session
    context: Coordinator

    async def on_ready(self, restored: bool) -> None:
        # After a crash the members are still here; the room is who of them had joined.
        joined = sorted(
            (member.state.joined, member.user_id)
            for member in self.peers
            if member.state.joined is not None
        )
        peers = tuple(dict.fromkeys(peer for _, peer in joined))
        self.room = SignalingRoom(self.key, peers)
        self._joins = joined[-1][0] + 1 if joined else 0
        self._arm()

    def summary(self) -> Session:
        return self.state

    # -- the signaling WebSocket ------------------------------------------------------------

    def on_join(self, member: Member[Connection]) -> None:
        if not self.state.status.is_open:
            raise SessionClosed(self.key, self.state.status)
        for other in self.peers.connections(member.user_id):
            if other is not member:
                other.close(CloseReason.NORMAL_CLOSURE, "replaced by a new connection")

    def on_message(self, member: Member[Connection], message: Any) -> None:
        parsed = parse_client_message(message)
        peer = member.user_id
        if isinstance(parsed, Join):
            room, deliveries = join(self.room, peer, parsed)
            if member.state.joined is None:
                member.state = Connection(self._joins)
                self._joins += 1
        elif isinstance(parsed, Leave):
            room, deliveries = leave(self.room, peer)
            for connection in self.peers.connections(peer):
                connection.state = Connection()
        else:
            room, deliveries = self.room, [relay(self.room, peer, parsed)]
        self.room = room
        self._deliver(deliveries)

    def on_leave(self, member: Member[Connection], gone: PeerDisconnected) -> None:
        if self.peers.is_connected(member.user_id):
            return  # replaced by a newer connection, which keeps its place
        self.room, deliveries = disconnect(self.room, member.user_id)
        self._deliver(deliveries)

    def _deliver(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            self.peers.send_to(delivery.to, to_json(delivery.message))

    # -- asks from the HTTP routes ----------------------------------------------------------

    @on(ReadSession)
    def _read(self, _: ReadSession) -> Session:
        return self.state

    @on(Activate)
    def _activate(self, _: Activate) -> Session:
        self.state = activate(self.state)
        return self.state

    @on(AddPlayer)
    def _add_player(self, message: AddPlayer) -> tuple[Session, bool]:
        before = self.state
        self.state = add_player(self.state, message.player_id)
        self._arm()
        return self.state, self.state is not before

    @on(RemovePlayer)
    def _remove_player(self, message: RemovePlayer) -> Session:
        self.state = remove_player(self.state, message.player_id, now=clock.now())
        self._arm()
        return self.state

    @on(UpdateMetrics)
    def _update_metrics(self, message: UpdateMetrics) -> Session:
        self.state = update_metrics(self.state, message.request)
        return self.state

    @on(PostSignal)
    def _post_signal(self, message: PostSignal) -> Session:
        post = post_offer if message.kind == "offer" else post_answer
        self.state = post(self.state, message.peer_id, message.sdp)
        return self.state

    @on(AddCandidate)
    def _add_candidate(self, message: AddCandidate) -> Session:
        self.state = add_ice_candidate(self.state, message.peer_id, message.candidate)
        return self.state

    # -- closing ----------------------------------------------------------------------------

    @on(CloseSession)
    async def _close_session(self, message: CloseSession) -> None:
        await self._close(message.status, release_host=message.release_host)

    @on(Abandon)
    async def _abandon(self, _: Abandon) -> None:
        timeout = self.context.settings.empty_session_timeout
        if is_abandoned(self.state, clock.now(), timeout):
            await self._close(SessionStatus.ENDED, release_host=True)
        else:
            self._arm()

    async def _close(self, status: SessionStatus, *, release_host: bool) -> None:
        if not self.state.status.is_open:
            return
        # Wherever the host runs (in a cluster, perhaps on another node).
        host = await self.context.host_to_release(self.state.host_id) if release_host else None
        self.state = close(self.state, status, now=clock.now())
        self._arm()
        self.room, deliveries = close_room(self.room, status)
        session_id = self.key

        def announce() -> None:
            self._deliver(deliveries)
            self.peers.close_all(CloseReason.NORMAL_CLOSURE, "session ended")
            if host is not None:
                tell(host, Detach(session_id))

        self.after_commit(announce)

    def _arm(self) -> None:
        settings = self.context.settings
        closed_at = self.state.closed_at
        if closed_at is not None:
            self.cancel_timer(_ABANDON)
            expiry = closed_at + settings.closed_session_retention - clock.now()
            self.start_timer(_EXPIRE, max(0.0, expiry), FinishParty())
            return
        deadline = abandon_deadline(self.state, settings.empty_session_timeout)
        if deadline is None:
            self.cancel_timer(_ABANDON)
        else:
            self.start_timer(_ABANDON, max(0.0, deadline - clock.now()), Abandon())
