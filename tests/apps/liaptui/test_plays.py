import itertools
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.liaptui.pieces import DECK, Color
from engine.apps.liaptui.plays import (
    MAX_PLAY_SIZE,
    PlayType,
    beats,
    classify,
    compare_plays,
    play_value,
    valid_plays,
    winner_index,
)


def pieces(*kinds):
    """Pieces by kind, taking a fresh copy each time a kind repeats."""
    used = set()
    chosen = []
    for kind in kinds:
        piece = next(p for p in DECK if p.kind == kind and p.id not in used)
        used.add(piece.id)
        chosen.append(piece)
    return tuple(chosen)


# Every multi-piece play is one colour, so enumerating within each colour finds them all.
ALL_PLAYS = [
    combo
    for color in Color
    for size in range(1, MAX_PLAY_SIZE + 1)
    for combo in itertools.combinations([p for p in DECK if p.color is color], size)
    if classify(combo) is not None
]
PLAYS_BY_TYPE = defaultdict(list)
for _play in ALL_PLAYS:
    PLAYS_BY_TYPE[classify(_play)].append(_play)


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["SOLDIER_BLACK"], PlayType.SINGLE),
        (["GENERAL_RED"], PlayType.SINGLE),
        (["CHARIOT_RED", "CHARIOT_RED"], PlayType.PAIR),
        (["SOLDIER_BLACK", "SOLDIER_BLACK"], PlayType.PAIR),
        (["CHARIOT_RED", "CHARIOT_BLACK"], None),
        (["CHARIOT_RED", "HORSE_RED"], None),
        (["SOLDIER_RED"] * 3, PlayType.THREE_OF_A_KIND),
        (["GENERAL_RED", "ADVISOR_RED", "ELEPHANT_RED"], PlayType.STRAIGHT),
        (["CHARIOT_BLACK", "HORSE_BLACK", "CANNON_BLACK"], PlayType.STRAIGHT),
        (["GENERAL_RED", "ADVISOR_RED", "ELEPHANT_BLACK"], None),
        (["ELEPHANT_RED", "CHARIOT_RED", "HORSE_RED"], None),
        (["HORSE_RED", "HORSE_RED", "CANNON_RED"], None),
        (["SOLDIER_RED"] * 4, PlayType.FOUR_OF_A_KIND),
        (["CHARIOT_RED", "HORSE_RED", "HORSE_RED", "CANNON_RED"], PlayType.EXTENDED_STRAIGHT),
        (
            ["GENERAL_BLACK", "ADVISOR_BLACK", "ELEPHANT_BLACK", "ELEPHANT_BLACK"],
            PlayType.EXTENDED_STRAIGHT,
        ),
        (["HORSE_RED", "HORSE_RED", "CANNON_RED", "CANNON_RED"], None),
        (
            ["GENERAL_RED", "ADVISOR_RED", "ADVISOR_RED", "ELEPHANT_RED", "ELEPHANT_RED"],
            PlayType.EXTENDED_STRAIGHT_5,
        ),
        (
            ["CHARIOT_RED", "CHARIOT_RED", "HORSE_RED", "CANNON_RED", "CANNON_RED"],
            PlayType.EXTENDED_STRAIGHT_5,
        ),
        (["CHARIOT_RED", "CHARIOT_RED", "HORSE_RED", "HORSE_RED", "SOLDIER_RED"], None),
        (["SOLDIER_BLACK"] * 5, PlayType.FIVE_OF_A_KIND),
        (
            ["CHARIOT_RED", "CHARIOT_RED", "HORSE_RED", "HORSE_RED", "CANNON_RED", "CANNON_RED"],
            PlayType.DOUBLE_STRAIGHT,
        ),
        (
            ["CHARIOT_RED", "CHARIOT_RED", "HORSE_RED", "HORSE_RED", "CANNON_RED", "CANNON_BLACK"],
            None,
        ),
        (["SOLDIER_RED"] * 5 + ["CANNON_RED"], None),
        ([], None),
    ],
)
def test_classify(kinds, expected):
    assert classify(pieces(*kinds)) == expected


def test_every_play_type_exists_in_the_deck():
    assert set(PLAYS_BY_TYPE) == set(PlayType)


def test_no_play_has_more_than_six_pieces():
    seven = pieces(*["CHARIOT_RED"] * 2, *["HORSE_RED"] * 2, *["CANNON_RED"] * 2, "SOLDIER_RED")
    assert classify(seven) is None
    assert max(len(play) for play in ALL_PLAYS) == MAX_PLAY_SIZE


def test_extended_straights_count_one_piece_per_name():
    four = pieces("CHARIOT_RED", "HORSE_RED", "HORSE_RED", "CANNON_RED")
    five = pieces("CHARIOT_RED", "CHARIOT_RED", "HORSE_RED", "CANNON_RED", "CANNON_RED")
    assert play_value(four) == play_value(five) == 8 + 6 + 4


def test_same_type_compares_by_point_sum():
    red_pair = pieces("HORSE_RED", "HORSE_RED")
    black_pair = pieces("HORSE_BLACK", "HORSE_BLACK")
    assert compare_plays(red_pair, black_pair) == 1
    assert compare_plays(black_pair, red_pair) == -1
    assert compare_plays(red_pair, red_pair) == 0


def test_different_types_cannot_be_compared_and_never_beat():
    pair = pieces("SOLDIER_RED", "SOLDIER_RED")
    mixed = pieces("GENERAL_RED", "GENERAL_BLACK")
    with pytest.raises(ValueError):
        compare_plays(pair, mixed)
    assert not beats(mixed, pair)
    straight = pieces("GENERAL_RED", "ADVISOR_RED", "ELEPHANT_RED")
    soldiers = pieces(*["SOLDIER_BLACK"] * 3)
    assert not beats(straight, soldiers) and not beats(soldiers, straight)


def test_winner_index_ties_go_to_the_earlier_play():
    first, second = pieces("HORSE_RED", "HORSE_RED")
    assert winner_index([(first,), (second,)]) == 0
    lead = pieces("SOLDIER_BLACK")
    assert winner_index([lead, pieces("SOLDIER_RED"), pieces("GENERAL_RED"), (first,)]) == 2


def test_winner_index_needs_a_valid_lead():
    with pytest.raises(ValueError):
        winner_index([pieces("CHARIOT_RED", "HORSE_RED")])


def test_valid_plays_finds_exactly_the_valid_subsets():
    hand = pieces("CHARIOT_RED", "HORSE_RED", "CANNON_RED", "HORSE_RED", "SOLDIER_BLACK")
    found = valid_plays(hand)
    expected = [
        combo
        for size in range(1, len(hand) + 1)
        for combo in itertools.combinations(hand, size)
        if classify(combo) is not None
    ]
    assert found == expected
    assert {classify(play) for play in found} == {
        PlayType.SINGLE,
        PlayType.PAIR,
        PlayType.STRAIGHT,
        PlayType.EXTENDED_STRAIGHT,
    }
    assert valid_plays(hand, 2) == [play for play in found if len(play) == 2]


@given(st.lists(st.sampled_from(DECK), min_size=1, max_size=7, unique=True), st.data())
def test_play_type_does_not_depend_on_order(chosen, data):
    reordered = data.draw(st.permutations(chosen))
    assert classify(reordered) == classify(chosen)
    if classify(chosen) is not None:
        assert play_value(reordered) == play_value(chosen)


@given(st.sampled_from(sorted(PlayType)), st.data())
def test_comparison_is_antisymmetric(play_type, data):
    a = data.draw(st.sampled_from(PLAYS_BY_TYPE[play_type]))
    b = data.draw(st.sampled_from(PLAYS_BY_TYPE[play_type]))
    assert compare_plays(a, b) == -compare_plays(b, a)
    assert not (beats(a, b) and beats(b, a))
    assert beats(a, b) == (compare_plays(a, b) > 0)


@given(st.lists(st.sampled_from(ALL_PLAYS), min_size=2, max_size=4))
def test_the_winner_beats_every_earlier_rival_and_no_later_play_beats_it(plays):
    best = winner_index(plays)
    lead_type = classify(plays[0])
    assert classify(plays[best]) == lead_type
    for index, other in enumerate(plays):
        if index < best and classify(other) == lead_type:
            assert beats(plays[best], other)
        if index > best:
            assert not beats(other, plays[best])
