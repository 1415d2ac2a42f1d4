"""Starting and submitting rounds: phase checks, quotas, charges, validation."""

from __future__ import annotations

import random

import pytest

from engine.apps.quipflip import economy, errors
from engine.apps.quipflip.ai import play_turns
from engine.apps.quipflip.party import PartyConfig, Phase, RoundKind, RoundStatus, TransactionKind
from engine.apps.quipflip.phases import advance
from engine.apps.quipflip.prompts import PROMPTS
from engine.apps.quipflip.rounds import start_round, submit

from quipflip_play import HOST, TIMERS, make_lobby, play_phase, started

NOW = 2010.0


@pytest.fixture
def rng() -> random.Random:
    return random.Random(11)


def test_a_prompt_round_charges_100_and_hands_out_a_built_in_prompt(rng: random.Random) -> None:
    state = started(rng, humans=2, ais=2)
    after, round_ = start_round(state, HOST, RoundKind.PROMPT, NOW, rng)
    assert round_.kind is RoundKind.PROMPT and round_.prompt_text in PROMPTS
    assert round_.cost == economy.PROMPT_COST == 100
    assert round_.expires_at == state.phase_expires_at
    assert after.participant(HOST).wallet == 5000 - 100
    assert after.ledger[-1].kind is TransactionKind.PROMPT_ENTRY
    assert after.ledger[-1].amount == -100 and after.ledger[-1].reference_id == round_.round_id


def test_asking_again_with_a_round_open_gives_the_same_round_for_free(rng: random.Random) -> None:
    state, round_ = start_round(started(rng, humans=2), HOST, RoundKind.PROMPT, NOW, rng)
    again, same = start_round(state, HOST, RoundKind.PROMPT, NOW + 1, rng)
    assert same == round_ and again is state


def test_prompts_are_not_repeated_within_a_party(rng: random.Random) -> None:
    config = PartyConfig(min_players=2, max_players=9, prompts_per_player=3)
    state = started(rng, humans=9, config=config)
    texts = []
    for player in range(9):
        for _ in range(3):
            state, round_ = start_round(state, f"p{player}", RoundKind.PROMPT, NOW, rng)
            texts.append(round_.prompt_text)
            state, _ = submit(state, f"p{player}", round_.round_id, "an answer", NOW)
    assert len(set(texts)) == len(texts) == 27


def test_rounds_are_refused_in_the_wrong_phase(rng: random.Random) -> None:
    lobby_state = make_lobby(rng, humans=2)
    with pytest.raises(errors.WrongPhase, match="Session is in the LOBBY phase, not PROMPT"):
        start_round(lobby_state, HOST, RoundKind.PROMPT, NOW, rng)
    state = started(rng, humans=2)
    with pytest.raises(errors.WrongPhase, match="Session is in the PROMPT phase, not COPY"):
        start_round(state, HOST, RoundKind.COPY, NOW, rng)
    with pytest.raises(errors.WrongPhase, match="not VOTE"):
        start_round(state, HOST, RoundKind.VOTE, NOW, rng)


def test_rounds_are_refused_to_strangers(rng: random.Random) -> None:
    with pytest.raises(errors.NotInSession):
        start_round(started(rng, humans=2), "stranger", RoundKind.PROMPT, NOW, rng)


def test_a_met_quota_is_refused(rng: random.Random) -> None:
    state, round_ = start_round(started(rng, humans=2), HOST, RoundKind.PROMPT, NOW, rng)
    state, _ = submit(state, HOST, round_.round_id, "a fine answer", NOW)
    with pytest.raises(errors.AlreadySubmitted, match="Already submitted 1 of 1 prompt rounds"):
        start_round(state, HOST, RoundKind.PROMPT, NOW, rng)


def test_a_round_costing_more_than_the_wallet_is_refused(rng: random.Random) -> None:
    state = started(rng, humans=2, wallet=99)
    with pytest.raises(errors.InsufficientBalance, match="Insufficient balance"):
        start_round(state, HOST, RoundKind.PROMPT, NOW, rng)


def test_submitting_a_prompt_keeps_the_normalised_phrase(rng: random.Random) -> None:
    state, round_ = start_round(started(rng, humans=2), HOST, RoundKind.PROMPT, NOW, rng)
    state, submission = submit(state, HOST, round_.round_id, "  a   sleepy\tdragon ", NOW)
    assert submission.round.phrase == "a sleepy dragon"
    assert submission.round.status is RoundStatus.SUBMITTED
    assert state.originals[-1].phrase == "a sleepy dragon"
    assert state.originals[-1].prompt_text == round_.prompt_text


@pytest.mark.parametrize("text", ["", " ", "x", "y" * 101, "bad\x00byte"])
def test_a_bad_phrase_is_refused_and_changes_nothing(rng: random.Random, text: str) -> None:
    state, round_ = start_round(started(rng, humans=2), HOST, RoundKind.PROMPT, NOW, rng)
    with pytest.raises(errors.InvalidPhrase):
        submit(state, HOST, round_.round_id, text, NOW)
    assert state.round(round_.round_id).status is RoundStatus.ACTIVE


def test_submit_refuses_unknown_foreign_submitted_and_expired_rounds(rng: random.Random) -> None:
    state, round_ = start_round(started(rng, humans=2), HOST, RoundKind.PROMPT, NOW, rng)
    with pytest.raises(errors.RoundNotFound, match="Round not found"):
        submit(state, HOST, "no-such-round", "hello there", NOW)
    with pytest.raises(errors.NotYourRound, match="This round belongs to another player"):
        submit(state, "p1", round_.round_id, "hello there", NOW)
    with pytest.raises(errors.RoundExpired, match="Round has expired"):
        submit(state, HOST, round_.round_id, "hello there", round_.expires_at)
    done, _ = submit(state, HOST, round_.round_id, "hello there", NOW)
    with pytest.raises(errors.AlreadySubmitted, match="Round already submitted"):
        submit(done, HOST, round_.round_id, "hello again", NOW)


def copy_phase(rng: random.Random, **kwargs: object):
    return play_phase(started(rng, **kwargs), rng, NOW)


def test_a_copy_round_offers_another_players_original_for_50(rng: random.Random) -> None:
    state = copy_phase(rng, humans=4)
    assert state.phase is Phase.COPY
    after, round_ = start_round(state, HOST, RoundKind.COPY, NOW, rng)
    original = state.original(round_.original_id)
    assert original.player_id != HOST
    assert round_.original_phrase == original.phrase and round_.prompt_text == ""
    assert round_.cost == 50
    assert after.participant(HOST).wallet == state.participant(HOST).wallet - 50


def test_a_copy_must_differ_from_its_original_and_the_other_copy(rng: random.Random) -> None:
    state = copy_phase(rng, humans=4)
    state, round_ = start_round(state, HOST, RoundKind.COPY, NOW, rng)
    with pytest.raises(errors.InvalidPhrase, match="Copy must differ from the original phrase"):
        submit(state, HOST, round_.round_id, round_.original_phrase.upper(), NOW)
    state, _ = submit(state, HOST, round_.round_id, "something else entirely", NOW)
    other = next(pid for pid, ids in state.copy_plan if pid != HOST and round_.original_id in ids)
    while True:
        state, theirs = start_round(state, other, RoundKind.COPY, NOW, rng)
        if theirs.original_id == round_.original_id:
            break
        state, _ = submit(state, other, theirs.round_id, "filler words here", NOW)
    with pytest.raises(errors.InvalidPhrase, match="Another copy"):
        submit(state, other, theirs.round_id, "SOMETHING else entirely", NOW)


def test_in_a_party_of_two_the_second_copy_of_the_same_original_costs_100(
    rng: random.Random,
) -> None:
    state = copy_phase(rng, humans=2)
    state, first = start_round(state, HOST, RoundKind.COPY, NOW, rng)
    state, _ = submit(state, HOST, first.round_id, "copy number one", NOW)
    state, second = start_round(state, HOST, RoundKind.COPY, NOW, rng)
    assert second.original_id == first.original_id
    assert (first.cost, second.cost) == (50, 100)


def test_copying_past_the_plan_is_refused(rng: random.Random) -> None:
    # Nine players with one copy each can complete only four originals: one of them has
    # nothing to copy.
    config = PartyConfig(min_players=2, max_players=9, copies_per_player=1)
    state = copy_phase(rng, humans=9, config=config)
    idle = next(pid for pid, ids in state.copy_plan if not ids)
    with pytest.raises(errors.NothingToCopy, match="No prompts available for copying"):
        start_round(state, idle, RoundKind.COPY, NOW, rng)


def vote_phase(rng: random.Random, **kwargs: object):
    return play_phase(copy_phase(rng, **kwargs), rng, NOW)


def test_a_vote_round_offers_a_phraseset_the_voter_had_no_part_in(rng: random.Random) -> None:
    state = vote_phase(rng, humans=6)
    assert state.phase is Phase.VOTE
    after, round_ = start_round(state, HOST, RoundKind.VOTE, NOW, rng)
    phraseset = state.phraseset(round_.phraseset_id)
    assert HOST not in phraseset.contributors
    assert sorted(round_.phrases) == sorted(phraseset.phrases)
    assert round_.prompt_text == phraseset.original.prompt_text
    assert (
        round_.cost == 10 and after.participant(HOST).wallet == state.participant(HOST).wallet - 10
    )


def test_a_correct_vote_pays_20_and_a_wrong_one_nothing(rng: random.Random) -> None:
    state = vote_phase(rng, humans=6)
    state, round_ = start_round(state, HOST, RoundKind.VOTE, NOW, rng)
    phraseset = state.phraseset(round_.phraseset_id)
    wallet = state.participant(HOST).wallet
    right, submission = submit(state, HOST, round_.round_id, phraseset.original.phrase.upper(), NOW)
    assert submission.correct is True and submission.payout == 20
    assert right.participant(HOST).wallet == wallet + 20
    assert right.votes[-1].phrase == phraseset.original.phrase
    wrong, submission = submit(state, HOST, round_.round_id, phraseset.copies[0].phrase, NOW)
    assert submission.correct is False and submission.payout == 0
    assert wrong.participant(HOST).wallet == wallet


def test_a_vote_must_be_one_of_the_offered_phrases(rng: random.Random) -> None:
    state = vote_phase(rng, humans=6)
    state, round_ = start_round(state, HOST, RoundKind.VOTE, NOW, rng)
    with pytest.raises(errors.InvalidPhrase, match="Vote must be one of the offered phrases"):
        submit(state, HOST, round_.round_id, "not on the list", NOW)


def test_no_phraseset_left_to_vote_on_is_refused(rng: random.Random) -> None:
    # Two players copy each other's originals twice: neither has anything to vote on (so the
    # session would settle straight into RESULTS; advance one phase only).
    state = copy_phase(rng, humans=2)
    state, _ = play_turns(state, [HOST, "p1"], NOW, rng)
    state = advance(state, NOW, rng, TIMERS)
    assert state.phase is Phase.VOTE and len(state.phrasesets) == 2
    with pytest.raises(errors.NothingToVote, match="No phrasesets available for voting"):
        start_round(state, HOST, RoundKind.VOTE, NOW, rng)
