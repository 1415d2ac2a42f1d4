"""The economy: costs, pools and payouts, and conservation over whole games."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.apps.quipflip import economy
from engine.apps.quipflip.party import PartyConfig, Phase, TransactionKind
from engine.apps.quipflip.results import results

from quipflip_play import play_game, play_phase, started


def test_costs() -> None:
    assert (economy.PROMPT_COST, economy.VOTE_COST, economy.CORRECT_VOTE_PAYOUT) == (100, 10, 20)
    assert economy.copy_cost(0) == 50 and economy.copy_cost(1) == 100
    assert economy.STARTING_WALLET == 5000


def test_prize_pool() -> None:
    assert economy.prize_pool(votes=0, correct_votes=0, same_copier=False) == 200
    assert economy.prize_pool(votes=0, correct_votes=0, same_copier=True) == 250
    assert economy.prize_pool(votes=5, correct_votes=2, same_copier=False) == 200 + 50 - 40


def test_role_payouts_share_the_pool_by_points() -> None:
    # 2 votes on the original (2 points), 1 on each copy (2 points each): 6 points.
    assert economy.role_payouts(210, 2, (1, 1)) == (70, 70, 70)
    # Nobody fooled: the original's writer takes it all.
    assert economy.role_payouts(240, 4, (0, 0)) == (240, 0, 0)
    # No votes at all: a third each, rounded down.
    assert economy.role_payouts(200, 0, (0, 0)) == (66, 66, 66)
    # 1 vote on the original, 3 on copy 1: 1 and 6 points of 7.
    assert economy.role_payouts(230, 1, (3, 0)) == (32, 197, 0)


@given(st.integers(0, 10_000), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9))
def test_payouts_never_exceed_the_pool_and_lose_at_most_two_coins(
    pool, original, first, second
) -> None:
    paid = economy.role_payouts(pool, original, (first, second))
    assert all(amount >= 0 for amount in paid)
    assert 0 <= pool - sum(paid) <= 2


games = st.tuples(
    st.integers(1, 4),  # humans
    st.integers(0, 5),  # AI players
    st.integers(1, 3),  # prompts per player
    st.integers(1, 4),  # copies per player
    st.integers(2, 5),  # votes per player
    st.integers(0, 2**32),
    st.sets(st.sampled_from(["prompt", "copy", "vote"])),  # phases p1 sits out, if present
)


def play(game) -> tuple:
    humans, ais, prompts, copies, votes, seed, idle = game
    humans = max(humans, 2 - ais)  # two players at least
    config = PartyConfig(2, humans + ais, prompts, copies, votes)
    rng = random.Random(seed)
    state = started(rng, humans=humans, ais=ais, config=config)
    start = {p.player_id: p.wallet for p in state.participants}
    now = 2010.0
    while state.phase is not Phase.RESULTS:
        everyone = [p.player_id for p in state.active]
        playing = [pid for pid in everyone if not (pid == "p1" and state.phase.lower() in idle)]
        state = play_phase(state, rng, now, playing)
        now += 10
    return start, state


@settings(max_examples=60, deadline=None)
@given(games)
def test_coins_are_conserved_but_for_rounding(game) -> None:
    start, state = play(game)
    for participant in state.participants:
        moved = sum(t.amount for t in state.ledger if t.player_id == participant.player_id)
        assert participant.wallet == start[participant.player_id] + moved
        assert participant.wallet >= 0
    lost = sum(start.values()) - sum(p.wallet for p in state.participants)
    assert 0 <= lost <= 2 * len(state.phrasesets)


@settings(max_examples=60, deadline=None)
@given(games)
def test_phrasesets_have_two_copies_and_unused_entries_come_back(game) -> None:
    _start, state = play(game)
    in_sets = {p.original.original_id for p in state.phrasesets}
    for phraseset in state.phrasesets:
        assert len(phraseset.copies) == 2
        assert phraseset.original.player_id not in {c.player_id for c in phraseset.copies}
        assert len({phrase.casefold() for phrase in phraseset.phrases}) == 3
    refunded = {t.reference_id for t in state.ledger if t.kind is TransactionKind.REFUND}
    for original in state.originals:
        if original.original_id not in in_sets:
            assert original.original_id in refunded
    for copy in state.copies:
        if copy.original_id not in in_sets:
            assert copy.round_id in refunded


@settings(max_examples=60, deadline=None)
@given(games)
def test_results_net_is_each_wallets_change_and_ranks_follow_it(game) -> None:
    start, state = play(game)
    outcome = results(state)
    wallets = {p.player_id: p.wallet for p in state.participants}
    assert {s.player_id for s in outcome.rankings} == set(wallets)
    for stats in outcome.rankings:
        assert stats.net == wallets[stats.player_id] - start[stats.player_id]
        assert stats.net == stats.earned - stats.spent
    nets = [s.net for s in outcome.rankings]
    assert nets == sorted(nets, reverse=True)
    assert outcome.rankings[0].rank == 1


def test_a_default_party_of_six_spends_and_earns_as_the_economy_says() -> None:
    rng = random.Random(4)
    state = play_game(started(rng, humans=2, ais=4), rng)
    for participant in state.participants:
        mine = [t for t in state.ledger if t.player_id == participant.player_id]
        entries = sorted(-t.amount for t in mine if t.amount < 0)
        # One prompt (100), two copies of different originals (50 each), three votes (10 each).
        assert entries == [10, 10, 10, 50, 50, 100]
        correct = sum(1 for v in state.votes if v.player_id == participant.player_id and v.correct)
        payouts = sum(t.amount for t in mine if t.kind is TransactionKind.VOTE_PAYOUT)
        assert payouts == 20 * correct
    assert len(state.phrasesets) == 6 and len(state.votes) == 18


def test_a_party_of_two_pays_the_dearer_second_copy_into_the_pool() -> None:
    # Each copies the other's original twice (50 + 100); nobody can vote, so each phraseset's
    # pool of 250 is shared in thirds: 83 to the writer, 83 for each of the two copies.
    rng = random.Random(8)
    state = play_game(started(rng, humans=2), rng)
    for participant in state.participants:
        mine = [t for t in state.ledger if t.player_id == participant.player_id]
        assert sorted(-t.amount for t in mine if t.amount < 0) == [50, 100, 100]
        prizes = sorted(t.amount for t in mine if t.kind is TransactionKind.PRIZE_PAYOUT)
        assert prizes == [83, 83, 83]
        assert participant.wallet == 5000 - 250 + 249
