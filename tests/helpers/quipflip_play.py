"""Building Quipflip sessions for tests: lobbies, started parties, whole games, all through the
app's own rules (no shortcuts that could build a state the rules never would)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from engine.apps.quipflip import ai, lobby, phases
from engine.apps.quipflip.economy import STARTING_WALLET
from engine.apps.quipflip.party import PartyConfig, PartyState, Phase, PhaseTimers, new_id

TIMERS = PhaseTimers()
HOST = "p0"


def newcomer(rng: random.Random, index: int, wallet: int = STARTING_WALLET) -> lobby.Newcomer:
    return lobby.Newcomer(new_id(rng), f"p{index}", f"player{index}", wallet)


def make_lobby(
    rng: random.Random,
    *,
    humans: int = 1,
    ais: int = 0,
    config: PartyConfig | None = None,
    ready: bool = True,
    wallet: int = STARTING_WALLET,
) -> PartyState:
    """A lobby whose host is ``p0``, then humans ``p1``.., then AI players; joins one second
    apart from ``now`` = 1000."""
    if config is None:
        total = humans + ais
        config = PartyConfig(min_players=max(2, min(total, 9)), max_players=max(total, 2))
    state = lobby.create(
        session_id=new_id(rng),
        party_code="ABCD2345",
        host=newcomer(rng, 0, wallet),
        config=config,
        now=1000.0,
    )
    for index in range(1, humans):
        state = lobby.join(state, newcomer(rng, index, wallet), 1000.0 + index)
    for index in range(humans, humans + ais):
        state = lobby.add_ai(state, HOST, newcomer(rng, index, wallet), 1000.0 + index)
    if ready:
        for index in range(humans):
            state = lobby.mark_ready(state, f"p{index}", 1100.0)
    return state


def started(rng: random.Random, **kwargs: object) -> PartyState:
    """A party in PROMPT, started at ``now`` = 2000."""
    return lobby.start(make_lobby(rng, **kwargs), HOST, 2000.0, TIMERS)  # type: ignore[arg-type]


def play_phase(
    state: PartyState, rng: random.Random, now: float, players: Sequence[str] | None = None
) -> PartyState:
    """``players`` (everyone ACTIVE by default) play the current phase; then the session
    advances, by completion or (if someone did not play) by its timer."""
    if players is None:
        players = [p.player_id for p in state.active]
    state, _ = ai.play_turns(state, players, now, rng)
    state, entered = phases.settle(state, now, rng, TIMERS)
    if not entered:
        state = phases.advance(state, now, rng, TIMERS)
    return state


def play_game(state: PartyState, rng: random.Random, now: float = 2010.0) -> PartyState:
    """A started party played through to RESULTS by everyone."""
    while state.phase is not Phase.RESULTS:
        state = play_phase(state, rng, now)
        now += 10
    return state
