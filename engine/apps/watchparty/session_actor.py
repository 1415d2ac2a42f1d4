"""One watch party session as a persistent actor: its seats, chat, playback and connections.

The session's ``SessionState`` is saved after every message that changes it, before anyone hears
of the change (a chat message is durable before it is broadcast). Its connections are not state:
they live in a ``PeerSet`` of the running incarnation. After a crash the actor finds each
connection again with its next message (the peer layer's convention), and after a restart of the
process every participant starts disconnected.

Connecting: the newcomer gets the last 50 chat messages, then the playback state (if the host
has sent one: the position moved on by the time since), and everyone else gets ``user_joined``.
A connection whose user holds no seat is closed with 4403, one to an expired session with 4404.
The last connection of a user to close sends ``user_left`` to the others.

Passwords: bcrypt takes a quarter of a second, which must not stall a session's other
participants, so the actor never hashes or verifies. The HTTP handler asks ``PasswordHash``,
verifies in a worker thread, and asks ``Join(verified_hash)``; the actor checks the hash is its
own, so the only trust it places in the handler is that "verified" means verified.

Expiry: a timer fires at ``expires_at`` (re-armed whenever the actor loads); the actor then
closes every connection, deletes the session from the store and stops. Until the timer has run,
every request finds the session expired and is refused with ``SessionNotFound``. A session that
expired while the process was down is deleted when it is next loaded, and never starts.
"""

from __future__ import annotations

import functools
import logging
import random
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from engine.actors import on
from engine.net import CloseReason, Peer, PeerConnected, PeerDisconnected
from engine.store import NotSaved, PersistentActor, Record, Store

from .clock import TrioWallClock
from .errors import (
    NotAParticipant,
    SessionNotFound,
    TargetNotConnected,
    WatchPartyError,
    WrongPassword,
)
from .messages import (
    ChatMessage,
    Details,
    Expire,
    Join,
    Open,
    PasswordHash,
    Playback,
    Relay,
    Signal,
    Ticket,
)
from .models import MessageType, SessionDetails
from .peers import PeerSet
from .session import (
    Participant,
    SessionSettings,
    SessionState,
    add_participant,
    admit_host,
    is_expired,
    mark_connected,
    mark_disconnected,
    participant,
    playback_at,
    post_chat,
    random_username,
    reconcile_connections,
    seat_holders,
    set_playback,
)
from .wire import (
    chat_envelope,
    details_view,
    encode,
    envelope,
    error_envelope,
    playback_envelope,
    to_json,
    user_event_envelope,
    user_of,
)

__all__ = ["CLOSE_EXPIRED", "CLOSE_NOT_A_PARTICIPANT", "SESSION_KIND", "SessionActor"]

log = logging.getLogger("engine.apps.watchparty")

#: The store kind (and registry name prefix) of sessions.
SESSION_KIND = "watchparty.session"

_EXPIRE = "expire"
# Close codes 4000-4999 are the application's: a client can tell these endings from failures
# (and not retry them), and the last three digits read like the HTTP statuses they mirror.
#: The session expired (or expired before this connection could join it).
CLOSE_EXPIRED = 4404
#: The connection's user holds no seat in the session any more.
CLOSE_NOT_A_PARTICIPANT = 4403

C = TypeVar("C", ChatMessage, Signal, Playback, Relay)


def _command(
    handler: Callable[[SessionActor, C, str, float], None],
) -> Callable[[SessionActor, C], None]:
    """A client command's handler: run it for a live session and a known sender, and answer
    a refusal to the sender alone.

    Command handlers raise before they change the state or register an effect (the session's
    transitions are pure), so a refused command has no effect but the answer.
    """

    @functools.wraps(handler)
    def handle(self: SessionActor, command: C) -> None:
        user_id = self._sender(command.peer)
        if user_id is None:
            return
        now = self.clock.now()
        try:
            self._live()
            handler(self, command, user_id, now)
        except WatchPartyError as error:
            command.peer.send_json(to_json(error_envelope(self.key, user_id, error, now)))

    return handle


class SessionActor(PersistentActor[SessionState]):
    """A session, keyed by its id. See the module docstring and ``messages``.

    ``seed`` is the state of a session being created (``initial_state``); without it a key with
    nothing saved does not start (``NotSaved``), so ``get_or_restore`` answers None.
    """

    kind = SESSION_KIND
    state_type = SessionState

    def __init__(
        self,
        store: Store,
        key: str,
        *,
        settings: SessionSettings,
        clock: TrioWallClock,
        seed: SessionState | None = None,
        preloaded: Record | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(store, key, preloaded=preloaded)
        self.settings = settings
        self.clock = clock
        self.peers = PeerSet()
        self._seed = seed
        self._rng = rng or random.Random()

    # -- lifecycle ------------------------------------------------------------------------

    def initial_state(self) -> SessionState | None:
        return self._seed

    async def on_loaded(self, restored: bool) -> None:
        now = self.clock.now()
        if is_expired(self.state, now):
            await self.store.delete(self.kind, self.key)
            raise NotSaved(f"session {self.key} has expired")
        # Saved connection flags describe connections that died with the last incarnation.
        self.state = reconcile_connections(self.state, self.peers.users())
        self.start_timer(_EXPIRE, self.state.expires_at - now, Expire())

    async def on_stop(self, reason: Any) -> None:
        self.peers.close_all(CloseReason.GOING_AWAY, "session closed")

    # -- HTTP requests ------------------------------------------------------------------------

    @on(Open)
    def open(self, _: Open) -> Ticket:
        now = self._live()
        username = random_username(self._usernames(now), self._rng)
        self.state = admit_host(self.state, username, now, self.settings.seat_hold)
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
        username = random_username(self._usernames(now), self._rng)
        self.state = add_participant(self.state, user_id, username, now, self.settings.seat_hold)
        return self._ticket(user_id)

    @on(Details)
    def details(self, _: Details) -> SessionDetails:
        return details_view(self.state, self._live(), self.settings.seat_hold)

    @on(Expire)
    def expire(self, _: Expire) -> None:
        self.finish()
        # After the delete is durable: a client that reconnects finds nothing.
        self.after_commit(lambda: self.peers.close_all(CLOSE_EXPIRED, "session expired"))

    # -- connections ------------------------------------------------------------------------

    @on(PeerConnected)
    def connected(self, message: PeerConnected) -> None:
        peer = message.peer
        user_id = self._admit(peer)
        if user_id is None:
            return
        now = self.clock.now()
        history = self.state.chat
        playback = playback_at(self.state, now)
        joined = encode(
            user_event_envelope(MessageType.USER_JOINED, self.key, self._who(user_id), now)
        )

        def welcome() -> None:
            for entry in history:
                peer.send_json(to_json(chat_envelope(self.key, entry)))
            if playback is not None:
                peer.send_json(
                    to_json(playback_envelope(self.key, self.state.host_id, playback, now))
                )
            # Also on a second connection of someone already here: a reconnecting viewer
            # needs the host to offer its stream again.
            self.peers.broadcast(joined, exclude=user_id)

        self.after_commit(welcome)

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        removed = self.peers.remove(message.peer)
        if removed is None:
            return  # refused at connect, or connected to an incarnation before a crash
        user_id, last = removed
        if not last:
            return
        self.state = mark_disconnected(self.state, user_id)
        left = user_event_envelope(
            MessageType.USER_LEFT, self.key, self._who(user_id), self.clock.now()
        )
        self.after_commit(lambda: self.peers.broadcast(encode(left)))

    # -- client commands ------------------------------------------------------------------------

    @on(ChatMessage)
    @_command
    def chat(self, message: ChatMessage, user_id: str, now: float) -> None:
        message_id = f"msg_{uuid.uuid4().hex[:12]}"
        self.state, entry = post_chat(self.state, user_id, message.text, message_id, now)
        frame = encode(chat_envelope(self.key, entry))
        self.after_commit(lambda: self.peers.broadcast(frame))

    @on(Signal)
    @_command
    def signal(self, message: Signal, user_id: str, now: float) -> None:
        target = message.target_id
        if target is not None and not self.peers.is_connected(target):
            raise TargetNotConnected()
        frame = encode(
            envelope(
                message.kind,
                message.payload,
                session_id=self.key,
                user_id=user_id,
                now=now,
                target_id=target,
            )
        )
        if target is None:
            self.after_commit(lambda: self.peers.broadcast(frame, exclude=user_id))
        else:
            self.after_commit(lambda: self.peers.send_to(target, frame))

    @on(Playback)
    @_command
    def playback(self, message: Playback, user_id: str, now: float) -> None:
        payload = message.payload
        self.state = set_playback(
            self.state,
            user_id,
            playing=payload.playing,
            position=payload.current_time,
            volume=payload.volume,
            now=now,
        )
        frame = encode(
            envelope(
                MessageType.PLAYBACK_STATE, payload, session_id=self.key, user_id=user_id, now=now
            )
        )
        self.after_commit(lambda: self.peers.broadcast(frame, exclude=user_id))

    @on(Relay)
    @_command
    def relay(self, message: Relay, user_id: str, now: float) -> None:
        frame = encode(
            envelope(message.type, message.payload, session_id=self.key, user_id=user_id, now=now)
        )
        self.after_commit(lambda: self.peers.broadcast(frame, exclude=user_id))

    # -- helpers ------------------------------------------------------------------------------

    def _live(self) -> float:
        """Now, if the session has not expired; ``SessionNotFound`` otherwise."""
        now = self.clock.now()
        if is_expired(self.state, now):
            raise SessionNotFound()
        return now

    def _admit(self, peer: Peer) -> str | None:
        """Add ``peer`` to the connections and mark its user connected; its user id.

        A connection the session cannot take (expired, or not a participant any more) is
        closed, and None returned.
        """
        user_id = user_of(peer)
        try:
            self._live()
            self.state = mark_connected(self.state, user_id)
        except SessionNotFound:
            peer.close(CLOSE_EXPIRED, "session expired")
            return None
        except NotAParticipant:
            peer.close(CLOSE_NOT_A_PARTICIPANT, "not a participant")
            return None
        self.peers.add(user_id, peer)
        return user_id

    def _sender(self, peer: Peer) -> str | None:
        """The user id of a command's connection, taking the connection back if this
        incarnation has not seen it (it connected before a crash); None if it was refused."""
        if peer in self.peers:
            return user_of(peer)
        if peer.closed:
            return None  # a command that was queued behind its connection's end
        log.info("session %s takes back a connection of %s", self.key, user_of(peer))
        return self._admit(peer)

    def _who(self, user_id: str) -> Participant:
        return participant(self.state, user_id)

    def _usernames(self, now: float) -> set[str]:
        return {p.username for p in seat_holders(self.state, now, self.settings.seat_hold)}

    def _ticket(self, user_id: str) -> Ticket:
        who = participant(self.state, user_id)
        return Ticket(self.state.id, who.user_id, who.username, who.is_host, self.state.name)
