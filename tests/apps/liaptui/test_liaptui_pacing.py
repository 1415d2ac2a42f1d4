"""The pacer: one pending wake-up per waiting seat, stamps that make stale ones harmless."""

from __future__ import annotations

import random
from collections.abc import Hashable
from typing import Any

import attrs

from engine.apps.liaptui import game as rules
from engine.apps.liaptui.messages import ActionTimeout, BotMove, NextRound
from engine.apps.liaptui.pacing import ROUND, Pacer, seat_key


@attrs.define
class Owner:
    """Records the timers and the messages told at once."""

    timers: dict[Hashable, tuple[float, Any]] = attrs.field(factory=dict)
    told: list[Any] = attrs.field(factory=list)

    def start_timer(self, key: Hashable, delay: float, message: Any) -> None:
        self.timers[key] = (delay, message)

    def cancel_timer(self, key: Hashable) -> bool:
        return self.timers.pop(key, None) is not None

    @property
    def ref(self) -> Any:
        return self

    def tell(self, message: Any) -> None:
        self.told.append(message)


def a_game(phase: rules.Phase) -> rules.Game:
    for seed in range(5000):
        game, _ = rules.start_game(["A", "B", "C", "D"], random.Random(seed))
        if game.phase is phase and (
            phase is not rules.Phase.PREPARATION or len(game.weak_seats) >= 2
        ):
            return game
    raise AssertionError(f"no {phase} game in 5000 seeds")


def test_a_human_gets_a_timeout_and_a_bot_a_move() -> None:
    game = a_game(rules.Phase.DECLARATION)
    [seat] = rules.who_must_act(game)
    owner = Owner()
    Pacer(owner, bot_delay=1.0, turn_pause=2.0).plan(game, bots=(), action_timeout=30)
    delay, message = owner.timers[seat_key(seat)]
    assert delay == 30 and isinstance(message, ActionTimeout) and message.seat == seat
    owner = Owner()
    Pacer(owner, bot_delay=1.0, turn_pause=2.0).plan(
        game, bots={seat}, action_timeout=30, pause=True
    )
    delay, message = owner.timers[seat_key(seat)]
    assert delay == 3.0 and isinstance(message, BotMove)


def test_zero_delays_are_told_at_once_and_stale_stamps_refused() -> None:
    game = a_game(rules.Phase.DECLARATION)
    [seat] = rules.who_must_act(game)
    owner = Owner()
    pacer = Pacer(owner, bot_delay=0, turn_pause=0)
    pacer.plan(game, bots={seat}, action_timeout=30)
    pacer.plan(game, bots={seat}, action_timeout=30)
    first, second = owner.told
    assert not owner.timers
    assert not pacer.consume(seat_key(seat), first.stamp)
    assert pacer.consume(seat_key(seat), second.stamp)
    assert not pacer.consume(seat_key(seat), second.stamp)


def test_kept_seats_keep_their_deadline() -> None:
    game = a_game(rules.Phase.PREPARATION)
    first, second = game.weak_seats[:2]
    owner = Owner()
    pacer = Pacer(owner, bot_delay=1.0, turn_pause=0)
    pacer.plan(game, bots=(), action_timeout=30)
    stamp = owner.timers[seat_key(second)][1].stamp
    decided, _ = rules.decide_redeal(game, first, False, random.Random(0))
    pacer.plan(decided, bots=(), action_timeout=30, keep={0, 1, 2, 3})
    assert seat_key(first) not in owner.timers
    assert owner.timers[seat_key(second)][1].stamp == stamp


def test_a_scored_round_is_followed_by_the_next_deal_once() -> None:
    game = attrs.evolve(a_game(rules.Phase.DECLARATION), phase=rules.Phase.SCORING)
    owner = Owner()
    pacer = Pacer(owner, bot_delay=0, turn_pause=2.5)
    pacer.plan(game, bots=(), action_timeout=30)
    delay, message = owner.timers[ROUND]
    pacer.plan(game, bots=(), action_timeout=30)
    assert delay == 2.5 and isinstance(message, NextRound) and owner.timers[ROUND][1] is message
    pacer.plan(None, bots=(), action_timeout=30)
    assert not owner.timers
