"""Phase changes: by completion, by timer, with open rounds expired and refunded."""

from __future__ import annotations

import random

import pytest

from engine.apps.quipflip import errors
from engine.apps.quipflip.ai import play_ai_turns, play_turns
from engine.apps.quipflip.party import Phase, RoundKind, RoundStatus, SessionStatus, TransactionKind
from engine.apps.quipflip.phases import advance, settle, timed_out
from engine.apps.quipflip.progress import done, phase_complete, players_done, required
from engine.apps.quipflip.rounds import start_round, submit

from quipflip_play import HOST, TIMERS, play_phase, started

NOW = 2010.0


@pytest.fixture
def rng() -> random.Random:
    return random.Random(5)


def test_the_phase_waits_for_every_active_participant(rng: random.Random) -> None:
    state = started(rng, humans=2, ais=4)
    state, played = play_ai_turns(state, NOW, rng)
    assert len(played) == 4 and players_done(state) == 4
    assert not phase_complete(state)
    assert settle(state, NOW, rng, TIMERS) == (state, ())
    state, _ = play_turns(state, [HOST, "p1"], NOW, rng)
    assert phase_complete(state)
    settled, entered = settle(state, NOW + 1, rng, TIMERS)
    assert entered == (Phase.COPY,)
    assert settled.phase_started_at == NOW + 1
    assert settled.phase_expires_at == NOW + 1 + TIMERS.copy


def test_the_timer_ends_a_phase_and_refunds_open_rounds(rng: random.Random) -> None:
    state = started(rng, humans=3)
    state, open_round = start_round(state, HOST, RoundKind.PROMPT, NOW, rng)
    assert state.phase_expires_at is not None
    assert not timed_out(state, state.phase_expires_at - 0.001)
    assert timed_out(state, state.phase_expires_at)
    wallet = state.participant(HOST).wallet
    moved = advance(state, state.phase_expires_at, rng, TIMERS)
    assert moved.phase is Phase.COPY
    assert moved.round(open_round.round_id).status is RoundStatus.EXPIRED
    assert moved.participant(HOST).wallet == wallet + 100
    assert moved.ledger[-1].kind is TransactionKind.REFUND
    with pytest.raises(errors.RoundExpired):
        submit(moved, HOST, open_round.round_id, "too late now", NOW)


def test_a_copy_plan_is_made_from_the_originals_written(rng: random.Random) -> None:
    state = started(rng, humans=6)
    state, _ = play_turns(state, ["p0", "p1", "p2", "p3", "p4"], NOW, rng)  # p5 writes nothing
    state = advance(state, NOW, rng, TIMERS)
    planned = [oid for _, ids in state.copy_plan for oid in ids]
    assert len(planned) == 10 and set(planned) == {o.original_id for o in state.originals}
    assert required(state, "p5", RoundKind.COPY) == len(state.plan_for("p5"))


def test_an_original_without_two_copies_is_no_phraseset_and_is_refunded(rng: random.Random) -> None:
    state = play_phase(started(rng, humans=4), rng, NOW)
    # Everyone but p3 copies; p3's copies are missing when the timer runs out.
    state = play_phase(state, rng, NOW, ["p0", "p1", "p2"])
    assert state.phase is Phase.VOTE
    short = {oid for oid in state.plan_for("p3")}
    assert short and not short & {p.original.original_id for p in state.phrasesets}
    refunds = {t.reference_id for t in state.ledger if t.kind is TransactionKind.REFUND}
    assert short <= refunds


def test_vote_quotas_shrink_to_what_a_player_can_vote_on(rng: random.Random) -> None:
    state = play_phase(play_phase(started(rng, humans=4), rng, NOW), rng, NOW)
    assert state.phase is Phase.VOTE
    for participant in state.participants:
        # Four phrasesets; each player wrote one and copied two.
        assert required(state, participant.player_id, RoundKind.VOTE) == 1


def test_voting_over_completes_the_session(rng: random.Random) -> None:
    state = play_phase(play_phase(started(rng, humans=4), rng, NOW), rng, NOW)
    state = play_phase(state, rng, NOW + 5)
    assert state.phase is Phase.RESULTS and state.status is SessionStatus.COMPLETED
    assert state.completed_at == NOW + 5 and state.phase_expires_at is None
    assert not phase_complete(state) and not done(state, HOST)
    payouts = [t for t in state.ledger if t.kind is TransactionKind.PRIZE_PAYOUT]
    assert {t.reference_id for t in payouts} == {p.phraseset_id for p in state.phrasesets}


def test_a_phase_nobody_owes_anything_in_is_passed_straight_through(rng: random.Random) -> None:
    # Two players: both copy the other's original twice, so neither can vote.
    state = play_phase(started(rng, humans=2), rng, NOW)
    state, _ = play_turns(state, [HOST, "p1"], NOW, rng)
    state, entered = settle(state, NOW, rng, TIMERS)
    assert entered == (Phase.VOTE, Phase.RESULTS)
