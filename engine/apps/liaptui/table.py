"""A room's game as a party: moves from players, bots and clocks become the room's events.

`GameTable` is the half of the room party that plays: it applies a move with the rules
(`game`), broadcasts what the outcomes say happened, sends each player its hand, and plans the
clocks (`pacing`): bots' moves, humans' timeouts, the next deal. `RoomActor` adds the players'
connections, the seats and the room's listing.

Connections are the party's ``peers``: each member's `Connection` says which seat it plays
(None: a visitor, who gets answers but not the room's events). A seated connection is filed in
the group under its seat (`seat_user`), so a seat's hand goes to it alone (``send_to``).

Guarantees: a move is applied whole or not at all (a refused one raises before any change); the
room's events for it are numbered in order and leave only once committed, as do the private
messages made with them, in the order they were made (a player's ``hand_updated`` never
overtakes the ``play_accepted`` it follows); every seat the game waits for has exactly one
pending wake-up after every change.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from typing import Any

import attrs

from engine import clock
from engine.actors import on
from engine.parties import Birth, Member, Party

from . import events as e
from . import game as rules
from . import messages as m
from .bots import choose_action
from .outcomes import Action, HandsDealt, Outcome, PlayAccepted, Redealt, TurnWon
from .pacing import ROUND, Pacer, seat_key
from .pieces import SEATS
from .protocol import server_event
from .settings import Settings
from .state import STATE_CONVERTER, RoomState, Seat
from .views import event_for, hand_updated_data, player_timeout_data

__all__ = ["VISITOR", "Connection", "GameTable", "seat_user"]

#: The group's user for connections not seated yet.
VISITOR = "visitor"
# What `bot_activated` says of the bots' strength: there is one strategy, a middling one.
_BOT_DIFFICULTY = "medium"


def seat_user(seat: int) -> str:
    """The group's user for the connection playing ``seat``."""
    return f"seat {seat}"


@attrs.define
class Connection:
    """What a room knows of one connection: the seat it plays (None: not seated) and that
    seat's token hash when it sat (a restarted room checks it against its last commit)."""

    seat: int | None = None
    token_hash: str = ""


class GameTable(Party[RoomState, Connection]):
    """The game of room ``self.key``, saved under ``("liaptui.room", room_id)``; its directory's
    context is the app's `Settings`."""

    kind = "liaptui.room"
    state_type = RoomState
    converter = STATE_CONVERTER

    def __init__(self, birth: Birth) -> None:
        super().__init__(birth)
        self.settings: Settings = self.context
        seed = f"{self.settings.seed}:{self.key}" if self.settings.seed is not None else None
        self.rng = random.Random(seed)
        self.pacer = Pacer(self, self.settings.bot_delay, self.settings.turn_pause)

    # -- moves the room makes itself ---------------------------------------------------------

    @on(m.BotMove)
    def bot_move(self, message: m.BotMove) -> None:
        if self.pacer.consume(seat_key(message.seat), message.stamp):
            self._apply(choose_action(self.state.current_game, message.seat))

    @on(m.ActionTimeout)
    def action_timeout(self, message: m.ActionTimeout) -> None:
        if self.pacer.consume(seat_key(message.seat), message.stamp):
            game = self.state.current_game
            action = rules.timeout_action(game, message.seat)
            timeout = player_timeout_data(game, action, self.state.action_timeout)
            self._broadcast("player_timeout", timeout)
            self._apply(action)

    @on(m.NextRound)
    async def next_round(self, message: m.NextRound) -> None:
        if not self.pacer.consume(ROUND, message.stamp):
            return
        self._advance(*rules.next_round(self.state.current_game, self.rng))
        # Only the newest events are ever replayed (a restart reads no further back).
        older = self.peers.events.seq - self.peers.events.capacity
        if older > 0:
            await self.store.trim_events(self.kind, self.key, older)

    # -- playing -----------------------------------------------------------------------------

    def _apply(self, action: Action) -> None:
        before = self.state.current_game
        game, outcomes = rules.apply(before, action, self.rng)
        # Weak hands decide together: one decision leaves the others' deadline where it was.
        deciding = (
            before.phase is rules.Phase.PREPARATION
            and game.phase is rules.Phase.PREPARATION
            and not any(isinstance(outcome, Redealt) for outcome in outcomes)
        )
        self._advance(game, outcomes, keep=deciding)

    def _advance(self, game: rules.Game, outcomes: tuple[Outcome, ...], keep: bool = False) -> None:
        """Make ``game`` the room's game and tell everyone what ``outcomes`` say happened."""
        duration = round(clock.now() - self.state.game_started_at, 3)
        seq = self.state.seq
        for outcome in outcomes:
            shown = event_for(game, outcome, game_duration=duration)
            if shown is not None:
                seq = self._publish(*shown)
            if isinstance(outcome, HandsDealt):
                for seat in self._connected_seats():
                    self._send_hand(game, seat)
            elif isinstance(outcome, PlayAccepted):
                self._send_hand(game, outcome.seat)
        # One new state for the move's events (rather than one per event, as `_broadcast`).
        self.state = attrs.evolve(self.state, game=game, seq=seq)
        paused = any(isinstance(outcome, TurnWon) for outcome in outcomes)
        self._plan(fresh=() if keep else None, pause=paused)

    def _hand_to_bot(self, seat: int, reason: str) -> None:
        """A bot plays for ``seat`` from now on (until its human takes it back)."""
        held = self.state.occupant(seat)
        self._set_bot(seat, True)
        self._set_active(seat, False)
        self._broadcast("bot_activated", e.BotActivated(held.name, seat, reason, _BOT_DIFFICULTY))
        self._plan(fresh={seat})

    # -- bookkeeping -------------------------------------------------------------------------

    def _set_seat(self, index: int, seat: Seat | None) -> None:
        self.state = self.state.with_seat(index, seat)

    def _set_bot(self, seat: int, bot: bool) -> None:
        """Whether a bot plays ``seat``, in the room and in the game."""
        self._set_seat(seat, attrs.evolve(self.state.occupant(seat), is_bot=bot))
        game = self.state.game
        if game is not None and game.players[seat].is_bot != bot:
            self.state = attrs.evolve(self.state, game=rules.set_player(game, seat, is_bot=bot))

    def _set_active(self, seat: int, active: bool) -> None:
        game = self.state.game
        if game is not None and game.players[seat].is_active != active:
            game = rules.set_player(game, seat, is_active=active)
            self.state = attrs.evolve(self.state, game=game)

    def _broadcast(self, event: str, data: Any, *, exclude: int | None = None) -> None:
        """Send ``event`` to every seated connection (but ``exclude``'s seat) once committed."""
        self.state = attrs.evolve(self.state, seq=self._publish(event, data, exclude=exclude))

    def _publish(self, event: str, data: Any, *, exclude: int | None = None) -> int:
        """`_broadcast` but for the state's ``seq``: the sequence number ``event`` was given.

        ``phase_change`` also carries its number and time inside ``data``, as the spec shows.
        """
        now = clock.now()
        if isinstance(data, e.PhaseChange):
            data = data.stamped(self.peers.events.seq + 1, now)
        return self.peers.broadcast(
            server_event(event, data, now=now, room_id=self.key),
            exclude=None if exclude is None else seat_user(exclude),
            where=_seated,
        )

    def _tell(self, member: Member[Connection], event: str, data: Any) -> None:
        """Send a private ``event`` to ``member`` once committed."""
        envelope = server_event(event, data, now=clock.now(), room_id=self.key)
        self.after_commit(lambda: member.send_json(envelope))

    def _send_hand(self, game: rules.Game, seat: int) -> None:
        """``hand_updated`` to the player at ``seat`` alone, once committed, marked private."""
        hand = server_event(
            "hand_updated",
            hand_updated_data(game, seat),
            now=clock.now(),
            room_id=self.key,
            private=True,
        )
        self.after_commit(lambda: self.peers.send_to(seat_user(seat), hand))

    def _seated(self) -> dict[int, Member[Connection]]:
        """The seated connections, by seat."""
        return {m.state.seat: m for m in self.peers if m.state.seat is not None}

    def _connected_seats(self) -> set[int]:
        return set(self._seated())

    def _humans(self, *, connected: bool = False) -> list[int]:
        """Seats that belong to a human (who may take them back), in seat order."""
        present = self._connected_seats()
        return [
            index
            for index, seat in enumerate(self.state.seats)
            if seat is not None and seat.token_hash and (not connected or index in present)
        ]

    def _plan(self, *, fresh: Collection[int] | None = None, pause: bool = False) -> None:
        """Re-arm the clocks; only the seats in ``fresh`` get new ones (None: every seat)."""
        bots = {i for i, seat in enumerate(self.state.seats) if seat is not None and seat.is_bot}
        keep = () if fresh is None else set(SEATS) - set(fresh)
        self.pacer.plan(
            self.state.game, bots, action_timeout=self.state.action_timeout, keep=keep, pause=pause
        )


def _seated(member: Member[Connection]) -> bool:
    return member.state.seat is not None
