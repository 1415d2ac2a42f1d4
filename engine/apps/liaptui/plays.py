"""Play types and how plays compare.

Guarantees:

- `classify` depends only on the multiset of (name, colour) of the pieces, never on their order
  or ids; it returns ``None`` for pieces that form no play type.
- `compare_plays` is antisymmetric (``compare_plays(a, b) == -compare_plays(b, a)``) and is only
  defined between plays of the same type: a play of another type can never win a turn.
- `winner_index` resolves ties in favour of the earlier play, i.e. the earlier player.
"""

from __future__ import annotations

import enum
import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TypeVar

from .pieces import DECK, Color, Piece, Rank

__all__ = [
    "INVALID_PLAY_TYPE",
    "MAX_PLAY_SIZE",
    "PlayType",
    "beats",
    "classify",
    "compare_plays",
    "play_value",
    "valid_plays",
    "winner_index",
    "winning_plays",
]

_Play = TypeVar("_Play", bound=Sequence[Piece])

# The largest play type (DOUBLE_STRAIGHT) has 6 pieces; a leader can never play more.
MAX_PLAY_SIZE = 6
# What the wire calls a follower's play that forms no type; it can never win.
INVALID_PLAY_TYPE = "INVALID"


class PlayType(enum.StrEnum):
    SINGLE = "SINGLE"
    PAIR = "PAIR"
    THREE_OF_A_KIND = "THREE_OF_A_KIND"
    STRAIGHT = "STRAIGHT"
    FOUR_OF_A_KIND = "FOUR_OF_A_KIND"
    EXTENDED_STRAIGHT = "EXTENDED_STRAIGHT"
    EXTENDED_STRAIGHT_5 = "EXTENDED_STRAIGHT_5"
    FIVE_OF_A_KIND = "FIVE_OF_A_KIND"
    DOUBLE_STRAIGHT = "DOUBLE_STRAIGHT"


_GROUPS = (
    frozenset({Rank.GENERAL, Rank.ADVISOR, Rank.ELEPHANT}),
    frozenset({Rank.CHARIOT, Rank.HORSE, Rank.CANNON}),
)
_SOLDIERS_BY_COUNT = {
    3: PlayType.THREE_OF_A_KIND,
    4: PlayType.FOUR_OF_A_KIND,
    5: PlayType.FIVE_OF_A_KIND,
}
# Count of each of a group's three names, sorted, -> the straight it makes.
_STRAIGHTS_BY_SHAPE: dict[tuple[int, ...], PlayType] = {
    (1, 1, 1): PlayType.STRAIGHT,
    (1, 1, 2): PlayType.EXTENDED_STRAIGHT,
    (1, 2, 2): PlayType.EXTENDED_STRAIGHT_5,
}
# A play's type depends only on how many pieces of each kind it holds, and bots classify
# dozens of plays a move, so types are remembered by that multiset: a piece weighs 8 to the
# power of its kind's number (found by its id, which names one piece of the deck), and as no
# kind occurs 8 times among MAX_PLAY_SIZE pieces, the sum of the weights names the multiset
# (bounded: multisets of up to 6 of the 14 kinds).
_KIND_NUMBERS = {kind: number for number, kind in enumerate(sorted({p.kind for p in DECK}))}
_WEIGHTS = {piece.id: 8 ** _KIND_NUMBERS[piece.kind] for piece in DECK}
_TYPES: dict[int, PlayType | None] = {}


def classify(pieces: Iterable[Piece]) -> PlayType | None:
    """The type the pieces form, or ``None`` (wrong size, mixed colours, no pattern)."""
    pieces = tuple(pieces)
    if len(pieces) == 1:
        return PlayType.SINGLE
    if not pieces or len(pieces) > MAX_PLAY_SIZE:
        return None
    try:
        key = sum([_WEIGHTS[piece.id] for piece in pieces])
    except KeyError:  # not the deck's pieces
        return _classify(pieces)
    if key not in _TYPES:
        _TYPES[key] = _classify(pieces)
    return _TYPES[key]


def _classify(pieces: tuple[Piece, ...]) -> PlayType | None:
    if len({piece.color for piece in pieces}) != 1:
        return None
    names = Counter(piece.name for piece in pieces)
    if len(names) == 1:
        ((name, count),) = names.items()
        if count == 2:
            return PlayType.PAIR
        return _SOLDIERS_BY_COUNT.get(count) if name is Rank.SOLDIER else None
    group = next((group for group in _GROUPS if names.keys() == group), None)
    if group is None:
        return None
    shape = tuple(sorted(names.values()))
    if shape == (2, 2, 2) and Rank.CHARIOT in group:
        return PlayType.DOUBLE_STRAIGHT
    return _STRAIGHTS_BY_SHAPE.get(shape)


def play_value(pieces: Iterable[Piece]) -> int:
    """The strength of a play within its type: the point sum.

    Extended straights count one piece of each of their 3 names only, so the duplicates that make
    them "extended" add nothing.
    """
    pieces = tuple(pieces)
    return _value(pieces, classify(pieces))


def _value(pieces: Sequence[Piece], kind: PlayType | None) -> int:
    if kind in (PlayType.EXTENDED_STRAIGHT, PlayType.EXTENDED_STRAIGHT_5):
        return sum({piece.name: piece.point for piece in pieces}.values())
    return sum(piece.point for piece in pieces)


def compare_plays(a: Sequence[Piece], b: Sequence[Piece]) -> int:
    """1 if `a` is stronger, -1 if `b` is, 0 if equal.

    Raises ValueError unless both form the same play type.
    """
    kind = classify(a)
    if kind is None or kind != classify(b):
        raise ValueError("only two plays of the same type can be compared")
    difference = _value(a, kind) - _value(b, kind)
    return (difference > 0) - (difference < 0)


def beats(challenger: Sequence[Piece], holder: Sequence[Piece]) -> bool:
    """Whether `challenger`, played after `holder`, takes the turn from it (a tie does not)."""
    kind = classify(challenger)
    return (
        kind is not None
        and kind == classify(holder)
        and _value(challenger, kind) > _value(holder, kind)
    )


def winning_plays(challengers: Iterable[_Play], holder: Sequence[Piece]) -> list[_Play]:
    """The `challengers` that `beats` says take the turn from `holder`, in order (the holder is
    classified once)."""
    kind = classify(holder)
    if kind is None:
        return []
    value = _value(holder, kind)
    return [play for play in challengers if classify(play) == kind and _value(play, kind) > value]


def winner_index(plays: Sequence[Sequence[Piece]]) -> int:
    """Index of the winning play among plays in turn order; the first (the lead) must be valid."""
    if not plays or classify(plays[0]) is None:
        raise ValueError("the leading play must form a play type")
    best = 0
    for index in range(1, len(plays)):
        if beats(plays[index], plays[best]):
            best = index
    return best


def valid_plays(hand: Sequence[Piece], size: int | None = None) -> list[tuple[Piece, ...]]:
    """Every subset of `hand` that forms a play type, of `size` pieces or of any size.

    Subsets come out in `itertools.combinations` order over the hand, so callers that pick among
    them deterministically stay deterministic.
    """
    sizes = [size] if size is not None else range(1, min(MAX_PLAY_SIZE, len(hand)) + 1)
    # Only one colour's pieces can form a play of two or more: a bot's hand of 8 has 246
    # subsets of up to 6 pieces, of which about 30 are of one colour. Their positions in the
    # hand, sorted, put them back in the order of combinations over the whole hand.
    by_color: dict[Color, list[int]] = {}
    for index, piece in enumerate(hand):
        by_color.setdefault(piece.color, []).append(index)
    plays: list[tuple[Piece, ...]] = []
    for count in sizes:
        if count == 1:  # every piece is a SINGLE
            plays.extend([(piece,) for piece in hand])
        elif count:  # (no play has 0 pieces)
            positions = sorted(
                itertools.chain.from_iterable(
                    itertools.combinations(indices, count) for indices in by_color.values()
                )
            )
            for combo in positions:
                play = operator.itemgetter(*combo)(hand)  # two or more: a tuple, made in C
                if classify(play) is not None:
                    plays.append(play)
    return plays
