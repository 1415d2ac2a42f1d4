"""One watch party session as a party: its seats, chat, playback and connections.

The session's ``SessionState`` is saved after every message that changes it, before anyone hears of
the change (a chat message is durable before it is broadcast). Its connections are the party's peer
group (``self.peers``), one ``Member`` per connection, filed under the user id its token gave
(several per participant, no other per-connection state); the group outlives a crash, and after a
restart of the process every participant starts disconnected. The wire format has no sequence
numbers: events are broadcast unlogged, and nothing is resumed (a newcomer gets the chat history
instead).

Connecting: the newcomer gets the last 50 chat messages, then the playback state (if the host
has sent one: the position moved on by the time since), and everyone else gets ``user_joined``.
A connection whose user holds no seat is refused with 4403, one to an expired session with 4404
(``on_join``). The last connection of a user to close sends ``user_left`` to the others.

Passwords: bcrypt takes a quarter of a second, which must not stall a session's other
participants, so the actor never hashes or verifies. The HTTP handler asks ``PasswordHash``,
verifies in a worker thread, and asks ``Join(verified_hash)``; the actor checks the hash is its
own, so the only trust it places in the handler is that "verified" means verified.

Expiry: a timer fires ``FinishParty`` at ``expires_at`` (re-armed whenever the actor loads); the
session is then deleted from the store and, once that is durable, every connection is closed
with 4404. Until the timer has run, every request finds the session expired and is refused with
``SessionNotFound``. A session that expired while the process was down is deleted when it is
next loaded, and never starts.
"""

from __future__ import annotations

import random
import uuid
from typing import Any, cast

from engine import clock
from engine.actors import on
from engine.errors import AppError
from engine.net import PeerDisconnected
from engine.parties import FinishParty, Member, Party
from engine.store import NotSaved

from .errors import SessionNotFound, TargetNotConnected, WrongPassword
from .messages import (
    ChatMessage,
    Details,
    Join,
    NewSession,
    Open,
    PasswordHash,
    Playback,
    Relay,
    Signal,
    Ticket,
)
from .models import Envelope, MessageType, SessionDetails
from .session import (
    Participant,
    SessionState,
    add_participant,
    admit_host,
    is_expired,
    mark_connected,
    mark_disconnected,
    new_session,
    participant,
    playback_at,
    post_chat,
    random_username,
    reconcile_connections,
    seat_holders,
    set_playback,
)
from .settings import WatchPartySettings
from .wire import (
    SocketErrors,
    chat_envelope,
    details_view,
    envelope,
    parse_client_message,
    playback_envelope,
    to_json,
    user_event_envelope,
)

__all__ = ["CLOSE_EXPIRED", "SESSION_KIND", "SessionActor"]

#: The store kind (and registry name prefix) of sessions.
SESSION_KIND = "watchparty.session"

# Close codes 4000-4999 are the application's: a client can tell these endings from failures
# (and not retry them), and the last three digits read like the HTTP statuses they mirror.
#: The session expired.
CLOSE_EXPIRED = 4404

_EXPIRE = "expire"
# Usernames are not secrets: any generator will do.
_RNG = random.Random()


class SessionActor(Party[SessionState, None]):
    """A session, keyed by its id; its ``context`` is the app's ``WatchPartySettings``. See the
    module docstring and ``messages``."""

    kind = SESSION_KIND
    state_type = SessionState
    context: WatchPartySettings

    # -- lifecycle ------------------------------------------------------------------------

    def initial_state(self) -> SessionState | None:
        # The seed is made before the directory picks the id, which is the session's.
        seed = cast(NewSession | None, super().initial_state())
        if seed is None:
            return None
        limits = self.context.session
        state = new_session(
            self.key, seed.name, seed.password_hash, str(uuid.uuid4()), seed.created_at, limits
        )
        host = random_username((), _RNG)
        return admit_host(state, host, seed.created_at, limits.seat_hold)

    async def on_ready(self, restored: bool) -> None:
        now = clock.now()
        if is_expired(self.state, now):
            await self.store.delete(self.kind, self.key)
            raise NotSaved(f"session {self.key} has expired")
        # Saved connection flags describe connections that died with the last incarnation.
        self.state = reconcile_connections(self.state, self.peers.users())
        self.start_timer(_EXPIRE, self.state.expires_at - now, FinishParty())

    def on_dispose(self) -> None:
        # Before the layer's own close: the first close of a connection is the one it reports.
        self.after_commit(lambda: self.peers.close_all(CLOSE_EXPIRED, "session expired"))

    # -- HTTP requests ------------------------------------------------------------------------

    @on(Open)
    def open(self, _: Open) -> Ticket:
        self._live()
        return self._ticket(self.state.host_id)

    @on(PasswordHash)
    def password_hash(self, _: PasswordHash) -> str:
        self._live()
        return self.state.password_hash

    @on(Join)
    def join(self, message: Join) -> Ticket:
        now = self._live()
        if message.verified_hash != self.state.password_hash:
            raise WrongPassword()
        user_id = str(uuid.uuid4())
        username = random_username(self._usernames(now), _RNG)
        seat_hold = self.context.session.seat_hold
        self.state = add_participant(self.state, user_id, username, now, seat_hold)
        return self._ticket(user_id)

    @on(Details)
    def details(self, _: Details) -> SessionDetails:
        return details_view(self.state, self._live(), self.context.session.seat_hold)

    # -- connections ------------------------------------------------------------------------

    def on_join(self, member: Member[None]) -> None:
        now = self._live()
        user_id = member.user_id
        self.state = mark_connected(self.state, user_id)
        history = self.state.chat
        playback = playback_at(self.state, now)
        host_id = self.state.host_id
        joined = user_event_envelope(MessageType.USER_JOINED, self.key, self._who(user_id), now)

        def welcome() -> None:
            for entry in history:
                member.send_json(to_json(chat_envelope(self.key, entry)))
            if playback is not None:
                member.send_json(to_json(playback_envelope(self.key, host_id, playback, now)))

        self.after_commit(welcome)
        # Also on a second connection of someone already here: a reconnecting viewer needs the
        # host to offer its stream again.
        self._broadcast(joined, exclude=user_id)

    def on_leave(self, member: Member[None], gone: PeerDisconnected) -> None:
        user_id = member.user_id
        if self.peers.is_connected(user_id):
            return
        self.state = mark_disconnected(self.state, user_id)
        who = self._who(user_id)
        self._broadcast(user_event_envelope(MessageType.USER_LEFT, self.key, who, clock.now()))

    def error_event(self, member: Member[None], error: AppError) -> Any:
        return SocketErrors(self.errors, self.key, member.user_id).event(error)

    # -- client commands ------------------------------------------------------------------------

    def on_message(self, member: Member[None], message: Any) -> None:
        """Refusals raise before the state changes or anything is sent (the session's
        transitions are pure), so a refused command has no effect but its answer."""
        now = self._live()
        user_id = member.user_id
        match parse_client_message(message):
            case ChatMessage(text):
                message_id = f"msg_{uuid.uuid4().hex[:12]}"
                self.state, entry = post_chat(self.state, user_id, text, message_id, now)
                self._broadcast(chat_envelope(self.key, entry))
            case Signal(kind, payload, target):
                if target is not None and not self.peers.is_connected(target):
                    raise TargetNotConnected()
                signal = envelope(
                    kind, payload, session_id=self.key, user_id=user_id, now=now, target_id=target
                )
                if target is None:
                    self._broadcast(signal, exclude=user_id)
                else:
                    self.after_commit(lambda: self.peers.send_to(target, to_json(signal)))
            case Playback(payload):
                self.state = set_playback(
                    self.state,
                    user_id,
                    playing=payload.playing,
                    position=payload.current_time,
                    volume=payload.volume,
                    now=now,
                )
                update = envelope(
                    MessageType.PLAYBACK_STATE,
                    payload,
                    session_id=self.key,
                    user_id=user_id,
                    now=now,
                )
                self._broadcast(update, exclude=user_id)
            case Relay(kind, payload):
                relayed = envelope(kind, payload, session_id=self.key, user_id=user_id, now=now)
                self._broadcast(relayed, exclude=user_id)

    # -- helpers ------------------------------------------------------------------------------

    def _broadcast(self, message: Envelope, *, exclude: str | None = None) -> None:
        """To every connection (but ``exclude``'s) once this message's commit is durable."""
        self.peers.broadcast(to_json(message), exclude=exclude, logged=False)

    def _live(self) -> float:
        """Now, if the session has not expired; ``SessionNotFound`` otherwise."""
        now = clock.now()
        if is_expired(self.state, now):
            raise SessionNotFound()
        return now

    def _who(self, user_id: str) -> Participant:
        return participant(self.state, user_id)

    def _usernames(self, now: float) -> set[str]:
        seat_hold = self.context.session.seat_hold
        return {p.username for p in seat_holders(self.state, now, seat_hold)}

    def _ticket(self, user_id: str) -> Ticket:
        who = participant(self.state, user_id)
        return Ticket(self.state.id, who.user_id, who.username, who.is_host, self.state.name)
