"""The lobby: creating a session, joining, leaving, getting ready, adding AI players, pinging
and starting.

Each function takes the session and returns a new one (and what happened), or raises one of
``errors`` and changes nothing. The caller supplies ids (``participant_id``) and the time.

- The host is a human. When the host leaves, the earliest-joined human left becomes host; when
  the last human leaves, the session is deleted (AI players do not keep a session alive).
- AI players are READY from the moment they join.
- Starting needs at least ``min_players`` READY participants (AI players count). Every
  participant, ready or not, becomes ACTIVE and plays; the session is locked against joins.
"""

from __future__ import annotations

import attrs

from engine.errors import AppError

from . import errors
from .party import (
    Participant,
    ParticipantStatus,
    PartyConfig,
    PartyState,
    Phase,
    PhaseTimers,
    SessionStatus,
)

__all__ = [
    "Departure",
    "Newcomer",
    "Ping",
    "add_ai",
    "check_host",
    "create",
    "join",
    "join_url",
    "leave",
    "mark_ready",
    "ping",
    "start",
]


@attrs.frozen
class Newcomer:
    """A player about to join: who they are and their wallet now."""

    participant_id: str
    player_id: str
    username: str
    wallet: int


@attrs.frozen
class Departure:
    """What a leave did: ``state`` is None when the session was deleted. ``new_host_id`` is set
    when the host left and someone else took over."""

    state: PartyState | None
    leaver: Participant
    new_host_id: str | None = None

    @property
    def session_deleted(self) -> bool:
        return self.state is None


@attrs.frozen
class Ping:
    """The host's call to the lobby: who sent it, when, where to go, and who gets it (every
    human participant but the host)."""

    from_username: str
    timestamp: float
    join_url: str
    recipients: tuple[str, ...]


def create(
    *,
    session_id: str,
    party_code: str,
    host: Newcomer,
    config: PartyConfig,
    now: float,
) -> PartyState:
    """A new session in the lobby with ``host`` as its only participant (not yet ready)."""
    participant = _participant(host, now)
    return PartyState(
        session_id=session_id,
        party_code=party_code,
        host_player_id=host.player_id,
        config=config,
        created_at=now,
        participants=(participant,),
    )


def join(state: PartyState, newcomer: Newcomer, now: float) -> PartyState:
    """``newcomer`` added. Raises ``AlreadyInSession``, ``SessionStarted`` or ``SessionFull``,
    checked in that order (so a member retrying a join hears that they are in)."""
    if state.find(newcomer.player_id) is not None:
        raise errors.AlreadyInSession()
    _check_lobby(state, errors.SessionStarted)
    if state.is_full:
        raise errors.SessionFull()
    participants = (*state.participants, _participant(newcomer, now))
    return attrs.evolve(state, participants=participants).bumped()


def add_ai(state: PartyState, caller_id: str, ai: Newcomer, now: float) -> PartyState:
    """An AI player added, READY. Raises ``NotHost``, ``AiAfterStart`` or ``SessionFull``."""
    check_host(state, caller_id, "add AI players")
    _check_lobby(state, errors.AiAfterStart)
    if state.is_full:
        raise errors.SessionFull()
    participant = attrs.evolve(
        _participant(ai, now), is_ai=True, status=ParticipantStatus.READY, ready_at=now
    )
    return attrs.evolve(state, participants=(*state.participants, participant)).bumped()


def leave(state: PartyState, player_id: str) -> Departure:
    """``player_id`` removed from the lobby. Raises ``NotInSession`` or ``CannotLeaveStarted``."""
    leaver = state.participant(player_id)
    _check_lobby(state, errors.CannotLeaveStarted)
    rest = tuple(p for p in state.participants if p.player_id != player_id)
    humans = [p for p in rest if not p.is_ai]
    if not humans:
        return Departure(None, leaver)
    new_host = None
    host_id = state.host_player_id
    if player_id == host_id:
        host_id = new_host = min(humans, key=lambda p: p.joined_at).player_id
    remaining = attrs.evolve(state, participants=rest, host_player_id=host_id).bumped()
    return Departure(remaining, leaver, new_host)


def mark_ready(state: PartyState, player_id: str, now: float) -> PartyState:
    """The caller READY (again: no change). Raises ``NotInSession`` or ``SessionStarted``."""
    participant = state.participant(player_id)
    _check_lobby(state, errors.SessionStarted)
    if participant.status is ParticipantStatus.READY:
        return state
    ready = attrs.evolve(participant, status=ParticipantStatus.READY, ready_at=now)
    return state.with_participant(ready).bumped()


def ping(state: PartyState, caller_id: str, now: float) -> Ping:
    """The host's ping. Raises ``NotHost``."""
    host = check_host(state, caller_id, "ping players")
    recipients = tuple(p.player_id for p in state.humans if p.player_id != caller_id)
    return Ping(host.username, now, join_url(state.session_id), recipients)


def join_url(session_id: str) -> str:
    """Where a client shows the session: ``/party/<session id>``."""
    return f"/party/{session_id}"


def start(state: PartyState, caller_id: str, now: float, timers: PhaseTimers) -> PartyState:
    """The session in PROMPT, every participant ACTIVE, locked; the phase ends when
    ``timers`` says at the latest. Raises ``NotHost``, ``SessionStarted`` or
    ``NotEnoughPlayers``."""
    check_host(state, caller_id, "start the session")
    _check_lobby(state, errors.SessionStarted)
    if state.ready_count < state.config.min_players:
        raise errors.NotEnoughPlayers(state.config.min_players, state.ready_count)
    active = tuple(attrs.evolve(p, status=ParticipantStatus.ACTIVE) for p in state.participants)
    return attrs.evolve(
        state,
        participants=active,
        status=SessionStatus.IN_PROGRESS,
        phase=Phase.PROMPT,
        started_at=now,
        locked_at=now,
        phase_started_at=now,
        phase_expires_at=now + timers.seconds(Phase.PROMPT),
    ).bumped()


def check_host(state: PartyState, caller_id: str, action: str) -> Participant:
    """The host's participant; raises ``NotHost`` ("Only the host can <action>") for anyone
    else, participant or not."""
    if caller_id != state.host_player_id:
        raise errors.NotHost(action)
    return state.host


def _check_lobby(state: PartyState, error: type[AppError]) -> None:
    if state.started:
        raise error()


def _participant(newcomer: Newcomer, now: float) -> Participant:
    return Participant(
        participant_id=newcomer.participant_id,
        player_id=newcomer.player_id,
        username=newcomer.username,
        wallet=newcomer.wallet,
        joined_at=now,
    )
