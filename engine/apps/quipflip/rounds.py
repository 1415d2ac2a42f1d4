"""Starting and submitting prompt, copy and vote rounds.

``start_round`` gives the caller a round of the current phase's kind and charges its entry:

- PROMPT: a prompt text from the built-in list, one the party has not had yet (100 coins);
- COPY: the next original of the caller's copy plan: its phrase, not its prompt (50 coins;
  100 for a second copy of the same original);
- VOTE: a phraseset the caller neither wrote nor copied nor voted on, its three phrases
  shuffled (10 coins).

A player has at most one round open: asking again while one is open answers that round again,
charging nothing, so a client that lost the answer can carry on. Every round expires when its
phase ends.

``submit`` takes the phrase for an open round: a prompt's original, a copy (which must differ
from its original, ignoring case), or a vote (one of the offered phrases; a vote for the
original pays 20 coins at once).
"""

from __future__ import annotations

import random

import attrs

from . import economy, errors
from .assignment import pick_phraseset
from .party import (
    Copy,
    Original,
    PartyState,
    Round,
    RoundKind,
    RoundStatus,
    Transaction,
    TransactionKind,
    Vote,
    new_id,
)
from .phrases import check_copy, check_vote, normalise
from .progress import PHASE_ROUNDS
from .prompts import draw_prompt

__all__ = ["Submission", "start_round", "submit"]

_ENTRY = {
    RoundKind.PROMPT: TransactionKind.PROMPT_ENTRY,
    RoundKind.COPY: TransactionKind.COPY_ENTRY,
    RoundKind.VOTE: TransactionKind.VOTE_ENTRY,
}
_PHASE_OF = {kind: phase for phase, kind in PHASE_ROUNDS.items()}


@attrs.frozen
class Submission:
    """An accepted submission: the round as it now is, and for a vote whether it was correct
    and what it paid."""

    round: Round
    correct: bool | None = None
    payout: int = 0


def start_round(
    state: PartyState, player_id: str, kind: RoundKind, now: float, rng: random.Random
) -> tuple[PartyState, Round]:
    """The caller's open ``kind`` round, new (and charged) or already open.

    Raises ``NotInSession``, ``WrongPhase``, ``AlreadySubmitted`` (quota met),
    ``NothingToCopy``, ``NothingToVote`` or ``InsufficientBalance``.
    """
    participant = state.participant(player_id)
    expected = _PHASE_OF[kind]
    if state.phase is not expected:
        raise errors.WrongPhase(state.phase, expected)
    already = state.open_round(player_id)
    if already is not None and already.kind is kind:
        return state, already
    quota = state.config.quota(kind)
    started = sum(
        1 for r in state.rounds_of(player_id, kind) if r.status is not RoundStatus.EXPIRED
    )
    if started >= quota:
        raise errors.AlreadySubmitted(f"Already submitted {quota} of {quota} {kind} rounds")
    assert state.phase_expires_at is not None  # set by every playing phase
    base = Round(
        round_id=new_id(rng),
        party_round_id=new_id(rng),
        kind=kind,
        player_id=player_id,
        started_at=now,
        expires_at=state.phase_expires_at,
        cost=0,
    )
    if kind is RoundKind.PROMPT:
        used = {r.prompt_text for r in state.rounds if r.kind is RoundKind.PROMPT}
        round_ = attrs.evolve(base, cost=economy.PROMPT_COST, prompt_text=draw_prompt(rng, used))
    elif kind is RoundKind.COPY:
        round_ = _copy_round(state, base, started)
    else:
        round_ = _vote_round(state, base, rng)
    if participant.wallet < round_.cost:
        raise errors.InsufficientBalance()
    entry = Transaction(player_id, -round_.cost, _ENTRY[kind], round_.round_id)
    state = attrs.evolve(state, rounds=(*state.rounds, round_)).transact(entry)
    return state.bumped(), round_


def submit(
    state: PartyState, player_id: str, round_id: str, text: str, now: float
) -> tuple[PartyState, Submission]:
    """``text`` as the phrase of the caller's open round ``round_id``.

    Raises ``RoundNotFound``, ``NotYourRound``, ``AlreadySubmitted``, ``RoundExpired`` or
    ``InvalidPhrase``.
    """
    round_ = state.round(round_id)
    if round_.player_id != player_id:
        raise errors.NotYourRound()
    if round_.status is RoundStatus.SUBMITTED:
        raise errors.AlreadySubmitted("Round already submitted")
    if round_.status is RoundStatus.EXPIRED or now >= round_.expires_at:
        raise errors.RoundExpired()
    if round_.kind is RoundKind.PROMPT:
        phrase = normalise(text)
        original = Original(round_.round_id, player_id, round_.prompt_text, phrase)
        state = attrs.evolve(state, originals=(*state.originals, original))
        outcome = Submission(attrs.evolve(round_, status=RoundStatus.SUBMITTED, phrase=phrase))
    elif round_.kind is RoundKind.COPY:
        others = [c.phrase for c in state.copies if c.original_id == round_.original_id]
        phrase = check_copy(text, round_.original_phrase, others)
        copy = Copy(round_.round_id, round_.original_id, player_id, phrase)
        state = attrs.evolve(state, copies=(*state.copies, copy))
        outcome = Submission(attrs.evolve(round_, status=RoundStatus.SUBMITTED, phrase=phrase))
    else:
        phrase = check_vote(text, round_.phrases)
        phraseset = state.phraseset(round_.phraseset_id)
        correct = phrase == phraseset.original.phrase
        vote = Vote(round_.round_id, phraseset.phraseset_id, player_id, phrase, correct)
        state = attrs.evolve(state, votes=(*state.votes, vote))
        payout = economy.CORRECT_VOTE_PAYOUT if correct else 0
        if payout:
            state = state.transact(
                Transaction(player_id, payout, TransactionKind.VOTE_PAYOUT, round_.round_id)
            )
        done = attrs.evolve(round_, status=RoundStatus.SUBMITTED, phrase=phrase)
        outcome = Submission(done, correct, payout)
    return state.with_round(outcome.round).bumped(), outcome


def _copy_round(state: PartyState, base: Round, started: int) -> Round:
    plan = state.plan_for(base.player_id)
    if started >= len(plan):
        raise errors.NothingToCopy()
    original = state.original(plan[started])
    before = sum(
        1
        for r in state.rounds_of(base.player_id, RoundKind.COPY)
        if r.original_id == original.original_id and r.status is not RoundStatus.EXPIRED
    )
    return attrs.evolve(
        base,
        cost=economy.copy_cost(before),
        original_id=original.original_id,
        # Copiers see the phrase alone: guessing the prompt is part of the game.
        original_phrase=original.phrase,
    )


def _vote_round(state: PartyState, base: Round, rng: random.Random) -> Round:
    mine = {r.phraseset_id for r in state.rounds_of(base.player_id, RoundKind.VOTE)}
    counts: dict[str, int] = {}
    for r in state.rounds:
        if r.kind is RoundKind.VOTE and r.status is not RoundStatus.EXPIRED:
            counts[r.phraseset_id] = counts.get(r.phraseset_id, 0) + 1
    phraseset = pick_phraseset(state.phrasesets, base.player_id, mine, counts, rng)
    if phraseset is None:
        raise errors.NothingToVote()
    phrases = list(phraseset.phrases)
    rng.shuffle(phrases)
    return attrs.evolve(
        base,
        cost=economy.VOTE_COST,
        phraseset_id=phraseset.phraseset_id,
        prompt_text=phraseset.original.prompt_text,
        phrases=tuple(phrases),
    )
