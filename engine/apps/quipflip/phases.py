"""Moving a session from phase to phase: PROMPT -> COPY -> VOTE -> RESULTS.

A phase ends when every ACTIVE participant is done with it (``progress.phase_complete``) or
when its timer runs out (``timed_out``), whichever comes first; ``advance`` then:

- expires the rounds still open and refunds their entries;
- PROMPT -> COPY: plans who copies which original (``assignment.plan_copies``);
- COPY -> VOTE: makes a phraseset of every original with its two copies; an original left
  with fewer is no phraseset, and its writer and copiers get their entries back;
- VOTE -> RESULTS: pays each phraseset's prize pool out to its writers (``economy``); the
  session is COMPLETED.

``settle`` advances for as long as the current phase is already complete (a phase in which
nobody owes anything, say), so the caller never waits on a phase with nothing to do.
"""

from __future__ import annotations

import random

import attrs

from . import economy
from .assignment import plan_copies
from .party import (
    PartyState,
    Phase,
    PhaseTimers,
    Phraseset,
    RoundStatus,
    SessionStatus,
    Transaction,
    TransactionKind,
    new_id,
)
from .progress import phase_complete

__all__ = ["advance", "settle", "timed_out"]

_NEXT = {Phase.PROMPT: Phase.COPY, Phase.COPY: Phase.VOTE, Phase.VOTE: Phase.RESULTS}


def timed_out(state: PartyState, now: float) -> bool:
    """Whether the current phase's timer has run out at ``now``."""
    return state.phase_expires_at is not None and now >= state.phase_expires_at


def advance(state: PartyState, now: float, rng: random.Random, timers: PhaseTimers) -> PartyState:
    """The session in its next phase. Only for a playing phase (PROMPT, COPY or VOTE)."""
    following = _NEXT[state.phase]
    state = _expire_open_rounds(state)
    if following is Phase.COPY:
        players = [p.player_id for p in state.active]
        plan = plan_copies(state.originals, players, state.config.copies_per_player, rng)
        state = attrs.evolve(state, copy_plan=tuple(plan.items()))
    elif following is Phase.VOTE:
        state = _form_phrasesets(state, rng)
    else:
        state = _pay_prizes(state)
        return attrs.evolve(
            state,
            phase=Phase.RESULTS,
            status=SessionStatus.COMPLETED,
            completed_at=now,
            phase_started_at=now,
            phase_expires_at=None,
        ).bumped()
    return attrs.evolve(
        state,
        phase=following,
        phase_started_at=now,
        phase_expires_at=now + timers.seconds(following),
    ).bumped()


def settle(
    state: PartyState, now: float, rng: random.Random, timers: PhaseTimers
) -> tuple[PartyState, tuple[Phase, ...]]:
    """The session advanced through every phase that is already complete, and the phases it
    entered, in order (none when the current phase still waits for someone)."""
    entered: list[Phase] = []
    while phase_complete(state):
        state = advance(state, now, rng, timers)
        entered.append(state.phase)
    return state, tuple(entered)


def _expire_open_rounds(state: PartyState) -> PartyState:
    refunds = []
    for round_ in state.rounds:
        if round_.status is RoundStatus.ACTIVE:
            state = state.with_round(attrs.evolve(round_, status=RoundStatus.EXPIRED))
            if round_.cost:
                refunds.append(
                    Transaction(
                        round_.player_id, round_.cost, TransactionKind.REFUND, round_.round_id
                    )
                )
    return state.transact(*refunds)


def _form_phrasesets(state: PartyState, rng: random.Random) -> PartyState:
    phrasesets = []
    refunds = []
    for original in state.originals:
        copies = [c for c in state.copies if c.original_id == original.original_id]
        if len(copies) == 2:
            phrasesets.append(Phraseset(new_id(rng), original, (copies[0], copies[1])))
            continue
        for round_id in (original.original_id, *(c.round_id for c in copies)):
            round_ = state.round(round_id)
            refunds.append(
                Transaction(round_.player_id, round_.cost, TransactionKind.REFUND, round_id)
            )
    return attrs.evolve(state, phrasesets=tuple(phrasesets)).transact(*refunds)


def _pay_prizes(state: PartyState) -> PartyState:
    payouts = []
    for phraseset in state.phrasesets:
        votes = [v for v in state.votes if v.phraseset_id == phraseset.phraseset_id]
        tally = [sum(1 for v in votes if v.phrase == phrase) for phrase in phraseset.phrases]
        writers = (phraseset.original.player_id, *(c.player_id for c in phraseset.copies))
        pool = economy.prize_pool(
            votes=len(votes),
            correct_votes=tally[0],
            same_copier=writers[1] == writers[2],
        )
        for writer, amount in zip(
            writers, economy.role_payouts(pool, tally[0], tally[1:]), strict=False
        ):
            if amount:
                payouts.append(
                    Transaction(
                        writer, amount, TransactionKind.PRIZE_PAYOUT, phraseset.phraseset_id
                    )
                )
    return state.transact(*payouts)
