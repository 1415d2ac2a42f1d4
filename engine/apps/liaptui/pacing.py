"""When a room's bots move, its humans time out and its next round is dealt.

A `Pacer` belongs to one room actor and arms that actor's own timers (Trio's clock, so
`MockClock` drives them in tests). After every change the room calls `plan` with the game and
who controls each seat; the pacer makes sure that every seat the game waits for has exactly one
pending wake-up: a `BotMove` after the bot's think time for a bot, an `ActionTimeout` after the
room's action timeout for a human; and that a scored round is followed by a `NextRound`.

Every wake-up carries a stamp, and `consume` accepts only the stamp of the seat's current wait.
That is what makes zero delays safe: a wake-up due at once is told straight to the actor rather
than timed, and so cannot be cancelled, but a stale one (the seat's human came back, the seat
already moved) is refused when it arrives. Stamps are not state: after a restart the room plans
afresh.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Hashable
from typing import Any, Protocol

import attrs

from .game import Game, Phase, who_must_act
from .messages import ActionTimeout, BotMove, NextRound
from .pieces import SEATS

__all__ = ["ROUND", "Pacer", "seat_key"]

ROUND = "round"


def seat_key(seat: int) -> tuple[str, int]:
    return ("seat", seat)


class _TimerOwner(Protocol):
    """The actor's timer tools (`engine.actors.Actor`)."""

    def start_timer(self, key: Hashable, delay: float, message: Any) -> None: ...

    def cancel_timer(self, key: Hashable) -> bool: ...

    @property
    def ref(self) -> Any: ...


@attrs.define(eq=False)
class Pacer:
    """The pending wake-ups of one room; see the module docstring."""

    owner: _TimerOwner
    bot_delay: float
    turn_pause: float
    _stamps: dict[Hashable, int] = attrs.field(factory=dict)
    _counter: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def plan(
        self,
        game: Game | None,
        bots: Collection[int],
        *,
        action_timeout: float,
        keep: Collection[int] = (),
        pause: bool = False,
    ) -> None:
        """Arm what `game` needs now; ``bots`` are the seats a bot plays.

        A seat in ``keep`` that is still waiting keeps the wake-up it has (weak hands deciding
        together share one deadline). ``pause`` adds the turn pause before the next move, after
        a won turn.
        """
        waiting = who_must_act(game) if game is not None else ()
        delay = self.turn_pause if pause else 0.0
        for seat in SEATS:
            key = seat_key(seat)
            if seat not in waiting:
                self.cancel(key)
            elif seat not in keep or key not in self._stamps:
                stamp = self._stamp(key)
                if seat in bots:
                    self._after(key, delay + self.bot_delay, BotMove(seat, stamp))
                else:
                    self._after(key, delay + action_timeout, ActionTimeout(seat, stamp))
        if game is not None and game.phase is Phase.SCORING:
            if ROUND not in self._stamps:
                self._after(ROUND, self.turn_pause, NextRound(self._stamp(ROUND)))
        else:
            self.cancel(ROUND)

    def consume(self, key: Hashable, stamp: int) -> bool:
        """Whether a wake-up is the one pending for ``key``; if so it is no longer pending."""
        if self._stamps.get(key) != stamp:
            return False
        del self._stamps[key]
        return True

    def cancel(self, key: Hashable) -> None:
        self._stamps.pop(key, None)
        self.owner.cancel_timer(key)

    def _stamp(self, key: Hashable) -> int:
        stamp = next(self._counter)
        self._stamps[key] = stamp
        return stamp

    def _after(self, key: Hashable, delay: float, message: Any) -> None:
        if delay > 0:
            self.owner.start_timer(key, delay, message)
        else:
            # A timer due now would still cost a pass through the actor's timer loop.
            self.owner.cancel_timer(key)
            self.owner.ref.tell(message)
