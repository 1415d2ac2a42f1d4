"""A room's game as a persistent actor: moves from players, bots and clocks become the room's
events.

`GameTable` is the half of the room actor that plays: it applies a move with the rules
(`game`), publishes what the outcomes say happened, sends each player its hand, and plans the
clocks (`pacing`): bots' moves, humans' timeouts, the next deal. `RoomActor` adds the players'
connections, the seats and the lobby.

Guarantees: a move is applied whole or not at all (a refused one raises before any change); the
room's events for it are numbered in order and leave only once committed; every seat the game
waits for has exactly one pending wake-up after every change.
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection
from typing import Any

import attrs

from engine.actors import Rejection, on
from engine.net import EventStream, Peer
from engine.store import PersistentActor, Record, Store

from . import game as rules
from . import messages as m
from .audience import Audience
from .bots import choose_action
from .errors import LiaptuiError
from .outcomes import Action, HandsDealt, Outcome, PlayAccepted, Redealt, TurnWon
from .pacing import ROUND, Pacer, seat_key
from .pieces import SEATS
from .settings import Settings
from .state import STATE_CONVERTER, RoomState, Seat
from .views import event_for, hand_updated_data, player_timeout_data

__all__ = ["GameTable"]

# The rules raise LiaptuiError without importing the runtime; to the runtime it is a refusal
# (the asker gets it, the room carries on), not a crash.
Rejection.register(LiaptuiError)

# What `bot_activated` says of the bots' strength: there is one strategy, a middling one.
_BOT_DIFFICULTY = "medium"


class GameTable(PersistentActor[RoomState]):
    """The game of room ``room_id``, saved under ``("liaptui.room", room_id)``."""

    kind = "liaptui.room"
    state_type = RoomState
    converter = STATE_CONVERTER

    def __init__(
        self, store: Store, room_id: str, *, settings: Settings, preloaded: Record | None = None
    ) -> None:
        super().__init__(store, room_id, preloaded=preloaded)
        self.settings = settings
        seed = f"{settings.seed}:{room_id}" if settings.seed is not None else None
        self.rng = random.Random(seed)
        self.audience = Audience(room_id, EventStream(capacity=settings.event_capacity), self)
        self.pacer = Pacer(self, settings.bot_delay, settings.turn_pause)

    # -- moves the room makes itself ---------------------------------------------------------

    @on(m.BotMove)
    def bot_move(self, message: m.BotMove) -> None:
        if self.pacer.consume(seat_key(message.seat), message.stamp):
            self._apply(choose_action(self.state.game, message.seat))

    @on(m.ActionTimeout)
    def action_timeout(self, message: m.ActionTimeout) -> None:
        if self.pacer.consume(seat_key(message.seat), message.stamp):
            game = self.state.game
            action = rules.timeout_action(game, message.seat)
            timeout = player_timeout_data(game, action, self.state.action_timeout)
            self._publish("player_timeout", timeout)
            self._apply(action)

    @on(m.NextRound)
    async def next_round(self, message: m.NextRound) -> None:
        if not self.pacer.consume(ROUND, message.stamp):
            return
        self._advance(*rules.next_round(self.state.game, self.rng))
        # Only the newest events are ever replayed (`RoomActor.on_loaded` reads no further back).
        older = self.state.seq - self.audience.events.capacity
        if older > 0:
            await self.store.trim_events(self.kind, self.key, older)

    # -- playing -----------------------------------------------------------------------------

    def _apply(self, action: Action) -> None:
        before = self.state.game
        game, outcomes = rules.apply(before, action, self.rng)
        # Weak hands decide together: one decision leaves the others' deadline where it was.
        deciding = (
            before.phase is rules.Phase.PREPARATION and game.phase is rules.Phase.PREPARATION
            and not any(isinstance(outcome, Redealt) for outcome in outcomes)
        )
        self._advance(game, outcomes, keep=deciding)

    def _advance(
        self, game: rules.Game, outcomes: tuple[Outcome, ...], keep: bool = False
    ) -> None:
        """Make ``game`` the room's game and tell everyone what ``outcomes`` say happened."""
        duration = round(time.time() - self.state.game_started_at, 3)
        for outcome in outcomes:
            shown = event_for(game, outcome, game_duration=duration)
            if shown is not None:
                self._publish(*shown)
            if isinstance(outcome, HandsDealt):
                for seat in self.audience.connected_seats():
                    self.audience.tell_hand(seat, hand_updated_data(game, seat))
            elif isinstance(outcome, PlayAccepted):
                self.audience.tell_hand(outcome.seat, hand_updated_data(game, outcome.seat))
        self.state = attrs.evolve(self.state, game=game)
        paused = any(isinstance(outcome, TurnWon) for outcome in outcomes)
        self._plan(fresh=() if keep else None, pause=paused)

    def _hand_to_bot(self, seat: int, reason: str) -> None:
        """A bot plays for ``seat`` from now on (until its human takes it back)."""
        held = self.state.seats[seat]
        self._set_bot(seat, True)
        self._set_active(seat, False)
        self._publish("bot_activated", {
            "player": held.name, "position": seat, "reason": reason,
            "bot_difficulty": _BOT_DIFFICULTY,
        })
        self._plan(fresh={seat})

    # -- bookkeeping -------------------------------------------------------------------------

    def _set_seat(self, index: int, seat: Seat | None) -> None:
        self.state = self.state.with_seat(index, seat)

    def _set_bot(self, seat: int, bot: bool) -> None:
        """Whether a bot plays ``seat``, in the room and in the game."""
        self._set_seat(seat, attrs.evolve(self.state.seats[seat], is_bot=bot))
        game = self.state.game
        if game is not None and game.players[seat].is_bot != bot:
            self.state = attrs.evolve(self.state, game=rules.set_player(game, seat, is_bot=bot))

    def _set_active(self, seat: int, active: bool) -> None:
        game = self.state.game
        if game is not None and game.players[seat].is_active != active:
            game = rules.set_player(game, seat, is_active=active)
            self.state = attrs.evolve(self.state, game=game)

    def _publish(self, event: str, data: dict[str, Any], *, exclude: Peer | None = None) -> None:
        seq = self.audience.publish(event, data, exclude=exclude)
        # Saved with the event, so that a restart carries on numbering after it.
        self.state = attrs.evolve(self.state, seq=seq)

    def _humans(self, *, connected: bool = False) -> list[int]:
        """Seats that belong to a human (who may take them back), in seat order."""
        present = self.audience.connected_seats()
        return [
            index for index, seat in enumerate(self.state.seats)
            if seat is not None and seat.token_hash and (not connected or index in present)
        ]

    def _plan(self, *, fresh: Collection[int] | None = None, pause: bool = False) -> None:
        """Re-arm the clocks; only the seats in ``fresh`` get new ones (None: every seat)."""
        bots = {i for i, seat in enumerate(self.state.seats) if seat is not None and seat.is_bot}
        keep = () if fresh is None else set(SEATS) - set(fresh)
        self.pacer.plan(
            self.state.game, bots, action_timeout=self.state.action_timeout, keep=keep, pause=pause
        )
