"""A session's state as one frozen value, and its rules as pure functions over it.

Nothing here reads a clock, draws a random number or does I/O: ``now`` (wall-clock epoch
seconds), new ids and the random generator are arguments. A transition returns a new
``SessionState`` (the very same object when nothing changes, so the actor saves nothing) or
raises one of ``errors`` and changes nothing.

Seats. A session has ``max_participants`` seats. A participant holds one while connected, and
otherwise for ``seat_hold`` seconds after joining (the lifetime of the token the join gave, so
anyone who can still come back has a seat to come back to). When a newcomer asks for a seat,
participants who hold none any more are dropped first.

Times are epoch seconds (floats) in the state, so they keep their meaning across a restart of
the process; the wire's milliseconds come from ``millis``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Collection

import attrs

from .errors import NotAParticipant, NotHost, SessionFull

__all__ = [
    "CHAT_HISTORY",
    "ChatEntry",
    "Participant",
    "PlaybackSnapshot",
    "SessionSettings",
    "SessionState",
    "add_participant",
    "admit_host",
    "is_expired",
    "mark_connected",
    "mark_disconnected",
    "millis",
    "new_session",
    "participant",
    "playback_at",
    "post_chat",
    "random_username",
    "reconcile_connections",
    "seat_holders",
    "set_playback",
]

#: How many chat messages a session keeps, and replays to everyone who connects.
CHAT_HISTORY = 50


@attrs.frozen
class SessionSettings:
    """Limits for new sessions. ``ttl`` and ``seat_hold`` are seconds; ``seat_hold`` should be
    the token lifetime (1 hour by the spec)."""

    max_participants: int = attrs.field(default=10, validator=attrs.validators.ge(1))
    ttl: float = attrs.field(default=24 * 3600.0, converter=float, validator=attrs.validators.gt(0))
    seat_hold: float = attrs.field(
        default=3600.0, converter=float, validator=attrs.validators.gt(0)
    )


@attrs.frozen
class Participant:
    """Someone who joined. ``connected`` is true while they have at least one open WebSocket."""

    user_id: str
    username: str
    is_host: bool
    joined_at: float
    connected: bool = False

    def holds_seat(self, now: float, seat_hold: float) -> bool:
        return self.connected or now < self.joined_at + seat_hold


@attrs.frozen
class ChatEntry:
    """One chat message as kept in the history; ``timestamp`` in epoch milliseconds."""

    id: str
    user_id: str
    username: str
    message: str
    timestamp: int


@attrs.frozen
class PlaybackSnapshot:
    """What the host last said about playback: at ``updated_at``, ``position`` seconds into the
    media, playing or paused."""

    playing: bool
    position: float
    volume: float | None
    updated_at: float


@attrs.frozen
class SessionState:
    id: str
    name: str
    password_hash: str = attrs.field(repr=False)
    host_id: str
    created_at: float
    expires_at: float
    max_participants: int
    participants: tuple[Participant, ...] = ()
    chat: tuple[ChatEntry, ...] = ()
    playback: PlaybackSnapshot | None = None


def millis(seconds: float) -> int:
    """Epoch seconds as the wire's epoch milliseconds."""
    return int(seconds * 1000)


def new_session(
    session_id: str,
    name: str,
    password_hash: str,
    host_id: str,
    now: float,
    settings: SessionSettings,
) -> SessionState:
    """A session with no participants yet; ``admit_host`` seats its host."""
    return SessionState(
        id=session_id,
        name=name,
        password_hash=password_hash,
        host_id=host_id,
        created_at=now,
        expires_at=now + settings.ttl,
        max_participants=settings.max_participants,
    )


def is_expired(state: SessionState, now: float) -> bool:
    return now >= state.expires_at


def participant(state: SessionState, user_id: str) -> Participant:
    """The participant ``user_id``; raises ``NotAParticipant``."""
    for found in state.participants:
        if found.user_id == user_id:
            return found
    raise NotAParticipant()


def seat_holders(state: SessionState, now: float, seat_hold: float) -> tuple[Participant, ...]:
    """The participants who hold a seat at ``now``, in joining order."""
    return tuple(p for p in state.participants if p.holds_seat(now, seat_hold))


def add_participant(
    state: SessionState, user_id: str, username: str, now: float, seat_hold: float
) -> SessionState:
    """Seat a new participant (the host if ``user_id`` is the session's ``host_id``).

    Participants who no longer hold a seat are dropped first. Raises ``SessionFull`` if every
    seat is taken, and ``ValueError`` if ``user_id`` is already a participant (ids are fresh).
    """
    holders = seat_holders(state, now, seat_hold)
    if any(p.user_id == user_id for p in state.participants):
        raise ValueError(f"{user_id!r} is already a participant")
    if len(holders) >= state.max_participants:
        raise SessionFull()
    newcomer = Participant(user_id, username, user_id == state.host_id, joined_at=now)
    return attrs.evolve(state, participants=(*holders, newcomer))


def admit_host(state: SessionState, username: str, now: float, seat_hold: float) -> SessionState:
    """Seat the host; ``state`` itself if the host was ever seated (asking twice is harmless)."""
    if any(p.user_id == state.host_id for p in state.participants):
        return state
    return add_participant(state, state.host_id, username, now, seat_hold)


def _replace(state: SessionState, updated: Participant) -> SessionState:
    participants = tuple(updated if p.user_id == updated.user_id else p for p in state.participants)
    return attrs.evolve(state, participants=participants)


def mark_connected(state: SessionState, user_id: str) -> SessionState:
    """``user_id`` has a connection; raises ``NotAParticipant``."""
    found = participant(state, user_id)
    if found.connected:
        return state
    return _replace(state, attrs.evolve(found, connected=True))


def mark_disconnected(state: SessionState, user_id: str) -> SessionState:
    """``user_id`` has no connection left (nothing changes for someone unknown)."""
    for found in state.participants:
        if found.user_id == user_id and found.connected:
            return _replace(state, attrs.evolve(found, connected=False))
    return state


def reconcile_connections(state: SessionState, connected: Collection[str]) -> SessionState:
    """Set every participant's ``connected`` flag from the users who actually have a
    connection (after a restart, the saved flags describe connections that may be gone)."""
    if all(p.connected == (p.user_id in connected) for p in state.participants):
        return state
    participants = tuple(
        attrs.evolve(p, connected=p.user_id in connected) for p in state.participants
    )
    return attrs.evolve(state, participants=participants)


def post_chat(
    state: SessionState, user_id: str, message: str, message_id: str, now: float
) -> tuple[SessionState, ChatEntry]:
    """Append a chat message, keeping the last ``CHAT_HISTORY``; return it as kept.

    ``message`` should already be normalised (``validation.normalise_chat``). Raises
    ``NotAParticipant``.
    """
    author = participant(state, user_id)
    entry = ChatEntry(message_id, user_id, author.username, message, millis(now))
    chat = (*state.chat, entry)[-CHAT_HISTORY:]
    return attrs.evolve(state, chat=chat), entry


def set_playback(
    state: SessionState,
    user_id: str,
    *,
    playing: bool,
    position: float,
    volume: float | None,
    now: float,
) -> SessionState:
    """Record the host's playback state at ``now``. Raises ``NotHost`` for anyone else."""
    if user_id != state.host_id:
        raise NotHost()
    snapshot = PlaybackSnapshot(playing, position, volume, updated_at=now)
    return attrs.evolve(state, playback=snapshot)


def playback_at(state: SessionState, now: float) -> PlaybackSnapshot | None:
    """The playback state at ``now``, for someone joining mid-film: while playing, the
    position has moved on by the time since the host's last update. None before any update."""
    last = state.playback
    if last is None or not last.playing:
        return last
    # A wall clock set back across a restart must not rewind the film.
    elapsed = max(0.0, now - last.updated_at)
    return attrs.evolve(last, position=last.position + elapsed, updated_at=now)


_ADJECTIVES = (
    "Amber", "Brave", "Bright", "Calm", "Clever", "Cosy", "Daring", "Gentle", "Golden", "Happy",
    "Jolly", "Lucky", "Merry", "Nimble", "Quiet", "Rapid", "Sunny", "Swift", "Witty", "Zesty",
)  # fmt: skip
_ANIMALS = (
    "Badger", "Beaver", "Bison", "Crane", "Dolphin", "Falcon", "Ferret", "Gecko", "Heron", "Koala",
    "Lemur", "Lynx", "Marten", "Otter", "Panda", "Puffin", "Raven", "Robin", "Walrus", "Wombat",
)  # fmt: skip
_USERNAMES = tuple(a + b for a, b in itertools.product(_ADJECTIVES, _ANIMALS))


def random_username(taken: Collection[str], rng: random.Random) -> str:
    """A random "AdjectiveAnimal" name (as the original gave hosts and joiners), never one in
    ``taken``: a number is appended once all 400 are taken."""
    free = [name for name in _USERNAMES if name not in taken]
    if free:
        return rng.choice(free)
    base = rng.choice(_USERNAMES)
    return next(f"{base}{n}" for n in itertools.count(2) if f"{base}{n}" not in taken)
