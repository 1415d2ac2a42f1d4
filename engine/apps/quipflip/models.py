"""Every JSON body of the API as a frozen attrs class, and the converter that writes them.

Requests (read by the HTTP layer with a strict converter that refuses wrong types and unknown
fields; the validators here raise ``ValueError`` for values out of range, which the HTTP layer
answers with 422 and the field named): ``GuestAuthRequest``, ``CreatePartySessionRequest``,
``JoinPartySessionRequest``, ``SubmitPartyRoundRequest``.

Responses: one class per route's answer, field for field as clients of the original party
mode expect them. Times are ISO 8601 strings in UTC (``2026-12-02T05:36:03.123456Z``).

WebSocket notifications (server to client only): one class per ``type``, each carrying
``session_id`` and a ``timestamp``, and the ``session_status`` snapshot a connection gets when
it cannot resume; ``NOTIFICATIONS`` lists them all.

``WIRE`` turns any of these into JSON-ready values (enums as their values, tuples as lists,
None as null). It is built once, here.
"""

from __future__ import annotations

import enum
import re
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn
from cattrs.preconf.json import make_converter

from .codes import CODE_LENGTH
from .party import ParticipantStatus, PartyConfig, Phase, RoundKind, RoundStatus, SessionStatus
from .results import Award, PhrasesetSummary, PlayerStats

__all__ = [
    "NOTIFICATIONS",
    "WIRE",
    "AIStats",
    "AddAIPlayerResponse",
    "ContextProgress",
    "CreatePartySessionRequest",
    "CreatePartySessionResponse",
    "GuestAuthRequest",
    "GuestAuthResponse",
    "HostPing",
    "HostPingData",
    "JoinPartySessionRequest",
    "JoinPartySessionResponse",
    "LeavePartyResponse",
    "MarkReadyResponse",
    "PartyContext",
    "PartyListItemResponse",
    "PartyListResponse",
    "PartyParticipantResponse",
    "PartyPingResponse",
    "PartyResultsResponse",
    "PartySessionProgressResponse",
    "PartySessionStatusResponse",
    "PhaseTransition",
    "PhaseTransitionInfo",
    "PingMessage",
    "PlayerJoined",
    "PlayerLeft",
    "PlayerReady",
    "PlayerResponse",
    "ProcessAIResponse",
    "ProgressUpdate",
    "ReadySummary",
    "SessionCompleted",
    "SessionStarted",
    "SessionStatusSnapshot",
    "StartPartyRoundResponse",
    "StartPartySessionResponse",
    "SubmitPartyRoundRequest",
    "SubmitPartyRoundResponse",
    "YourProgress",
]

USERNAME_MIN = 3
USERNAME_MAX = 20
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]*")


def _strip(text: str) -> str:
    return text.strip()


# -- requests --------------------------------------------------------------------------------


def _check_username(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    if not USERNAME_MIN <= len(value) <= USERNAME_MAX:
        raise ValueError(f"username must be {USERNAME_MIN} to {USERNAME_MAX} characters")
    if _USERNAME.fullmatch(value) is None:
        raise ValueError("username may hold letters, digits, spaces, '_', '.' and '-' only")


@attrs.frozen
class GuestAuthRequest:
    """``POST /auth/guest``: without a username the server picks one."""

    username: str | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(_strip),
        validator=_check_username,
    )


#: ``POST /party/create``: every field optional, each within its range, and
#: ``min_players <= max_players``. The body is the session's configuration as it is.
CreatePartySessionRequest = PartyConfig


def _check_code(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if len(value) != CODE_LENGTH:
        raise ValueError(f"party_code must be exactly {CODE_LENGTH} characters")


@attrs.frozen
class JoinPartySessionRequest:
    """``POST /party/join``: the code in any case."""

    party_code: str = attrs.field(validator=_check_code)


@attrs.frozen
class SubmitPartyRoundRequest:
    """``POST /party/{session_id}/rounds/{round_id}/submit``: the phrase is checked by the
    rules (2 to 100 characters, and what each kind of round asks)."""

    phrase: str


# -- responses -------------------------------------------------------------------------------


@attrs.frozen
class GuestAuthResponse:
    access_token: str = attrs.field(repr=False)
    expires_in: int
    player_id: str
    username: str
    token_type: str = "bearer"


@attrs.frozen
class PlayerResponse:
    """``GET /player/me``."""

    player_id: str
    username: str
    wallet: int
    created_at: str


@attrs.frozen
class PartyParticipantResponse:
    participant_id: str
    player_id: str
    username: str
    is_ai: bool
    is_host: bool
    status: ParticipantStatus
    connection_status: str | None
    prompts_submitted: int
    copies_submitted: int
    votes_submitted: int
    prompts_required: int
    copies_required: int
    votes_required: int
    joined_at: str
    ready_at: str | None


@attrs.frozen
class PartySessionProgressResponse:
    total_prompts: int
    total_copies: int
    total_votes: int
    required_prompts: int
    required_copies: int
    required_votes: int
    players_ready_for_next_phase: int
    total_players: int


@attrs.frozen
class PartySessionStatusResponse:
    session_id: str
    party_code: str
    host_player_id: str
    status: SessionStatus
    current_phase: Phase
    version: int
    min_players: int
    max_players: int
    phase_started_at: str | None
    phase_expires_at: str | None
    created_at: str
    started_at: str | None
    completed_at: str | None
    participants: tuple[PartyParticipantResponse, ...]
    progress: PartySessionProgressResponse


@attrs.frozen
class CreatePartySessionResponse:
    session_id: str
    party_code: str
    host_player_id: str
    status: SessionStatus
    current_phase: Phase
    created_at: str
    participants: tuple[PartyParticipantResponse, ...]
    min_players: int
    max_players: int


@attrs.frozen
class JoinPartySessionResponse:
    session_id: str
    party_code: str
    status: SessionStatus
    current_phase: Phase
    participants: tuple[PartyParticipantResponse, ...]
    participant_count: int
    min_players: int
    max_players: int


@attrs.frozen
class LeavePartyResponse:
    session_deleted: bool
    success: bool = True
    message: str = "Left party session"


@attrs.frozen
class ReadySummary:
    ready_count: int
    total_count: int
    can_start: bool


@attrs.frozen
class MarkReadyResponse:
    participant_id: str
    status: ParticipantStatus
    session: ReadySummary


@attrs.frozen
class AddAIPlayerResponse:
    participant_id: str
    player_id: str
    username: str
    is_ai: bool = True


@attrs.frozen
class PartyPingResponse:
    success: bool = True
    message: str = "Ping sent to all players"


@attrs.frozen
class AIStats:
    """What ``process-ai`` did: the phase it played and the rounds AI players submitted."""

    phase: Phase
    submitted: int
    phase_advanced: bool


@attrs.frozen
class ProcessAIResponse:
    stats: AIStats
    success: bool = True


@attrs.frozen
class StartPartySessionResponse:
    session_id: str
    status: SessionStatus
    current_phase: Phase
    phase_started_at: str
    phase_expires_at: str | None
    locked_at: str
    version: int
    participants: tuple[PartyParticipantResponse, ...]


@attrs.frozen
class YourProgress:
    prompts_submitted: int
    prompts_required: int
    copies_submitted: int
    copies_required: int
    votes_submitted: int
    votes_required: int


@attrs.frozen
class ContextProgress:
    players_ready_for_next_phase: int
    total_players: int


@attrs.frozen
class PartyContext:
    session_id: str
    current_phase: Phase
    your_progress: YourProgress
    session_progress: ContextProgress


@attrs.frozen
class StartPartyRoundResponse:
    """A started round. ``session_progress`` is keyed by the round's kind:
    ``your_prompts_submitted``/``prompts_required`` (copies, votes likewise), ``players_done``
    and ``total_players``. A prompt round has ``prompt_text``; a copy round ``original_phrase``
    (without its prompt: guessing it is part of the game); a vote round ``phraseset_id``,
    ``prompt_text`` and the three ``phrases``. Fields a kind does not use are null."""

    round_id: str
    party_round_id: str
    round_type: RoundKind
    expires_at: str
    cost: int
    status: RoundStatus
    session_progress: dict[str, int]
    party_context: PartyContext
    prompt_text: str | None = None
    original_phrase: str | None = None
    phraseset_id: str | None = None
    phrases: tuple[str, ...] | None = None


@attrs.frozen
class PhaseTransitionInfo:
    old_phase: Phase
    new_phase: Phase


@attrs.frozen
class SubmitPartyRoundResponse:
    """A submitted round: the phrase as kept, progress as for a started round, the phase
    change it caused if any, and for a vote whether it picked the original and what it paid."""

    phrase: str
    round_type: RoundKind
    session_progress: dict[str, int]
    phase_transition: PhaseTransitionInfo | None = None
    correct: bool | None = None
    payout: int = 0
    success: bool = True


@attrs.frozen
class PartyResultsResponse:
    session_id: str
    party_code: str
    completed_at: str | None
    rankings: tuple[PlayerStats, ...]
    awards: dict[str, Award]
    phrasesets_summary: tuple[PhrasesetSummary, ...]


@attrs.frozen
class PartyListItemResponse:
    session_id: str
    party_code: str
    host_username: str
    participant_count: int
    min_players: int
    max_players: int
    created_at: str
    is_full: bool


@attrs.frozen
class PartyListResponse:
    parties: tuple[PartyListItemResponse, ...]
    total_count: int


# -- WebSocket notifications -----------------------------------------------------------------


def _kind(name: str) -> Any:
    return attrs.field(default=name, init=False)


@attrs.frozen
class PlayerJoined:
    session_id: str
    player_id: str
    username: str
    is_ai: bool
    participant_count: int
    timestamp: str
    type: str = _kind("player_joined")


@attrs.frozen
class PlayerLeft:
    """``host_player_id`` is the host after the leave (a new one when the host left)."""

    session_id: str
    player_id: str
    username: str
    participant_count: int
    host_player_id: str
    timestamp: str
    type: str = _kind("player_left")


@attrs.frozen
class PlayerReady:
    session_id: str
    player_id: str
    username: str
    ready_count: int
    total_count: int
    timestamp: str
    type: str = _kind("player_ready")


@attrs.frozen
class SessionStarted:
    session_id: str
    current_phase: Phase
    participant_count: int
    phase_expires_at: str | None
    timestamp: str
    message: str = "Party started! Everyone write your best original phrase."
    type: str = _kind("session_started")


@attrs.frozen
class HostPingData:
    host_player_id: str
    host_username: str
    join_url: str


@attrs.frozen
class HostPing:
    session_id: str
    data: HostPingData
    timestamp: str
    type: str = _kind("host_ping")


@attrs.frozen
class PingMessage:
    """The personal ping each human participant but the host gets, wherever they are
    connected."""

    from_username: str
    timestamp: str
    join_url: str
    type: str = _kind("ping")


@attrs.frozen
class PhaseTransition:
    session_id: str
    old_phase: Phase
    new_phase: Phase
    phase_expires_at: str | None
    message: str
    timestamp: str
    type: str = _kind("phase_transition")


@attrs.frozen
class ProgressUpdate:
    """A participant submitted a round: ``action`` is ``submitted_prompt``, ``submitted_copy``
    or ``submitted_vote``."""

    session_id: str
    player_id: str
    username: str
    action: str
    progress: YourProgress
    session_progress: ContextProgress
    timestamp: str
    type: str = _kind("progress_update")


@attrs.frozen
class SessionCompleted:
    """Voting is over and ``GET /party/{session_id}/results`` answers."""

    session_id: str
    completed_at: str | None
    timestamp: str
    message: str = "The party is over: results are ready!"
    type: str = _kind("session_completed")


@attrs.frozen
class SessionStatusSnapshot:
    """Sent alone to a connection whose ``?last_seq=`` is too old to resume: the session as it
    is now, and the number of the last event it reflects (resume after it next time)."""

    sequence_number: int
    status: PartySessionStatusResponse
    type: str = _kind("session_status")


NOTIFICATIONS = (
    PlayerJoined,
    PlayerLeft,
    PlayerReady,
    SessionStarted,
    HostPing,
    PhaseTransition,
    ProgressUpdate,
    SessionCompleted,
    PingMessage,
    SessionStatusSnapshot,
)


def _make_wire_converter() -> cattrs.Converter:
    converter = make_converter()
    # Enums as plain strings: JSON encoders other than the standard one refuse str subclasses.
    converter.register_unstructure_hook(enum.StrEnum, lambda value: value.value)
    # A notification's ``type`` is fixed by its class (init=False); it is still written out.
    converter.register_unstructure_hook_factory(
        attrs.has,
        lambda cls: make_dict_unstructure_fn(
            attrs.resolve_types(cls), converter, _cattrs_include_init_false=True
        ),
    )
    return converter


#: The converter for everything the server sends (STYLE.md, 9: one per wire format).
WIRE = _make_wire_converter()
