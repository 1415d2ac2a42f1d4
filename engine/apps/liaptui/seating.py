"""Who may sit where: the seating rules of a room, as pure functions of its `RoomState`.

Guarantees: nothing here changes a state in place or reads a clock; a refusal raises the
`SessionError` the client gets, before anything is decided.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from . import game as rules
from .errors import AuthenticationFailed, RoomFull, RoomNotFound
from .outcomes import Outcome, PhaseChanged
from .pieces import SEATS
from .state import RoomState, Seat, new_token, token_matches

__all__ = ["Admission", "Arrival", "admit", "fill_with_bots", "mark_away"]

_MAX_BOT_NAMES = 100


class Arrival(enum.Enum):
    NEWCOMER = "newcomer"  #: sits for the first time (the creator's held seat included)
    RETURNING = "returning"  #: takes back a seat it had, with its token


@attrs.frozen
class Admission:
    """Where a joining player sits, and the player token to hand back."""

    arrival: Arrival
    seat: int
    token: str
    token_hash: str


def admit(state: RoomState, name: str, token: str | None) -> Admission:
    """Seat ``name`` (with ``token``, if it has one) in ``state``'s room.

    - a name nobody has takes the first free seat, before the first game only;
    - a seated name needs that seat's token (from ``connected``/``room_joined``, or for the
      creator from ``room_created``), except the creator's held seat before she first sits: only
      she knows the room then, as it is not listed until she sits.

    Raises `RoomNotFound` (the room is not set up), `RoomFull`, `AuthenticationFailed`.
    """
    if not state.set_up:
        raise RoomNotFound(details={"room_id": state.room_id})
    index = state.seat_of(name)
    if index is None:
        if state.game is not None:
            raise RoomFull(
                "The game has started; only its players can join", {"room_id": state.room_id}
            )
        free = state.free_seat()
        if free is None:
            raise RoomFull(details={"room_id": state.room_id, "max_players": len(SEATS)})
        return Admission(Arrival.NEWCOMER, free, *new_token())
    seat = state.occupant(index)
    if token_matches(seat, token):
        assert token is not None
        arrival = Arrival.RETURNING if seat.claimed else Arrival.NEWCOMER
        return Admission(arrival, index, token, seat.token_hash)
    if not seat.claimed and token is None:
        return Admission(Arrival.NEWCOMER, index, *new_token())
    raise AuthenticationFailed(
        "That name is taken here; to take your seat back send your player_token",
        {"reason": "invalid_token" if token is not None else "name_taken", "player_name": name},
    )


def fill_with_bots(state: RoomState) -> tuple[RoomState, list[int]]:
    """Seat a bot (``Bot 1``, ``Bot 2``, ... not clashing with players) in every empty seat."""
    taken = {seat.name for seat in state.seats if seat is not None}
    names = (f"Bot {n}" for n in range(1, _MAX_BOT_NAMES) if f"Bot {n}" not in taken)
    filled = []
    for index in SEATS:
        if state.seats[index] is None:
            state = state.with_seat(index, Seat(next(names), is_bot=True))
            filled.append(index)
    return state, filled


def mark_away(
    game: rules.Game, outcomes: tuple[Outcome, ...], seats: Iterable[int]
) -> tuple[rules.Game, tuple[Outcome, ...]]:
    """``game`` and the phase snapshots in ``outcomes`` with the players of ``seats`` marked
    not active (their humans are away: bots play for them)."""
    seats = list(seats)
    if not seats:
        return game, outcomes

    def away(snapshot: rules.Game) -> rules.Game:
        for seat in seats:
            snapshot = rules.set_player(snapshot, seat, is_active=False)
        return snapshot

    marked = tuple(
        attrs.evolve(o, game=away(o.game)) if isinstance(o, PhaseChanged) else o for o in outcomes
    )
    return away(game), marked
