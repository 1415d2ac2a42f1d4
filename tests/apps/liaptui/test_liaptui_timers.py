"""A room's clocks on a MockClock: action timeouts, bots' think time, pauses, reconnect grace."""

from __future__ import annotations

from typing import Any

import trio
import trio.testing

from engine.apps.liaptui import game as rules
from engine.apps.liaptui.settings import Settings
from engine.apps.liaptui.testing import (
    LocalClient,
    ScriptedPlayer,
    create_room,
    live_room,
    open_local_liaptui,
    room_state,
)

NAMES = ("Alice", "Bob", "Carol", "Dave")


async def test_a_human_who_does_not_act_gets_an_automatic_move(
    autojump_clock: trio.testing.MockClock, make_table: Any
) -> None:
    table = await make_table(*NAMES)
    alice = table.clients["Alice"]
    alice.send("start_game")
    game = (await table.state()).game
    waiting = rules.who_must_act(game)
    began = trio.current_time()
    timeout = await alice.receive("player_timeout", timeout=60)
    assert 30 <= trio.current_time() - began < 31
    data = timeout["data"]
    assert data["player"] == game.name(waiting[0]) and data["timeout_seconds"] == 30
    if game.phase is rules.Phase.DECLARATION:
        assert data["action"] == "declare"
        assert data["auto_action"] == {
            "type": "declare",
            "value": min(rules.legal_declarations(game, waiting[0])),
        }
        accepted = await alice.receive("declaration_accepted")
        assert accepted["data"]["player"] == data["player"]
    else:
        assert data["auto_action"] == {"type": "decline_redeal", "value": False}
        await alice.receive("redeal_decision_accepted")


async def test_a_room_may_have_its_own_action_timeout(
    autojump_clock: trio.testing.MockClock, make_table: Any
) -> None:
    table = await make_table(*NAMES, action_timeout=10)
    table.clients["Alice"].send("start_game")
    await table.state()
    began = trio.current_time()
    timeout = await table.clients["Alice"].receive("player_timeout", timeout=60)
    assert timeout["data"]["timeout_seconds"] == 10
    assert 10 <= trio.current_time() - began < 11


async def test_bots_think_turns_and_rounds_pause_as_configured(
    autojump_clock: trio.testing.MockClock,
) -> None:
    settings = Settings(bot_delay=1.5, turn_pause=4.0, seed=3)
    async with open_local_liaptui(settings) as directory:
        created = await create_room(directory, "R", "Alice")
        alice = LocalClient.connect(live_room(directory, created.room_id))
        player = ScriptedPlayer("Alice")
        moves: list[tuple[str, float]] = []
        deals: list[tuple[str, int, float]] = []
        second_round = trio.Event()

        def on_message(message: dict[str, Any]) -> None:
            now, data = trio.current_time(), message.get("data") or {}
            if message["event"] in (
                "declaration_accepted",
                "play_accepted",
                "redeal_decision_accepted",
            ):
                moves.append((data["player"], now))
            elif message["event"] == "phase_change":
                deals.append((data["phase"], data["game_state"]["round_number"], now))
                if data["game_state"]["round_number"] == 2:
                    second_round.set()
            for move, move_data in player.observe(message):
                alice.send(move, move_data)

        alice.on_message = on_message
        alice.send("join_room", player_name="Alice", player_token=created.player_token)
        alice.send("start_game")
        with trio.fail_after(3600):
            await second_round.wait()
    # A bot moves 1.5 s after the move before it, or 1.5 s after the 4 s pause of a won turn
    # (the first move of a round comes 1.5 s after the deal, itself 4 s after the scoring).
    gaps = {
        round(at - moves[i - 1][1], 6) for i, (who, at) in enumerate(moves) if i and who != "Alice"
    }
    assert gaps and gaps <= {1.5, 5.5}
    scored = next(at for phase, _, at in deals if phase == "SCORING")
    dealt = next(at for phase, number, at in deals if number == 2)
    assert dealt - scored == 4.0


async def test_a_room_without_humans_closes_after_the_grace(
    autojump_clock: trio.testing.MockClock,
) -> None:
    settings = Settings(bot_delay=0, turn_pause=0, reconnect_grace=300, seed=1)
    async with open_local_liaptui(settings) as directory:
        created = await create_room(directory, "R", "Alice")
        room = live_room(directory, created.room_id)
        alice = LocalClient.connect(room)
        alice.send("join_room", player_name="Alice", player_token=created.player_token)
        await alice.receive("room_joined")
        assert tuple(directory.rooms.listing())
        alice.disconnect(1006)
        began = trio.current_time()
        reason = await room.wait_stopped()
        assert reason == "normal" and 300 <= trio.current_time() - began < 301
        assert directory.find(created.room_id) is None
        assert await directory.store.load("liaptui.room", created.room_id) is None
        assert tuple(directory.rooms.listing()) == ()


async def test_coming_back_within_the_grace_keeps_the_room(
    autojump_clock: trio.testing.MockClock,
) -> None:
    settings = Settings(bot_delay=0, turn_pause=0, reconnect_grace=300, seed=1)
    async with open_local_liaptui(settings) as directory:
        created = await create_room(directory, "R", "Alice")
        room = live_room(directory, created.room_id)
        alice = LocalClient.connect(room)
        alice.send("join_room", player_name="Alice", player_token=created.player_token)
        token = (await alice.receive("room_joined"))["data"]["player_token"]
        alice.disconnect(1006)
        await trio.sleep(299)
        again = LocalClient.connect(room)
        again.send("join_room", player_name="Alice", player_token=token)
        await again.receive("reconnected")
        await trio.sleep(600)
        assert (
            room.alive
            and (await room_state(directory, created.room_id)).occupant(0).name == "Alice"
        )


async def test_a_room_nobody_joins_closes_after_the_grace(
    autojump_clock: trio.testing.MockClock,
) -> None:
    settings = Settings(reconnect_grace=60)
    async with open_local_liaptui(settings) as directory:
        created = await create_room(directory, "R", "Alice")
        room = live_room(directory, created.room_id)
        assert await room.wait_stopped() == "normal"
        assert await directory.store.load("liaptui.room", created.room_id) is None
