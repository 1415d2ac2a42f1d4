"""The data of the events the server sends, as attrs values (``data`` of a `ServerEvent`).

One class per event (``RoomCreated`` is ``room_created``'s data; `protocol` registers which event
carries which class), and the records they are made of. `protocol.WIRE` writes them as the
spec's JSON: fields in the order declared here, tuples as arrays, maps keyed by player name in
seat order. A field whose default is None is left out while it is None (``reconnected`` on a
first ``player_joined``); a field that is ``null`` on the wire has no default.

Values only: `views`, `state`, the lobby and the room build them; nothing here reads a clock.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = [
    "AutoAction",
    "BotActivated",
    "Connected",
    "DeclarationAccepted",
    "DeclarationPhase",
    "DeprecationNotice",
    "FullState",
    "GameOver",
    "GameOverPhase",
    "GamePlayer",
    "GameStarted",
    "GameState",
    "HandUpdated",
    "ListedRoom",
    "MissedEvent",
    "NotStarted",
    "PhaseChange",
    "PhaseData",
    "PieceData",
    "PlayAccepted",
    "PlayerJoined",
    "PlayerLeft",
    "PlayerTimeout",
    "Pong",
    "PreparationPhase",
    "Reconnected",
    "RedealDecisionAccepted",
    "RoomCreated",
    "RoomData",
    "RoomJoined",
    "RoomLeft",
    "RoomList",
    "RoundScore",
    "ScoringPhase",
    "SeatedPlayer",
    "SpecialBonus",
    "Statistics",
    "SyncResponse",
    "TablePlay",
    "TurnPhase",
    "VersionAccepted",
]


# -- records -----------------------------------------------------------------------------------


@attrs.frozen
class PieceData:
    """A piece as the spec shows it: ``rank`` and ``color`` by name, ``point`` its value."""

    id: str
    rank: str
    color: str
    point: int


@attrs.frozen
class TablePlay:
    """What one seat played in a turn; ``play_type`` is ``INVALID`` for a losing play."""

    pieces: tuple[PieceData, ...]
    play_type: str


@attrs.frozen
class SeatedPlayer:
    """A seat of the room: who sits there, whether a bot plays it, whether it is the host."""

    name: str
    position: int
    is_bot: bool
    is_host: bool


@attrs.frozen
class GamePlayer:
    """A player of the game: its score, whether its human is connected, whether a bot plays."""

    name: str
    position: int
    score: int
    is_active: bool
    is_bot: bool


@attrs.frozen
class RoundScore:
    declared: int
    captured: int
    score: int
    total: int


@attrs.frozen
class Statistics:
    """``game_over.statistics``; a perfect declaration is a seat-round with declared ==
    captured."""

    total_turns: int
    perfect_declarations: int
    redeals: int


@attrs.frozen
class AutoAction:
    """The move the server made for a player whose time ran out."""

    type: str
    value: int | bool | tuple[str, ...]


@attrs.frozen
class ListedRoom:
    """One line of ``room_list``."""

    room_id: str
    room_name: str
    host_name: str
    players: tuple[str, ...]
    max_players: int
    player_count: int


@attrs.frozen
class MissedEvent:
    """A room event replayed by ``sync_response``: its number, name and data as first sent."""

    sequence: int
    event: str
    data: dict[str, Any]


# -- phases ------------------------------------------------------------------------------------


@attrs.frozen
class NotStarted:
    """The phase data of a room whose game has not started: none."""


@attrs.frozen
class PreparationPhase:
    weak_hands: tuple[str, ...]
    redeal_multiplier: int
    waiting_for_decisions: bool
    redeal_complete: bool
    decisions: dict[str, str]
    starter: str


@attrs.frozen
class DeclarationPhase:
    starter: str
    declaration_order: tuple[str, ...]
    current_declarer: str | None
    declarations: dict[str, int]
    declaration_total: int
    valid_declarations: tuple[int, ...]
    redeal_multiplier: int


@attrs.frozen
class TurnPhase:
    current_player: str | None
    turn_number: int
    required_piece_count: int | None
    current_plays: dict[str, TablePlay]
    turn_order: tuple[str, ...]
    last_winner: str | None
    last_turn_plays: dict[str, TablePlay]
    #: The pieces the winner of this turn will collect.
    current_pile_count: int


@attrs.frozen
class ScoringPhase:
    round_number: int
    redeal_multiplier: int
    round_scores: dict[str, RoundScore]
    game_over: bool
    winners: tuple[str, ...]


@attrs.frozen
class GameOverPhase(ScoringPhase):
    """The last round's scoring, and the game's final scores."""

    final_scores: dict[str, int]
    rounds_played: int


PhaseData = PreparationPhase | DeclarationPhase | TurnPhase | ScoringPhase | GameOverPhase


@attrs.frozen
class GameState:
    """The game as ``phase_change``, ``reconnected`` and ``sync_response`` show it; in
    ``phase_change`` without the ``phase_data`` right beside it (None: left out)."""

    round_number: int
    turn_number: int
    phase: str
    phase_data: PhaseData | None = attrs.field(default=None, kw_only=True)
    players: tuple[GamePlayer, ...]
    scores: dict[str, int]
    pile_counts: dict[str, int]
    declarations: dict[str, int | None]
    hand_sizes: dict[str, int]
    redeal_multiplier: int


@attrs.frozen
class RoomData:
    """The room as ``room_joined`` and ``sync_response`` describe it."""

    room_id: str
    room_name: str
    host_name: str
    is_public: bool
    players: tuple[SeatedPlayer, ...]


@attrs.frozen
class FullState:
    """``sync_response.full_state``: the phase, its data and the game state, and the room."""

    phase: str
    phase_data: PhaseData | NotStarted
    game_state: GameState | None
    room: RoomData


# -- lobby events --------------------------------------------------------------------------------


@attrs.frozen
class RoomCreated:
    room_id: str
    room_name: str
    creator: str
    is_public: bool
    created_at: float
    player_token: str


@attrs.frozen
class RoomList:
    rooms: tuple[ListedRoom, ...]


@attrs.frozen
class Pong:
    """Both clocks in milliseconds; ``sequence`` echoes the ping's, if it had one."""

    client_time: float
    server_time: int
    latency: int
    sequence: int | None = None


@attrs.frozen
class VersionAccepted:
    server_version: str
    negotiated_version: str
    features: dict[str, bool]


@attrs.frozen
class DeprecationNotice:
    deprecated_feature: str
    removal_version: str
    alternative: str
    documentation: str


# -- room events ---------------------------------------------------------------------------------


@attrs.frozen
class Connected:
    connection_id: str
    room_id: str
    player_name: str
    position: int
    reconnected: bool
    player_token: str


@attrs.frozen
class RoomJoined(RoomData):
    position: int
    player_token: str
    game_state: GameState | None


@attrs.frozen
class Reconnected(Connected):
    missed_events: int
    events_replayed: bool
    current_sequence: int
    players: tuple[SeatedPlayer, ...]
    game_state: GameState | None


@attrs.frozen
class PlayerJoined:
    """``reconnected`` is set (true) only when the player took its seat back."""

    player_name: str
    position: int
    is_bot: bool
    reconnected: bool | None = attrs.field(default=None, kw_only=True)
    timestamp: float


@attrs.frozen
class PlayerLeft:
    """``new_host`` is set when the host left before the game and another human took over."""

    player_name: str
    position: int
    timestamp: float
    new_host: str | None = None


@attrs.frozen
class RoomLeft:
    room_id: str
    player_name: str


@attrs.frozen
class GameStarted:
    players: tuple[SeatedPlayer, ...]
    host_name: str


@attrs.frozen
class HandUpdated:
    pieces: tuple[PieceData, ...]
    count: int


@attrs.frozen
class PhaseChange:
    """The room stamps ``sequence_number`` and ``server_time`` as it broadcasts it (`stamped`)."""

    phase: str
    phase_data: PhaseData
    game_state: GameState
    sequence_number: int | None = None
    server_time: float | None = None

    def stamped(self, sequence_number: int, server_time: float) -> PhaseChange:
        # Made directly: `attrs.evolve` costs twice as much, and every move sends one.
        return PhaseChange(
            self.phase, self.phase_data, self.game_state, sequence_number, server_time
        )


@attrs.frozen
class DeclarationAccepted:
    player: str
    declaration: int


@attrs.frozen
class PlayAccepted:
    player: str
    pieces_played: tuple[str, ...]
    play_type: str


@attrs.frozen
class RedealDecisionAccepted:
    player: str
    decision: str


@attrs.frozen
class SpecialBonus:
    player: str
    bonus_type: str
    bonus_points: int
    message: str
    animation: str


@attrs.frozen
class PlayerTimeout:
    player: str
    action: str
    auto_action: AutoAction
    timeout_seconds: float


@attrs.frozen
class BotActivated:
    player: str
    position: int
    reason: str
    bot_difficulty: str


@attrs.frozen
class GameOver:
    winners: tuple[str, ...]
    final_scores: dict[str, int]
    rounds_played: int
    #: The game's wall-clock seconds, as the room measured them.
    game_duration: float
    statistics: Statistics


@attrs.frozen
class SyncResponse:
    current_sequence: int
    missed_events: tuple[MissedEvent, ...]
    events_complete: bool
    full_state: FullState
