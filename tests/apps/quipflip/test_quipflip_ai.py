"""AI players: names, phrases that the rules accept, votes among the offered phrases."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from engine.apps.quipflip import ai, phrases
from engine.apps.quipflip.party import Phase
from engine.apps.quipflip.phases import settle

from quipflip_play import TIMERS, play_game, started

valid_phrases = (
    st.text(
        alphabet=st.characters(blacklist_categories=("C", "Z")) | st.just(" "),
        min_size=2,
        max_size=100,
    )
    .map(lambda text: " ".join(text.split()))
    .filter(lambda text: 2 <= len(text) <= 100)
)


@given(valid_phrases, st.lists(valid_phrases, max_size=1), st.integers(0, 2**32))
def test_a_copy_is_always_accepted_against_its_original_and_the_other_copy(
    original, others, seed
) -> None:
    copy = ai.copy_phrase(original, random.Random(seed), others)
    assert phrases.check_copy(copy, original, others) == copy


def test_a_copy_stays_close_to_its_original() -> None:
    rng = random.Random(2)
    copy = ai.copy_phrase("a big angry goose", rng)
    assert copy != "a big angry goose"
    assert len(set(copy.split()) & {"a", "big", "angry", "goose"}) >= 3


def test_original_phrases_prefer_ones_not_yet_used() -> None:
    rng = random.Random(3)
    used: set[str] = set()
    for _ in range(20):
        phrase = ai.original_phrase(rng, used)
        assert phrase not in used and phrases.normalise(phrase) == phrase
        used.add(phrase)


def test_votes_are_among_the_offered_phrases() -> None:
    offered = ("one", "two", "three")
    rng = random.Random(4)
    assert {ai.vote_choice(offered, rng) for _ in range(50)} == set(offered)


def test_ai_usernames_are_unique() -> None:
    rng = random.Random(5)
    taken: set[str] = set()
    for _ in range(20):
        name = ai.ai_username(rng, taken)
        assert name not in taken
        taken.add(name)


def test_ai_players_alone_play_a_whole_game() -> None:
    rng = random.Random(6)
    state = started(rng, humans=1, ais=5)
    now = 2010.0
    while state.phase is not Phase.RESULTS:
        state, played = ai.play_ai_turns(state, now, rng)
        assert played and all(pid != "p0" for pid, _ in played)
        state, _ = ai.play_turns(state, ["p0"], now, rng)
        now += 1
        state, entered = settle(state, now, rng, TIMERS)
        assert entered
    assert len(state.phrasesets) == 6


def test_outside_a_playing_phase_ai_players_do_nothing() -> None:
    rng = random.Random(7)
    state = play_game(started(rng, humans=2, ais=2), rng)
    assert ai.play_ai_turns(state, 9999.0, rng) == (state, ())
