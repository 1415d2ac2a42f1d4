"""A room's game survives its actor crashing and the whole process restarting."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from engine.apps.liaptui import game as rules
from engine.apps.liaptui import room as room_module
from engine.apps.liaptui import table as table_module
from engine.apps.liaptui.settings import Settings
from engine.apps.liaptui.testing import (
    LocalClient,
    ScriptedPlayer,
    create_room,
    live_room,
    open_local_liaptui,
    room_state,
)
from engine.store import open_store

NAMES = ("Alice", "Bob", "Carol", "Dave")
FAST = Settings(bot_delay=0, turn_pause=0, seed=11)


class Seat:
    """One player's client: plays as a `ScriptedPlayer` while ``playing``, logs everything."""

    def __init__(self, name: str, client: LocalClient) -> None:
        self.name, self.client, self.player = name, client, ScriptedPlayer(name)
        self.log: list[dict[str, Any]] = []
        self.playing = True
        self.over = trio.Event()
        client.on_message = self.on_message

    def on_message(self, message: dict[str, Any]) -> None:
        self.log.append(message)
        moves = self.player.observe(message)
        if self.playing:
            for move, data in moves:
                self.client.send(move, data)
        if message["event"] == "game_over":
            self.over.set()

    @property
    def last_sequence(self) -> int:
        return max(msg.get("sequence_number", 0) for msg in self.log)


async def seat_everyone(directory: Any) -> tuple[str, dict[str, Seat], dict[str, str]]:
    created = await create_room(directory, "Table", "Alice")
    room = live_room(directory, created.room_id)
    seats, tokens = {}, {}
    for name in NAMES:
        seat = Seat(name, LocalClient.connect(room))
        token = {"player_token": created.player_token} if name == "Alice" else {}
        seat.client.send("join_room", player_name=name, **token)
        seats[name] = seat
    await room_state(directory, created.room_id)
    for name, seat in seats.items():
        tokens[name] = next(msg for msg in seat.log if msg["event"] == "room_joined")["data"][
            "player_token"
        ]
    return created.room_id, seats, tokens


async def test_a_restart_brings_the_game_back_and_the_players_take_their_seats() -> None:
    async with open_store("memory://") as store:
        async with open_local_liaptui(FAST, store=store) as first:
            room_id, seats, tokens = await seat_everyone(first)
            halfway = trio.Event()

            def pause_after_ten_plays(message: dict[str, Any], seat: Seat = seats["Alice"]) -> None:
                Seat.on_message(seat, message)
                plays = sum(msg["event"] == "play_accepted" for msg in seat.log)
                if plays >= 10 and not halfway.is_set():
                    for each in seats.values():
                        each.playing = False
                    halfway.set()

            seats["Alice"].client.on_message = pause_after_ten_plays
            seats["Alice"].client.send("start_game")
            with trio.fail_after(10):
                await halfway.wait()
            before = await room_state(first, room_id)
        # The engine went down: the players were told, then their connections closed.
        notice = [msg for msg in seats["Bob"].log if msg["event"] == "error"][-1]
        closed = seats["Bob"].client.closed
        assert notice["error"]["code"] == "4003" and closed is not None and closed.code == 1001

        async with open_local_liaptui(FAST, store=store) as second:
            room = live_room(second, room_id)
            after = await room_state(second, room_id)
            assert after.current_game.hands == before.current_game.hands and after.seq == before.seq
            # Not replaced by bots: the server went away, the players did not.
            assert not any(seat is not None and seat.is_bot for seat in after.seats)
            assert not any(player.is_active for player in after.current_game.players)

            back = {}
            for name in NAMES:
                seat = back[name] = Seat(name, LocalClient.connect(room))
                seat.client.send(
                    "join_room",
                    player_name=name,
                    player_token=tokens[name],
                    last_sequence=seats[name].last_sequence,
                )
            with trio.fail_after(30):
                for seat in back.values():
                    await seat.over.wait()
            for name, seat in back.items():
                # What each missed: the events after the last it saw, up to its return (the
                # others' returns included), replayed from the store's log before "reconnected".
                events = [msg["event"] for msg in seat.log]
                reconnected = seat.log[events.index("reconnected")]["data"]
                replayed = [
                    msg["sequence_number"]
                    for msg in seat.log[: events.index("reconnected")]
                    if "sequence_number" in msg
                ]
                expected = list(
                    range(seats[name].last_sequence + 1, reconnected["current_sequence"] + 1)
                )
                assert replayed == expected and reconnected["missed_events"] == len(expected)
            final = await room_state(second, room_id)
            assert final.current_game.phase is rules.Phase.GAME_OVER


async def test_the_lobby_lists_restored_rooms() -> None:
    async with open_store("memory://") as store:
        async with open_local_liaptui(FAST, store=store) as first:
            created = await create_room(first, "Open", "Alice")
            alice = LocalClient.connect(live_room(first, created.room_id))
            alice.send("join_room", player_name="Alice", player_token=created.player_token)
            await alice.receive("room_joined")
        async with open_local_liaptui(FAST, store=store) as second:
            await room_state(second, created.room_id)
            listed = tuple(second.rooms.listing())
            assert [(room.room_id, room.players) for room in listed] == [
                (created.room_id, ("Alice",))
            ]


async def test_a_crashed_room_reloads_and_takes_its_connections_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashed = trio.Event()
    real = table_module.choose_action

    def buggy_once(game: rules.Game, seat: int) -> Any:
        if not crashed.is_set() and game.phase is rules.Phase.TURN:
            crashed.set()
            raise RuntimeError("a bug in a bot")
        return real(game, seat)

    monkeypatch.setattr(table_module, "choose_action", buggy_once)
    async with open_local_liaptui(FAST) as directory:
        created = await create_room(directory, "Table", "Alice")
        room = live_room(directory, created.room_id)
        alice = Seat("Alice", LocalClient.connect(room))
        alice.client.send("join_room", player_name="Alice", player_token=created.player_token)
        alice.client.send("start_game")
        with trio.fail_after(10):
            await crashed.wait()
        # The restarted room reloads its last commit and carries on; Alice's connection is
        # still open and is taken back, with what it missed, as soon as it says anything.
        state = await room_state(directory, created.room_id)
        assert state.game is not None and room.alive
        alice.client.send("ping", client_time=0)
        with trio.fail_after(30):
            await alice.over.wait()
        numbers = [msg["sequence_number"] for msg in alice.log if "sequence_number" in msg]
        assert sorted(set(numbers)) == list(range(numbers[0], numbers[-1] + 1))


async def test_a_join_that_crashed_the_room_is_undone_and_can_be_made_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = room_module.room_data
    crashed = trio.Event()

    def buggy_once(state: Any) -> Any:
        if not crashed.is_set():
            crashed.set()
            raise RuntimeError("a bug while seating")
        return real(state)

    monkeypatch.setattr(room_module, "room_data", buggy_once)
    async with open_local_liaptui(FAST) as directory:
        created = await create_room(directory, "Table", "Alice")
        room = live_room(directory, created.room_id)
        alice = LocalClient.connect(room)
        alice.send("join_room", player_name="Alice", player_token=created.player_token)
        with trio.fail_after(10):
            await crashed.wait()
        # The restarted room has not seated her (that join was never committed): she is a
        # visitor again, told so if she acts, and may join again with the same token.
        alice.send("start_game")
        refused = await alice.receive("error")
        assert refused["error"]["details"]["reason"] == "not_joined"
        alice.send("join_room", player_name="Alice", player_token=created.player_token)
        joined = await alice.receive("room_joined")
        assert joined["data"]["position"] == 0 and room.alive
