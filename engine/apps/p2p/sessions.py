"""A P2P session's state as one frozen value, and its rules as pure functions.

A session is one host serving one zone to at most ``max_players`` players. It is created
PENDING (only on an ONLINE host, in a zone that takes P2P sessions), becomes ACTIVE when
activated (from PENDING only), and closes as ENDED (empty for ``empty_timeout`` seconds, or its
host unregistered) or FAILED (its host went OFFLINE). A closed session refuses every change.

The REST signaling mailbox of the session (the latest offer and answer, recent ICE candidates)
is part of its state, so it survives a restart like the rest.

``now`` is wall-clock epoch seconds and ids come in as arguments: nothing here reads a clock or
draws randomness except ``new_session_id`` from the generator it is given.
"""

from __future__ import annotations

import random
import re

import attrs

from .errors import (
    HostUnavailable,
    NoSignal,
    PlayerNotInSession,
    SessionClosed,
    SessionFull,
    SessionNotPending,
)
from .hosts import Host
from .requests import CreateSessionRequest, UpdateSessionMetricsRequest
from .responses import IceCandidateView, SignalView
from .statuses import HostStatus, SessionStatus
from .zones import Zone, require_accepting

__all__ = [
    "MAX_ICE_CANDIDATES",
    "Session",
    "SessionIds",
    "SessionMetrics",
    "SignalBoard",
    "abandon_deadline",
    "activate",
    "add_ice_candidate",
    "add_player",
    "close",
    "get_answer",
    "get_offer",
    "is_abandoned",
    "new_session_id",
    "open_session",
    "post_answer",
    "post_offer",
    "remove_player",
    "update_metrics",
]

#: ICE candidates a session keeps for REST clients: the latest ones, enough for several peers
#: with a few network interfaces each.
MAX_ICE_CANDIDATES = 100


@attrs.frozen
class SessionMetrics:
    """What ``PATCH .../metrics`` last reported (0 before anything was; ``quality_score`` None
    until reported)."""

    average_latency_ms: float = 0.0
    average_packet_loss_percent: float = 0.0
    bandwidth_usage_mbps: float = 0.0
    quality_score: float | None = None


@attrs.frozen
class SignalBoard:
    """The REST signaling of a session: the latest offer and answer, the latest
    ``MAX_ICE_CANDIDATES`` candidates in the order they were posted."""

    offer: SignalView | None = None
    answer: SignalView | None = None
    candidates: tuple[IceCandidateView, ...] = ()


@attrs.frozen
class Session:
    """One session. ``id`` is its number; ``host_id``/``zone_id`` are the string ids and
    ``host_number``/``zone_number`` the numbers the wire shows. ``empty_since`` is when the
    session last had no player (None while it has some)."""

    id: int
    session_id: str
    host_id: str
    host_number: int
    zone_id: str
    zone_number: int
    max_players: int
    created_at: float
    empty_since: float | None
    status: SessionStatus = SessionStatus.PENDING
    players: tuple[str, ...] = ()
    metrics: SessionMetrics = SessionMetrics()
    signals: SignalBoard = SignalBoard()
    closed_at: float | None = None

    @property
    def current_players(self) -> int:
        return len(self.players)


def new_session_id(rng: random.Random) -> str:
    """``session-`` and 16 hex digits."""
    return f"session-{rng.getrandbits(64):016x}"


_SESSION_ID = re.compile(r"session-[0-9a-f]{16}")


@attrs.frozen
class SessionIds:
    """Session ids as the party layer's id scheme (``engine.parties.IdScheme``): new ones from
    ``rng`` (the operating system's by default; a seeded ``random.Random`` in tests), and
    ``parse`` to tell text that cannot be a session id (answered 404 without asking anyone)."""

    rng: random.Random = attrs.field(factory=random.SystemRandom, eq=False, repr=False)
    #: 64 random bits: a repeat among a million sessions has odds of about 3 in 100 million,
    #: and the directory then draws again.
    may_collide: bool = attrs.field(default=True, init=False)

    def new(self) -> str:
        return new_session_id(self.rng)

    def parse(self, text: str) -> str | None:
        canonical = text.lower()
        return canonical if _SESSION_ID.fullmatch(canonical) else None


def open_session(
    request: CreateSessionRequest,
    host: Host,
    zone: Zone,
    *,
    number: int,
    session_id: str,
    now: float,
) -> Session:
    """A PENDING session of ``host`` in ``zone``, with ``max_players`` the request's capped at
    the zone's (the zone's when the request gives none).

    Raises ``HostUnavailable`` unless the host is ONLINE, ``ZoneNotAccepting`` unless the zone
    takes P2P sessions.
    """
    if host.status is not HostStatus.ONLINE:
        raise HostUnavailable(host.host_id, host.status)
    require_accepting(zone)
    requested = request.max_players if request.max_players is not None else zone.max_players
    return Session(
        id=number,
        session_id=session_id,
        host_id=host.host_id,
        host_number=host.id,
        zone_id=zone.zone_id,
        zone_number=zone.id,
        max_players=min(requested, zone.max_players),
        created_at=now,
        empty_since=now,
    )


def _require_open(session: Session) -> None:
    if not session.status.is_open:
        raise SessionClosed(session.session_id, session.status)


def activate(session: Session) -> Session:
    """``session`` ACTIVE. Raises ``SessionNotPending`` unless it is PENDING."""
    if session.status is not SessionStatus.PENDING:
        raise SessionNotPending(session.session_id, session.status)
    return attrs.evolve(session, status=SessionStatus.ACTIVE)


def add_player(session: Session, player_id: str) -> Session:
    """``session`` with ``player_id`` in it (itself if the player is in it already).

    Raises ``SessionClosed`` for a closed session and ``SessionFull`` (the spec's "Failed to
    add player ... to session ...", 400) when ``max_players`` are in it.
    """
    _require_open(session)
    if player_id in session.players:
        return session
    if session.current_players >= session.max_players:
        raise SessionFull(player_id, session.id)
    return attrs.evolve(session, players=(*session.players, player_id), empty_since=None)


def remove_player(session: Session, player_id: str, *, now: float) -> Session:
    """``session`` without ``player_id``; when it was the last one, the session is empty
    since ``now``. Raises ``SessionClosed``, or ``PlayerNotInSession`` (404)."""
    _require_open(session)
    if player_id not in session.players:
        raise PlayerNotInSession(player_id, session.id)
    players = tuple(player for player in session.players if player != player_id)
    return attrs.evolve(session, players=players, empty_since=None if players else now)


def update_metrics(session: Session, request: UpdateSessionMetricsRequest) -> Session:
    """``session`` with the metrics ``request`` gives replacing the last ones. Raises
    ``SessionClosed``."""
    _require_open(session)
    reported = {
        name: value
        for name, value in attrs.asdict(request, recurse=False).items()
        if value is not None
    }
    return attrs.evolve(session, metrics=attrs.evolve(session.metrics, **reported))


def abandon_deadline(session: Session, empty_timeout: float) -> float | None:
    """When ``session`` ends by itself if no player joins: ``empty_timeout`` after it became
    empty. None while it has players or once it is closed."""
    if not session.status.is_open or session.empty_since is None:
        return None
    return session.empty_since + empty_timeout


def is_abandoned(session: Session, now: float, empty_timeout: float) -> bool:
    """Whether ``session`` is open and has had no player for ``empty_timeout`` seconds."""
    deadline = abandon_deadline(session, empty_timeout)
    return deadline is not None and now >= deadline


def close(session: Session, status: SessionStatus, *, now: float) -> Session:
    """``session`` ENDED or FAILED at ``now`` (``status`` says which); a closed session stays
    as it is. Its players are kept, as the record of who was in it."""
    if status.is_open:
        raise ValueError(f"{status} is not a closing status")
    if not session.status.is_open:
        return session
    return attrs.evolve(session, status=status, closed_at=now)


# -- REST signaling --------------------------------------------------------------------------


def post_offer(session: Session, peer_id: str, sdp: str) -> Session:
    """The session with ``peer_id``'s offer as its latest. Raises ``SessionClosed``."""
    _require_open(session)
    signals = attrs.evolve(session.signals, offer=SignalView(peer_id, sdp))
    return attrs.evolve(session, signals=signals)


def post_answer(session: Session, peer_id: str, sdp: str) -> Session:
    """The session with ``peer_id``'s answer as its latest. Raises ``SessionClosed``."""
    _require_open(session)
    signals = attrs.evolve(session.signals, answer=SignalView(peer_id, sdp))
    return attrs.evolve(session, signals=signals)


def add_ice_candidate(session: Session, peer_id: str, candidate: str) -> Session:
    """The session with one more ICE candidate (the oldest dropped beyond
    ``MAX_ICE_CANDIDATES``). Raises ``SessionClosed``."""
    _require_open(session)
    candidates = (*session.signals.candidates, IceCandidateView(peer_id, candidate))
    signals = attrs.evolve(session.signals, candidates=candidates[-MAX_ICE_CANDIDATES:])
    return attrs.evolve(session, signals=signals)


def get_offer(session: Session) -> SignalView:
    """The latest offer; raises ``NoSignal`` if none was posted."""
    if session.signals.offer is None:
        raise NoSignal("offer", session.session_id)
    return session.signals.offer


def get_answer(session: Session) -> SignalView:
    """The latest answer; raises ``NoSignal`` if none was posted."""
    if session.signals.answer is None:
        raise NoSignal("answer", session.session_id)
    return session.signals.answer
