"""Results: rankings by net, the three awards, phraseset summaries."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from engine.apps.quipflip import errors
from engine.apps.quipflip.party import PartyState, Phase, Phraseset, Round, RoundKind
from engine.apps.quipflip.phases import settle
from engine.apps.quipflip.progress import done
from engine.apps.quipflip.results import results
from engine.apps.quipflip.rounds import start_round, submit

from quipflip_play import TIMERS, play_game, play_phase, started

NOW = 2010.0


def voted(seed: int, choose: Callable[[Round, Phraseset], str], humans: int = 5) -> PartyState:
    """A party of ``humans`` played to RESULTS, every vote cast by ``choose``."""
    rng = random.Random(seed)
    state = play_phase(play_phase(started(rng, humans=humans), rng, NOW), rng, NOW)
    assert state.phase is Phase.VOTE
    for participant in state.active:
        while not done(state, participant.player_id):
            state, round_ = start_round(state, participant.player_id, RoundKind.VOTE, NOW, rng)
            phrase = choose(round_, state.phraseset(round_.phraseset_id))
            state, _ = submit(state, participant.player_id, round_.round_id, phrase, NOW)
    state, entered = settle(state, NOW + 1, rng, TIMERS)
    assert entered == (Phase.RESULTS,)
    return state


def test_results_are_refused_before_the_end() -> None:
    state = started(random.Random(1), humans=3)
    with pytest.raises(
        errors.ResultsNotReady, match=r"Results not available yet \(current phase: PROMPT\)"
    ):
        results(state)


def test_when_everyone_spots_the_original() -> None:
    state = voted(1, lambda round_, phraseset: phraseset.original.phrase)
    outcome = results(state)
    assert set(outcome.awards) == {"best_writer", "sharpest_voter"}  # nobody was fooled
    sharpest = outcome.awards["sharpest_voter"]
    assert sharpest.metric_value == 100.0
    assert sharpest.player_id == outcome.rankings[0].player_id  # ties go to the better rank
    writer = outcome.awards["best_writer"]
    best = max(s.votes_on_originals for s in outcome.rankings)
    assert writer.metric_value == float(best) > 0
    for stats in outcome.rankings:
        assert stats.votes_fooled == 0 and stats.correct_votes == stats.total_votes
        assert stats.vote_accuracy == 100.0
    for summary in outcome.phrasesets_summary:
        assert summary.most_votes == "original"
        assert summary.votes_breakdown == {"original": summary.vote_count, "copy1": 0, "copy2": 0}


def test_when_everyone_is_fooled_by_the_first_copy() -> None:
    state = voted(2, lambda round_, phraseset: phraseset.copies[0].phrase)
    outcome = results(state)
    assert set(outcome.awards) == {"top_impostor", "sharpest_voter"}
    assert outcome.awards["sharpest_voter"].metric_value == 0.0
    fooled = {s.player_id: s.votes_fooled for s in outcome.rankings}
    impostor = outcome.awards["top_impostor"]
    assert impostor.metric_value == max(fooled.values()) == fooled[impostor.player_id]
    for summary in outcome.phrasesets_summary:
        assert summary.most_votes == "copy1" or summary.vote_count == 0
    # Each copy vote is 2 points to its writer; with nothing on the originals, writers of
    # originals get no prize.
    assert all(s.votes_on_originals == 0 for s in outcome.rankings)


def test_accuracy_is_a_percentage_to_one_decimal() -> None:
    picks: dict[str, int] = {}

    def alternate(round_: Round, phraseset: Phraseset) -> str:
        picks[round_.player_id] = picks.get(round_.player_id, 0) + 1
        if picks[round_.player_id] % 3 == 1:
            return phraseset.original.phrase
        return phraseset.copies[1].phrase

    # Seven players: each may vote on 7 - 3 = 4 phrasesets, so three votes (the quota).
    outcome = results(voted(3, alternate, humans=7))
    for stats in outcome.rankings:
        assert stats.total_votes == 3 and stats.correct_votes == 1
        assert stats.vote_accuracy == 33.3


@pytest.mark.parametrize("seed", range(6))
def test_ranks_follow_net_and_ties_share_a_rank(seed: int) -> None:
    rng = random.Random(seed)
    outcome = results(play_game(started(rng, humans=2, ais=5), rng))
    for stats in outcome.rankings:
        assert stats.rank == 1 + sum(1 for other in outcome.rankings if other.net > stats.net)
    assert outcome.session_id and outcome.party_code == "ABCD2345"
    assert outcome.completed_at is not None
