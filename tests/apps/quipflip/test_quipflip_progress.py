"""Quotas and who is done, phase by phase."""

from __future__ import annotations

import random

from engine.apps.quipflip.ai import play_turns
from engine.apps.quipflip.party import PartyConfig, RoundKind
from engine.apps.quipflip.progress import done, phase_complete, players_done, required

from quipflip_play import HOST, make_lobby, play_phase, started

NOW = 2010.0


def test_in_the_lobby_quotas_are_the_configured_ones_and_nobody_is_done() -> None:
    config = PartyConfig(2, 9, prompts_per_player=2, copies_per_player=3, votes_per_player=4)
    state = make_lobby(random.Random(1), humans=3, config=config)
    assert [required(state, HOST, k) for k in RoundKind] == [2, 3, 4]
    assert not done(state, HOST) and not phase_complete(state) and players_done(state) == 0


def test_done_follows_submissions_in_the_current_phase() -> None:
    rng = random.Random(2)
    state = started(rng, humans=3)
    state, _ = play_turns(state, [HOST], NOW, rng)
    assert done(state, HOST) and not done(state, "p1")
    assert players_done(state) == 1 and not phase_complete(state)
    state, _ = play_turns(state, ["p1", "p2"], NOW, rng)
    assert phase_complete(state)


def test_copy_quotas_become_the_plan_and_vote_quotas_what_can_be_voted_on() -> None:
    # Nine players, one copy each: four originals completed, one player copies nothing.
    rng = random.Random(3)
    config = PartyConfig(2, 9, copies_per_player=1, votes_per_player=5)
    state = play_phase(started(rng, humans=9, config=config), rng, NOW)
    copies = sorted(required(state, f"p{i}", RoundKind.COPY) for i in range(9))
    assert copies == [0] + [1] * 8
    idle = next(pid for pid, ids in state.copy_plan if not ids)
    assert done(state, idle)
    state = play_phase(state, rng, NOW)
    assert len(state.phrasesets) == 4
    for participant in state.participants:
        pid = participant.player_id
        eligible = sum(1 for p in state.phrasesets if pid not in p.contributors)
        assert required(state, pid, RoundKind.VOTE) == min(5, eligible)
