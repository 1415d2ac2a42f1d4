"""Liap Tui games in a known state, made with the pure rules (reproducible: seeded)."""

from __future__ import annotations

import random

import attrs

from engine.apps.liaptui import bots
from engine.apps.liaptui.game import (
    Game,
    Phase,
    apply,
    declare,
    next_round,
    start_game,
    who_must_act,
)
from engine.apps.liaptui.outcomes import Outcome

NAMES = ["Alice", "Bob", "Carol", "David"]


def started(seed: int = 0) -> Game:
    """Just dealt; Bob (seat 1) is a bot."""
    game, _ = start_game(NAMES, random.Random(seed), bots=[False, True, False, False])
    return game


def declaring(seed: int = 0) -> Game:
    """`started`, declaring from Alice on, with no weak hand."""
    return attrs.evolve(started(seed), phase=Phase.DECLARATION, weak_seats=(), starter=0)


def turning(seed: int = 0) -> Game:
    """`declaring` after declarations 1, 2, 2, 1: Alice leads the first turn."""
    game = declaring(seed)
    for seat, value in zip(range(4), [1, 2, 2, 1], strict=True):
        game, _ = declare(game, seat, value)
    return game


def play_bot_game(seed: int) -> tuple[Game, list[tuple[Game, tuple[Outcome, ...]]]]:
    """A whole game of four bots: the last game, and every game with the outcomes that made
    it, in order."""
    rng = random.Random(seed)
    game, outcomes = start_game(NAMES, rng, bots=[True] * 4)
    seen = [(game, outcomes)]
    while game.phase is not Phase.GAME_OVER:
        if game.phase is Phase.SCORING:
            game, outcomes = next_round(game, rng)
        else:
            game, outcomes = apply(game, bots.choose_action(game, who_must_act(game)[0]), rng)
        seen.append((game, outcomes))
    return game, seen
