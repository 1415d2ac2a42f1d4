"""What a room keeps durable: its seats, its game and its sequence counter, and how they look on
the wire.

`RoomState` is one frozen attrs value saved whole after every message that changes it
(`STATE_CONVERTER` stores a piece as its id, which keeps a saved game a few kilobytes).
Connections are not state: they die with the process, and after a restart each player comes
back with the player token handed out at join.

Player tokens are secrets. The room keeps only their SHA-256 and compares in constant time, so
a copy of the store does not let anyone take a seat over.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs
import cattrs
from cattrs.fns import identity
from cattrs.preconf.json import make_converter

from . import events as e
from .game import Game, Phase
from .messages import RoomListing
from .pieces import PIECES_BY_ID, SEATS, Hand, Piece
from .views import game_state, phase_data

__all__ = [
    "STATE_CONVERTER",
    "RoomState",
    "Seat",
    "add_shortcuts",
    "full_state",
    "listing",
    "new_token",
    "players_data",
    "room_data",
    "token_matches",
]


@attrs.frozen
class Seat:
    """One of the four places at the table.

    ``token_hash`` is empty for a seat no human can take back (a bot filled it, or its human
    left for good). ``claimed`` is False only for the creator's held seat until she first joins.
    ``gone_at`` is the room's sequence number when the seat's human lost its connection, where a
    resume without ``last_sequence`` starts.
    """

    name: str
    token_hash: str = ""
    is_bot: bool = False
    claimed: bool = True
    gone_at: int = 0


@attrs.frozen
class RoomState:
    """A room; ``game`` is None until the creator starts the first game.

    ``seq`` is the last sequence number the room's events were given (committed with them).
    ``created_at`` and ``game_started_at`` are wall-clock seconds (``engine.clock``).
    """

    room_id: str
    room_name: str = ""
    creator: str = ""
    is_public: bool = True
    created_at: float = 0.0
    action_timeout: float = 30.0
    seats: tuple[Seat | None, ...] = (None,) * len(SEATS)
    game: Game | None = None
    game_started_at: float = 0.0
    seq: int = 0

    @property
    def set_up(self) -> bool:
        return bool(self.creator)

    @property
    def in_game(self) -> bool:
        """A game is being played (started and not over)."""
        return self.game is not None and self.game.phase is not Phase.GAME_OVER

    @property
    def current_game(self) -> Game:
        """The game, for callers that know one was started; raises `LookupError` if none was."""
        if self.game is None:
            raise LookupError(f"room {self.room_id} has no game")
        return self.game

    def occupant(self, index: int) -> Seat:
        """Seat ``index``, for callers that know it is taken; raises `LookupError` if free."""
        seat = self.seats[index]
        if seat is None:
            raise LookupError(f"seat {index} of room {self.room_id} is free")
        return seat

    def seat_of(self, name: str) -> int | None:
        return next((i for i, s in enumerate(self.seats) if s is not None and s.name == name), None)

    def free_seat(self) -> int | None:
        return next((i for i, seat in enumerate(self.seats) if seat is None), None)

    def with_seat(self, index: int, seat: Seat | None) -> RoomState:
        seats = (*self.seats[:index], seat, *self.seats[index + 1 :])
        return attrs.evolve(self, seats=seats)


def new_token() -> tuple[str, str]:
    """A fresh player token and the hash the room keeps of it."""
    token = secrets.token_urlsafe(24)
    return token, _hash(token)


def token_matches(seat: Seat, token: str | None) -> bool:
    return (
        bool(seat.token_hash)
        and token is not None
        and hmac.compare_digest(seat.token_hash, _hash(token))
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def listing(state: RoomState) -> RoomListing | None:
    """How the lobby lists the room, or None when it is not listed.

    A room is listed while it is public, has no game, has a free seat, and its creator has
    taken her held seat: until then only she knows the room id, so her seat cannot be taken by
    someone who merely read her name in the list.
    """
    creator_seat = state.seat_of(state.creator) if state.set_up else None
    if (
        not state.is_public
        or state.game is not None
        or state.free_seat() is None
        or creator_seat is None
        or not state.occupant(creator_seat).claimed
    ):
        return None
    players = tuple(seat.name for seat in state.seats if seat is not None)
    return RoomListing(state.room_id, state.room_name, state.creator, players, len(SEATS))


def players_data(state: RoomState) -> tuple[e.SeatedPlayer, ...]:
    """The seated players as ``room_joined`` lists them."""
    return tuple(
        e.SeatedPlayer(
            name=seat.name,
            position=index,
            is_bot=seat.is_bot,
            is_host=seat.name == state.creator,
        )
        for index, seat in enumerate(state.seats)
        if seat is not None
    )


def room_data(state: RoomState) -> e.RoomData:
    """The room as ``room_joined`` and ``sync_response`` describe it."""
    return e.RoomData(
        room_id=state.room_id,
        room_name=state.room_name,
        host_name=state.creator,
        is_public=state.is_public,
        players=players_data(state),
    )


def full_state(state: RoomState) -> e.FullState:
    """``sync_response.full_state``: the phase, its data and the game state, plus the room."""
    game = state.game
    if game is None:
        return e.FullState(str(Phase.NOT_STARTED), e.NotStarted(), None, room_data(state))
    return e.FullState(str(game.phase), phase_data(game), game_state(game), room_data(state))


def _items_of(kind: Any) -> Any:
    """``X`` for the annotation ``tuple[X, ...]``, else None."""
    args = typing.get_args(kind)
    return args[0] if typing.get_origin(kind) is tuple and args[1:] == (Ellipsis,) else None


def _is_record_tuple(kind: Any) -> bool:
    items = _items_of(kind)
    return isinstance(items, type) and attrs.has(items)


def _is_union(kind: Any) -> bool:
    return typing.get_origin(kind) in (typing.Union, types.UnionType)


def _as_is(converter: cattrs.Converter, kind: Any) -> bool:
    """Whether `converter` unstructures values of `kind` into themselves."""
    if kind is None or kind is types.NoneType:
        return kind is types.NoneType
    if _is_union(kind):
        return all(_as_is(converter, member) for member in typing.get_args(kind))
    return converter.get_unstructure_hook(kind) is identity


def add_shortcuts(converter: cattrs.Converter) -> None:
    """Unstructure the same values the same way, only faster (a room unstructures its state and
    its events after every move): a union of types that go out as they are (``str | None``, an
    enum or None) goes out as it is, which lets cattrs write it inline, and tuples of attrs
    records become lists by a list comprehension rather than by cattrs' generator."""

    def records(kind: Any) -> Callable[[Any], list[Any]]:
        unstructure = converter.get_unstructure_hook(_items_of(kind))
        return lambda values: [unstructure(value) for value in values]

    converter.register_unstructure_hook_func(
        lambda kind: _is_union(kind) and _as_is(converter, kind), identity
    )
    converter.register_unstructure_hook_factory(_is_record_tuple, records)


STATE_CONVERTER = make_converter()
add_shortcuts(STATE_CONVERTER)
STATE_CONVERTER.register_unstructure_hook(Piece, lambda piece: piece.id)
STATE_CONVERTER.register_structure_hook(Piece, lambda piece_id, _: PIECES_BY_ID[piece_id])
# A room is saved after every move: tuples of plain values go to the JSON encoder as they are
# (it writes them as arrays) instead of being copied into lists, and hands become lists of ids.
STATE_CONVERTER.register_unstructure_hook_func(
    lambda kind: _as_is(STATE_CONVERTER, _items_of(kind)), identity
)
STATE_CONVERTER.register_unstructure_hook_func(
    lambda kind: kind == Hand, lambda hand: [piece.id for piece in hand]
)
STATE_CONVERTER.register_unstructure_hook_func(
    lambda kind: kind == tuple[Hand, ...],
    lambda hands: [[piece.id for piece in hand] for hand in hands],
)
