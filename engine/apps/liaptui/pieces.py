"""The 32 pieces of Liap Tui, dealing, and the weak-hand test.

Guarantees:

- `DECK` holds 32 distinct `Piece` values, ids ``p1`` .. ``p32``. An id names one physical piece
  for the whole game (two red soldiers have different ids), so a client can say exactly which
  pieces it plays.
- `deal` hands out the whole deck, 8 pieces to each of the 4 seats, using only the `random.Random`
  it is given: the same seed gives the same deal.
- Every hand is kept in `sort_hand` order (strongest first), the order the spec's
  ``hand_updated`` example shows.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

__all__ = [
    "DECK",
    "HAND_SIZE",
    "PIECES_BY_ID",
    "SEATS",
    "WEAK_HAND_MAX_POINT",
    "Color",
    "Hand",
    "Piece",
    "Rank",
    "deal",
    "is_weak_hand",
    "sort_hand",
]

SEATS = (0, 1, 2, 3)
HAND_SIZE = 8
# A hand whose strongest piece is worth at most this is weak and may ask for a redeal.
WEAK_HAND_MAX_POINT = 9


class Rank(enum.StrEnum):
    """A piece's name; the spec's wire format calls it ``rank``."""

    GENERAL = "GENERAL"
    ADVISOR = "ADVISOR"
    ELEPHANT = "ELEPHANT"
    CHARIOT = "CHARIOT"
    HORSE = "HORSE"
    CANNON = "CANNON"
    SOLDIER = "SOLDIER"


class Color(enum.StrEnum):
    RED = "RED"
    BLACK = "BLACK"


@attrs.frozen
class Piece:
    """One physical piece. ``id`` is unique in the deck; ``kind`` is shared by identical pieces."""

    id: str
    name: Rank
    color: Color
    point: int

    @property
    def kind(self) -> str:
        """``GENERAL_RED``-style name of what the piece is, without saying which copy."""
        return f"{self.name}_{self.color}"


Hand = tuple[Piece, ...]

# (red point, black point, copies per colour), strongest rank first.
_RANKS: tuple[tuple[Rank, int, int, int], ...] = (
    (Rank.GENERAL, 14, 13, 1),
    (Rank.ADVISOR, 12, 11, 2),
    (Rank.ELEPHANT, 10, 9, 2),
    (Rank.CHARIOT, 8, 7, 2),
    (Rank.HORSE, 6, 5, 2),
    (Rank.CANNON, 4, 3, 2),
    (Rank.SOLDIER, 2, 1, 5),
)


def _build_deck() -> tuple[Piece, ...]:
    specs = [
        (rank, color, point, copies)
        for rank, red, black, copies in _RANKS
        for color, point in ((Color.RED, red), (Color.BLACK, black))
    ]
    flat = [(rank, color, point) for rank, color, point, copies in specs for _ in range(copies)]
    return tuple(
        Piece(id=f"p{number}", name=rank, color=color, point=point)
        for number, (rank, color, point) in enumerate(flat, start=1)
    )


DECK: tuple[Piece, ...] = _build_deck()
PIECES_BY_ID: Mapping[str, Piece] = MappingProxyType({piece.id: piece for piece in DECK})
_DECK_ORDER = {piece.id: index for index, piece in enumerate(DECK)}


def sort_hand(pieces: Iterable[Piece]) -> Hand:
    """Strongest first; identical points keep deck order, so the result is fully determined."""
    return tuple(sorted(pieces, key=lambda piece: (-piece.point, _DECK_ORDER[piece.id])))


def deal(rng: random.Random) -> tuple[Hand, Hand, Hand, Hand]:
    """Shuffle the whole deck with `rng` and give each seat 8 pieces, each hand sorted."""
    shuffled = list(DECK)
    rng.shuffle(shuffled)
    hands = [sort_hand(shuffled[seat * HAND_SIZE : (seat + 1) * HAND_SIZE]) for seat in SEATS]
    return hands[0], hands[1], hands[2], hands[3]


def is_weak_hand(hand: Iterable[Piece]) -> bool:
    """True when no piece in the hand is worth more than 9 points."""
    return all(piece.point <= WEAK_HAND_MAX_POINT for piece in hand)
