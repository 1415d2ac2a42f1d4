import random
from collections import Counter

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.liaptui.pieces import (
    DECK,
    HAND_SIZE,
    PIECES_BY_ID,
    Color,
    Piece,
    Rank,
    deal,
    is_weak_hand,
    sort_hand,
)


def test_deck_has_32_distinct_pieces_with_ids_p1_to_p32():
    assert len(DECK) == 32
    assert [piece.id for piece in DECK] == [f"p{n}" for n in range(1, 33)]
    assert set(PIECES_BY_ID) == {piece.id for piece in DECK}


def test_deck_composition_per_colour():
    counts = Counter((piece.name, piece.color) for piece in DECK)
    for color in Color:
        assert counts[Rank.GENERAL, color] == 1
        assert counts[Rank.SOLDIER, color] == 5
        for rank in (Rank.ADVISOR, Rank.ELEPHANT, Rank.CHARIOT, Rank.HORSE, Rank.CANNON):
            assert counts[rank, color] == 2


@pytest.mark.parametrize(
    ("rank", "red", "black"),
    [
        (Rank.GENERAL, 14, 13),
        (Rank.ADVISOR, 12, 11),
        (Rank.ELEPHANT, 10, 9),
        (Rank.CHARIOT, 8, 7),
        (Rank.HORSE, 6, 5),
        (Rank.CANNON, 4, 3),
        (Rank.SOLDIER, 2, 1),
    ],
)
def test_points(rank, red, black):
    points = {(piece.color, piece.point) for piece in DECK if piece.name is rank}
    assert points == {(Color.RED, red), (Color.BLACK, black)}


def test_p1_is_the_red_general_and_kind_names_what_a_piece_is():
    assert PIECES_BY_ID["p1"] == Piece("p1", Rank.GENERAL, Color.RED, 14)
    assert PIECES_BY_ID["p1"].kind == "GENERAL_RED"
    soldiers = [piece for piece in DECK if piece.kind == "SOLDIER_BLACK"]
    assert len(soldiers) == 5 and len({piece.id for piece in soldiers}) == 5


def test_pieces_are_frozen_values():
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        DECK[0].point = 1  # type: ignore[misc]


@given(st.integers())
def test_a_deal_is_the_whole_deck_8_each(seed):
    hands = deal(random.Random(seed))
    assert len(hands) == 4
    assert all(len(hand) == HAND_SIZE for hand in hands)
    dealt = [piece for hand in hands for piece in hand]
    assert len(set(dealt)) == 32
    assert set(dealt) == set(DECK)
    assert all(hand == sort_hand(hand) for hand in hands)


@given(st.integers())
def test_a_deal_depends_only_on_the_rng(seed):
    assert deal(random.Random(seed)) == deal(random.Random(seed))


def test_sort_hand_is_strongest_first_and_total():
    shuffled = list(DECK)
    random.Random(7).shuffle(shuffled)
    ordered = sort_hand(shuffled)
    assert [piece.point for piece in ordered] == sorted((p.point for p in DECK), reverse=True)
    assert ordered == sort_hand(reversed(shuffled))


def test_weak_hand_has_no_piece_above_9():
    weak = [piece for piece in DECK if piece.point <= 9][:8]
    assert is_weak_hand(weak)
    black_elephant = next(p for p in DECK if p.kind == "ELEPHANT_BLACK")
    assert black_elephant.point == 9 and is_weak_hand([black_elephant])
    red_elephant = next(p for p in DECK if p.kind == "ELEPHANT_RED")
    assert not is_weak_hand([*weak[:7], red_elephant])
