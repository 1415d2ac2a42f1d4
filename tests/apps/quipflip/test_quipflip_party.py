"""The session value: lookups, money moves, and storing it."""

from __future__ import annotations

import json
import random

import pytest

from engine.apps.quipflip import errors
from engine.apps.quipflip.party import (
    STATE_CONVERTER,
    PartyState,
    Phase,
    Transaction,
    TransactionKind,
    new_id,
)

from quipflip_play import HOST, make_lobby, play_phase, started

NOW = 2010.0


def test_ids_come_from_the_injected_random() -> None:
    assert new_id(random.Random(1)) == new_id(random.Random(1))
    assert new_id(random.Random(1)) != new_id(random.Random(2))
    assert new_id(random.Random(1))[14] == "4"  # a version 4 UUID


def test_lookups_refuse_strangers_and_unknown_rounds() -> None:
    state = make_lobby(random.Random(2), humans=2)
    assert state.participant(HOST).player_id == HOST and state.find("nobody") is None
    with pytest.raises(errors.NotInSession):
        state.participant("nobody")
    with pytest.raises(errors.RoundNotFound):
        state.round("nothing")


def test_transact_moves_wallets_and_keeps_the_ledger_in_order() -> None:
    state = make_lobby(random.Random(3), humans=2)
    moved = state.transact(
        Transaction(HOST, -100, TransactionKind.PROMPT_ENTRY, "r1"),
        Transaction("p1", 20, TransactionKind.VOTE_PAYOUT, "r2"),
        Transaction(HOST, 30, TransactionKind.PRIZE_PAYOUT, "ps"),
    )
    assert moved.participant(HOST).wallet == 4930 and moved.participant("p1").wallet == 5020
    assert [t.reference_id for t in moved.ledger] == ["r1", "r2", "ps"]
    assert state.ledger == ()  # the original is untouched


@pytest.mark.parametrize("phases", range(4))
def test_a_session_survives_storing_at_every_phase(phases: int) -> None:
    rng = random.Random(4)
    state = started(rng, humans=3, ais=3)
    for _ in range(phases):
        state = play_phase(state, rng, NOW)
    stored = json.loads(json.dumps(STATE_CONVERTER.unstructure(state)))
    assert STATE_CONVERTER.structure(stored, PartyState) == state
    assert state.phase is [Phase.PROMPT, Phase.COPY, Phase.VOTE, Phase.RESULTS][phases]
