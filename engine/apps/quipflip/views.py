"""A session as each response and notification shows it (``models``), built from the state.

Pure functions of the state (and, for notifications, the time): the HTTP layer and the
session's actor call them and hand the result to ``models.WIRE``. ``connected`` is the set of
player ids with an open party WebSocket, which only the caller knows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from . import models
from .index import Listing
from .lobby import Departure, Ping
from .party import Participant, PartyState, Phase, Round, RoundKind
from .progress import players_done, required
from .results import results
from .rounds import Submission

__all__ = [
    "context_progress",
    "create_view",
    "host_ping",
    "iso",
    "join_view",
    "list_view",
    "participant_view",
    "phase_transition",
    "ping_message",
    "player_joined",
    "player_left",
    "player_ready",
    "progress_update",
    "progress_view",
    "ready_view",
    "results_view",
    "round_view",
    "session_completed",
    "session_started",
    "start_view",
    "status_view",
    "submit_view",
    "your_progress",
]

_PLURAL = {RoundKind.PROMPT: "prompts", RoundKind.COPY: "copies", RoundKind.VOTE: "votes"}
_PHASE_MESSAGES = {
    Phase.COPY: "Time to copy! Write a phrase that could pass for someone else's original.",
    Phase.VOTE: "Time to vote! Spot the original among the copies.",
    Phase.RESULTS: "Voting is over: here are the results!",
}


def iso(epoch: float) -> str:
    """``2026-12-02T05:36:03.123456Z``: UTC, microseconds, as the original API wrote times."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else iso(epoch)


# -- responses -------------------------------------------------------------------------------


def participant_view(
    state: PartyState, participant: Participant, connected: Collection[str] = ()
) -> models.PartyParticipantResponse:
    pid = participant.player_id
    return models.PartyParticipantResponse(
        participant_id=participant.participant_id,
        player_id=pid,
        username=participant.username,
        is_ai=participant.is_ai,
        is_host=pid == state.host_player_id,
        status=participant.status,
        connection_status=None
        if participant.is_ai
        else ("connected" if pid in connected else "disconnected"),
        prompts_submitted=state.submitted(pid, RoundKind.PROMPT),
        copies_submitted=state.submitted(pid, RoundKind.COPY),
        votes_submitted=state.submitted(pid, RoundKind.VOTE),
        prompts_required=required(state, pid, RoundKind.PROMPT),
        copies_required=required(state, pid, RoundKind.COPY),
        votes_required=required(state, pid, RoundKind.VOTE),
        joined_at=iso(participant.joined_at),
        ready_at=_iso(participant.ready_at),
    )


def _participants(
    state: PartyState, connected: Collection[str]
) -> tuple[models.PartyParticipantResponse, ...]:
    return tuple(participant_view(state, p, connected) for p in state.participants)


def progress_view(state: PartyState) -> models.PartySessionProgressResponse:
    """Totals over the ACTIVE participants (all participants in the lobby)."""
    players = [p.player_id for p in state.active or state.participants]

    def submitted(kind: RoundKind) -> int:
        return sum(state.submitted(pid, kind) for pid in players)

    def owed(kind: RoundKind) -> int:
        return sum(required(state, pid, kind) for pid in players)

    return models.PartySessionProgressResponse(
        total_prompts=submitted(RoundKind.PROMPT),
        total_copies=submitted(RoundKind.COPY),
        total_votes=submitted(RoundKind.VOTE),
        required_prompts=owed(RoundKind.PROMPT),
        required_copies=owed(RoundKind.COPY),
        required_votes=owed(RoundKind.VOTE),
        players_ready_for_next_phase=players_done(state),
        total_players=len(players),
    )


def status_view(
    state: PartyState, connected: Collection[str] = ()
) -> models.PartySessionStatusResponse:
    return models.PartySessionStatusResponse(
        session_id=state.session_id,
        party_code=state.party_code,
        host_player_id=state.host_player_id,
        status=state.status,
        current_phase=state.phase,
        version=state.version,
        min_players=state.config.min_players,
        max_players=state.config.max_players,
        phase_started_at=_iso(state.phase_started_at),
        phase_expires_at=_iso(state.phase_expires_at),
        created_at=iso(state.created_at),
        started_at=_iso(state.started_at),
        completed_at=_iso(state.completed_at),
        participants=_participants(state, connected),
        progress=progress_view(state),
    )


def create_view(
    state: PartyState, connected: Collection[str] = ()
) -> models.CreatePartySessionResponse:
    return models.CreatePartySessionResponse(
        session_id=state.session_id,
        party_code=state.party_code,
        host_player_id=state.host_player_id,
        status=state.status,
        current_phase=state.phase,
        created_at=iso(state.created_at),
        participants=_participants(state, connected),
        min_players=state.config.min_players,
        max_players=state.config.max_players,
    )


def join_view(
    state: PartyState, connected: Collection[str] = ()
) -> models.JoinPartySessionResponse:
    return models.JoinPartySessionResponse(
        session_id=state.session_id,
        party_code=state.party_code,
        status=state.status,
        current_phase=state.phase,
        participants=_participants(state, connected),
        participant_count=len(state.participants),
        min_players=state.config.min_players,
        max_players=state.config.max_players,
    )


def list_view(listings: Iterable[Listing]) -> models.PartyListResponse:
    """The joinable sessions among ``listings`` (in the lobby, not full), oldest first."""
    joinable = sorted((s for s in listings if s.joinable), key=lambda s: s.created_at)
    items = tuple(
        models.PartyListItemResponse(
            session_id=s.session_id,
            party_code=s.party_code,
            host_username=s.host_username,
            participant_count=s.participant_count,
            min_players=s.min_players,
            max_players=s.max_players,
            created_at=iso(s.created_at),
            is_full=s.participant_count >= s.max_players,
        )
        for s in joinable
    )
    return models.PartyListResponse(items, len(items))


def ready_view(state: PartyState, player_id: str) -> models.MarkReadyResponse:
    participant = state.participant(player_id)
    summary = models.ReadySummary(
        ready_count=state.ready_count,
        total_count=len(state.participants),
        can_start=state.ready_count >= state.config.min_players,
    )
    return models.MarkReadyResponse(participant.participant_id, participant.status, summary)


def start_view(
    state: PartyState, connected: Collection[str] = ()
) -> models.StartPartySessionResponse:
    assert state.phase_started_at is not None and state.locked_at is not None
    return models.StartPartySessionResponse(
        session_id=state.session_id,
        status=state.status,
        current_phase=state.phase,
        phase_started_at=iso(state.phase_started_at),
        phase_expires_at=_iso(state.phase_expires_at),
        locked_at=iso(state.locked_at),
        version=state.version,
        participants=_participants(state, connected),
    )


def your_progress(state: PartyState, player_id: str) -> models.YourProgress:
    counts = {}
    for kind, plural in _PLURAL.items():
        counts[f"{plural}_submitted"] = state.submitted(player_id, kind)
        counts[f"{plural}_required"] = required(state, player_id, kind)
    return models.YourProgress(**counts)


def context_progress(state: PartyState) -> models.ContextProgress:
    return models.ContextProgress(players_done(state), len(state.active))


def _round_progress(state: PartyState, player_id: str, kind: RoundKind) -> dict[str, int]:
    plural = _PLURAL[kind]
    return {
        f"your_{plural}_submitted": state.submitted(player_id, kind),
        f"{plural}_required": required(state, player_id, kind),
        "players_done": players_done(state),
        "total_players": len(state.active),
    }


def round_view(state: PartyState, round_: Round) -> models.StartPartyRoundResponse:
    """A started round as ``POST /party/{id}/rounds/<kind>`` answers it."""
    pid = round_.player_id
    return models.StartPartyRoundResponse(
        round_id=round_.round_id,
        party_round_id=round_.party_round_id,
        round_type=round_.kind,
        expires_at=iso(round_.expires_at),
        cost=round_.cost,
        status=round_.status,
        session_progress=_round_progress(state, pid, round_.kind),
        party_context=models.PartyContext(
            session_id=state.session_id,
            current_phase=state.phase,
            your_progress=your_progress(state, pid),
            session_progress=context_progress(state),
        ),
        prompt_text=round_.prompt_text or None,
        original_phrase=round_.original_phrase or None,
        phraseset_id=round_.phraseset_id or None,
        phrases=round_.phrases or None,
    )


def submit_view(
    state: PartyState, submission: Submission, before: Phase
) -> models.SubmitPartyRoundResponse:
    """The answer to a submission; ``state`` is the session after it (and after any phase
    change it caused), ``before`` the phase the round was in."""
    round_ = submission.round
    moved = state.phase is not before
    return models.SubmitPartyRoundResponse(
        phrase=round_.phrase,
        round_type=round_.kind,
        session_progress=_round_progress(state, round_.player_id, round_.kind),
        phase_transition=models.PhaseTransitionInfo(before, state.phase) if moved else None,
        correct=submission.correct,
        payout=submission.payout,
    )


def results_view(state: PartyState) -> models.PartyResultsResponse:
    """``GET /party/{id}/results``; raises ``ResultsNotReady`` before RESULTS."""
    outcome = results(state)
    return models.PartyResultsResponse(
        session_id=outcome.session_id,
        party_code=outcome.party_code,
        completed_at=_iso(outcome.completed_at),
        rankings=outcome.rankings,
        awards=outcome.awards,
        phrasesets_summary=outcome.phrasesets_summary,
    )


# -- notifications ---------------------------------------------------------------------------


def player_joined(state: PartyState, player_id: str, now: float) -> models.PlayerJoined:
    who = state.participant(player_id)
    return models.PlayerJoined(
        state.session_id, player_id, who.username, who.is_ai, len(state.participants), iso(now)
    )


def player_left(departure: Departure, now: float) -> models.PlayerLeft:
    """Only for a session that survived the leave."""
    state = departure.state
    assert state is not None
    who = departure.leaver
    return models.PlayerLeft(
        state.session_id,
        who.player_id,
        who.username,
        len(state.participants),
        state.host_player_id,
        iso(now),
    )


def player_ready(state: PartyState, player_id: str, now: float) -> models.PlayerReady:
    who = state.participant(player_id)
    return models.PlayerReady(
        state.session_id,
        player_id,
        who.username,
        state.ready_count,
        len(state.participants),
        iso(now),
    )


def session_started(state: PartyState, now: float) -> models.SessionStarted:
    return models.SessionStarted(
        state.session_id,
        state.phase,
        len(state.participants),
        _iso(state.phase_expires_at),
        iso(now),
    )


def host_ping(state: PartyState, ping: Ping) -> models.HostPing:
    data = models.HostPingData(state.host_player_id, ping.from_username, ping.join_url)
    return models.HostPing(state.session_id, data, iso(ping.timestamp))


def ping_message(ping: Ping) -> models.PingMessage:
    return models.PingMessage(ping.from_username, iso(ping.timestamp), ping.join_url)


def phase_transition(state: PartyState, old: Phase, now: float) -> models.PhaseTransition:
    """``state`` has just entered its phase from ``old``."""
    return models.PhaseTransition(
        state.session_id,
        old,
        state.phase,
        _iso(state.phase_expires_at),
        _PHASE_MESSAGES[state.phase],
        iso(now),
    )


def progress_update(
    state: PartyState, player_id: str, kind: RoundKind, now: float
) -> models.ProgressUpdate:
    who = state.participant(player_id)
    return models.ProgressUpdate(
        session_id=state.session_id,
        player_id=player_id,
        username=who.username,
        action=f"submitted_{kind}",
        progress=your_progress(state, player_id),
        session_progress=context_progress(state),
        timestamp=iso(now),
    )


def session_completed(state: PartyState, now: float) -> models.SessionCompleted:
    return models.SessionCompleted(state.session_id, _iso(state.completed_at), iso(now))
