"""Liap Tui end to end: the real server (Hypercorn and the engine's WebSocket listener) and real
WebSocket clients speaking the spec's protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import trio

from engine.apps.liaptui.app import app, make_app
from engine.apps.liaptui.settings import Settings
from engine.net import RateLimitKind, RateLimitRule
from engine.net.client import WebSocketClosed
from engine.testing import serve_apps

from liaptui_players import Player, create_room, join, take_seat

NAMES = ("Alice", "Bob", "Carol", "Dave")
#: What `party-engine serve` would read: no pause, instant bots.
FAST_ENVIRON = {"PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0", "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0"}


async def test_four_websocket_clients_play_a_whole_game() -> None:
    async with serve_apps([app], environ=FAST_ENVIRON) as served:
        created = await create_room(served.client)
        room = f"/ws/{created['room_id']}"
        players = {name: Player(name) for name in NAMES}
        results: dict[str, dict[str, Any]] = {}
        alice_seated = trio.Event()

        async def seat_and_play(name: str) -> None:
            async with served.client.websocket(room, type_key="event") as ws:
                token = {"player_token": created["player_token"]} if name == "Alice" else {}
                joined = await join(ws, name, **token)
                assert joined["player_token"]
                if name == "Alice":
                    alice_seated.set()
                    for _ in range(3):
                        await ws.receive_until("player_joined")
                    await ws.write_json({"event": "start_game", "data": {}})
                results[name] = await players[name].play(ws)

        with trio.fail_after(60):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(seat_and_play, "Alice")
                await alice_seated.wait()
                for name in NAMES[1:]:
                    nursery.start_soon(seat_and_play, name)
    final = results["Alice"]["data"]
    assert all(result["data"] == final for result in results.values())
    assert max(final["final_scores"].values()) >= 50 and final["rounds_played"] >= 1
    for player in players.values():
        changes = [msg for msg in player.log if msg["event"] == "phase_change"]
        assert {c["data"]["phase"] for c in changes} >= {
            "DECLARATION",
            "TURN",
            "SCORING",
            "GAME_OVER",
        }
        assert all(c["data"]["sequence_number"] == c["sequence_number"] for c in changes)
        numbers = [msg["sequence_number"] for msg in player.log if "sequence_number" in msg]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        hands = [msg for msg in player.log if msg["event"] == "hand_updated"]
        assert hands and all(msg["private"] is True for msg in hands)
    # Hands are private: each player got its own eight pieces of the first deal, and no others'.
    first_hands = [
        {
            piece["id"]
            for piece in next(m for m in p.log if m["event"] == "hand_updated")["data"]["pieces"]
        }
        for p in players.values()
    ]
    assert sum(map(len, first_hands)) == 32 and len(set().union(*first_hands)) == 32


async def test_a_client_drops_mid_turn_a_bot_plays_and_it_comes_back_to_finish() -> None:
    async with serve_apps([app], environ=FAST_ENVIRON) as served:
        created = await create_room(served.client)
        room = f"/ws/{created['room_id']}"
        players = {name: Player(name) for name in NAMES}
        tokens: dict[str, str] = {}
        seated = {name: trio.Event() for name in NAMES}
        bot_played_for_bob = trio.Event()
        finished: dict[str, dict[str, Any]] = {}

        async def others(name: str) -> None:
            async with served.client.websocket(room, type_key="event") as ws:
                tokens[name] = await take_seat(ws, name, created, seated)
                bot_took_over = False

                def bot_moved_for_bob(message: dict[str, Any]) -> bool:
                    # Bob's plays after his bot_activated are the bot's.
                    nonlocal bot_took_over
                    player = (message.get("data") or {}).get("player")
                    if message.get("event") == "bot_activated" and player == "Bob":
                        bot_took_over = True
                    return (
                        bot_took_over
                        and message.get("event") == "play_accepted"
                        and player == "Bob"
                    )

                if name == "Alice":
                    await players[name].play(ws, until=bot_moved_for_bob)
                    bot_played_for_bob.set()
                finished[name] = await players[name].play(ws)

        async def bob() -> None:
            await seated["Alice"].wait()
            async with served.client.websocket(room, type_key="event") as ws:
                tokens["Bob"] = (await join(ws, "Bob"))["player_token"]
                seated["Bob"].set()
                # Bob plays until it is his turn to play a piece, then his connection drops.
                await players["Bob"].play(
                    ws,
                    until=lambda msg: (
                        msg.get("event") == "phase_change"
                        and msg["data"]["phase"] == "TURN"
                        and msg["data"]["phase_data"]["current_player"] == "Bob"
                    ),
                )
            await bot_played_for_bob.wait()
            last = players["Bob"].last_sequence
            async with served.client.websocket(room, type_key="event") as ws:
                await ws.write_json(
                    {
                        "event": "join_room",
                        "data": {
                            "player_name": "Bob",
                            "player_token": tokens["Bob"],
                            "last_sequence": last,
                        },
                    }
                )
                back = Player("Bob")
                reconnected = await ws.receive_until("reconnected")
                replayed = [msg for msg in ws.take_pending() if "sequence_number" in msg]
                assert [m["sequence_number"] for m in replayed] == list(
                    range(last + 1, reconnected["data"]["current_sequence"] + 1)
                )
                assert any(
                    m["event"] == "bot_activated" and m["data"]["player"] == "Bob" for m in replayed
                )
                assert reconnected["data"]["missed_events"] == len(replayed)
                back.script.observe(reconnected)
                finished["Bob"] = await back.play(ws)

        with trio.fail_after(60):
            async with trio.open_nursery() as nursery:
                for name in ("Alice", "Carol", "Dave"):
                    nursery.start_soon(others, name)
                nursery.start_soon(bob)
        activated = [m["data"] for m in players["Carol"].log if m["event"] == "bot_activated"]
        assert activated[0]["player"] == "Bob" and activated[0]["reason"] == "disconnected"
        assert {name for name in finished} == set(NAMES)


async def test_errors_over_the_wire() -> None:
    settings = Settings(
        bot_delay=0,
        turn_pause=0,
        max_message_size=1024,
        rate_limit=RateLimitRule(30, 60.0, RateLimitKind.TOKEN_BUCKET),
    )
    async with serve_apps([make_app(settings)]) as served:
        async with served.client.websocket("/ws/NOSUCHROOM", type_key="event") as ws:
            error = await ws.receive_until("error")
            assert error["error"]["code"] == "1003" and error["error"]["details"] == {
                "room_id": "NOSUCHROOM"
            }
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_json()
            assert closed.value.code == 1008

        created = await create_room(served.client)
        room = f"/ws/{created['room_id']}"
        async with served.client.websocket(room, type_key="event") as alice:
            await join(alice, "Alice", player_token=created["player_token"])

            async def error_for(text: str) -> dict[str, Any]:
                await alice.write_text(text)
                reply = await alice.receive_until(
                    lambda m: m.get("event") in ("error", "validation_error")
                )
                return {"event": reply["event"], **reply["error"]}

            assert (await error_for("{not json"))["code"] == "3001"
            assert (await error_for('"a string"'))["code"] == "3001"
            assert (await error_for(json.dumps({"event": "warp"})))["code"] == "3001"
            assert (await error_for(json.dumps({"event": "declare", "data": {}})))["code"] == "3002"
            assert (
                await error_for(json.dumps({"event": "declare", "data": {"declaration": "2"}}))
            )["code"] == "3003"
            oversized = await error_for(json.dumps({"event": "ping", "data": {"pad": "x" * 2000}}))
            assert (oversized["event"], oversized["code"]) == ("validation_error", "3004")
            assert (await error_for(json.dumps({"event": "declare", "data": {"declaration": 1}})))[
                "code"
            ] == "2001"
            assert (
                await error_for(json.dumps({"event": "join_room", "data": {"player_name": "A"}}))
            )["code"] == "1005"
            version = json.dumps({"event": "version_info", "data": {"client_version": "9.9.9"}})
            assert (await error_for(version))["code"] == "4004"
            for _ in range(40):
                await alice.write_json({"event": "ping", "data": {"client_time": 0}})
            limited = await alice.receive_until("error")
            assert (
                limited["error"]["code"] == "4001"
                and limited["error"]["details"]["retry_after"] > 0
            )

        async with served.client.websocket(room, type_key="event") as impostor:
            await impostor.write_json({"event": "join_room", "data": {"player_name": "Alice"}})
            assert (await impostor.receive_until("error"))["error"]["code"] == "1002"


async def test_lobby_pings_count_against_the_addresss_limit_across_reconnects() -> None:
    settings = Settings(rate_limit=RateLimitRule(3, 60.0, RateLimitKind.TOKEN_BUCKET))
    ping = {"event": "ping", "data": {"client_time": 0}}
    async with serve_apps([make_app(settings)]) as served:
        for _ in range(3):
            async with served.client.websocket("/ws/lobby", type_key="event") as ws:
                await ws.write_json(ping)
                await ws.receive_until("pong")
        async with served.client.websocket("/ws/lobby", type_key="event") as ws:
            await ws.write_json(ping)
            limited = await ws.receive_until(lambda m: m.get("event") in ("pong", "error"))
            assert limited["event"] == "error" and limited["error"]["code"] == "4001"


async def test_a_full_room_refuses_a_fifth_player() -> None:
    async with serve_apps([app], environ=FAST_ENVIRON) as served:
        created = await create_room(served.client)
        room = f"/ws/{created['room_id']}"
        async with served.client.websocket(room, type_key="event") as first:
            await join(first, "Alice", player_token=created["player_token"])
            async with served.client.websocket(room, type_key="event") as second:
                await join(second, "Bob")
                async with served.client.websocket(room, type_key="event") as third:
                    await join(third, "Carol")
                    async with served.client.websocket(room, type_key="event") as fourth:
                        await join(fourth, "Dave")
                        async with served.client.websocket(room, type_key="event") as fifth:
                            await fifth.write_json(
                                {"event": "join_room", "data": {"player_name": "Eve"}}
                            )
                            assert (await fifth.receive_until("error"))["error"]["code"] == "1004"


async def test_a_restarted_server_brings_the_game_back(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'liaptui.db'}"
    players = {name: Player(name) for name in NAMES}
    tokens: dict[str, str] = {}
    async with serve_apps([app], store=store, environ=FAST_ENVIRON) as served:
        created = await create_room(served.client)
        room_id = created["room_id"]
        room = f"/ws/{room_id}"
        async with served.client.websocket(room, type_key="event") as alice:
            tokens["Alice"] = (await join(alice, "Alice", player_token=created["player_token"]))[
                "player_token"
            ]
            sockets = {"Alice": alice}
            async with (
                served.client.websocket(room, type_key="event") as bob,
                served.client.websocket(room, type_key="event") as carol,
                served.client.websocket(room, type_key="event") as dave,
            ):
                sockets |= {"Bob": bob, "Carol": carol, "Dave": dave}
                for name in NAMES[1:]:
                    tokens[name] = (await join(sockets[name], name))["player_token"]
                await alice.write_json({"event": "start_game", "data": {}})

                def second_round(message: dict[str, Any]) -> bool:
                    return (
                        message.get("event") == "phase_change"
                        and message["data"]["game_state"]["round_number"] == 2
                    )

                async def play_to_second_round(name: str) -> None:
                    await players[name].play(sockets[name], until=second_round)

                with trio.fail_after(30):
                    async with trio.open_nursery() as nursery:
                        for name in NAMES:
                            nursery.start_soon(play_to_second_round, name)
    # The server is gone; a new one opens the same store.
    async with serve_apps([app], store=store, environ=FAST_ENVIRON) as served:
        room = f"/ws/{room_id}"
        finished: dict[str, dict[str, Any]] = {}

        async def come_back(name: str) -> None:
            async with served.client.websocket(room, type_key="event") as ws:
                last = players[name].last_sequence
                await ws.write_json(
                    {
                        "event": "join_room",
                        "data": {
                            "player_name": name,
                            "player_token": tokens[name],
                            "last_sequence": last,
                        },
                    }
                )
                again = Player(name)
                reconnected = await ws.receive_until("reconnected")
                assert reconnected["data"]["game_state"]["round_number"] >= 2
                again.script.observe(reconnected)
                finished[name] = await again.play(ws)

        with trio.fail_after(60):
            async with trio.open_nursery() as nursery:
                for name in NAMES:
                    nursery.start_soon(come_back, name)
        assert {result["data"]["winners"][0] for result in finished.values()} <= set(NAMES)
        assert (
            len({json.dumps(result["data"]["final_scores"]) for result in finished.values()}) == 1
        )


async def test_served_under_its_prefix_alongside_other_apps() -> None:
    async with serve_apps([app], environ=FAST_ENVIRON, prefixed=True) as served:
        created = await create_room(served.client, prefix="/liaptui")
        async with served.client.websocket(
            f"/liaptui/ws/{created['room_id']}", type_key="event"
        ) as ws:
            joined = await join(ws, "Alice", player_token=created["player_token"])
            assert joined["room_id"] == created["room_id"]
        response = await served.client.get("/health")
        assert response.json()["apps"] == ["liaptui"]


async def test_a_seats_connections_share_one_limit_once_it_is_claimed() -> None:
    # 3 messages a minute: a connection's join_room counts on its own (no identity yet); once
    # seated, its messages count against the seat, whichever connection sends them.
    settings = Settings(rate_limit=RateLimitRule(3, 60.0, RateLimitKind.TOKEN_BUCKET))
    ping = {"event": "ping", "data": {"client_time": 0}}

    def pong_or_error(message: dict[str, Any]) -> bool:
        return message.get("event") in ("pong", "error")

    async with serve_apps([make_app(settings)]) as served:
        created = await create_room(served.client)
        room = f"/ws/{created['room_id']}"
        async with served.client.websocket(room, type_key="event") as first:
            token = (await join(first, "Alice", player_token=created["player_token"]))[
                "player_token"
            ]
            for _ in range(2):
                await first.write_json(ping)
                assert (await first.receive_until(pong_or_error))["event"] == "pong"
        async with served.client.websocket(room, type_key="event") as again:
            await join(again, "Alice", player_token=token)
            await again.write_json(ping)
            assert (await again.receive_until(pong_or_error))["event"] == "pong"
            # The seat's third message in the minute: on a fresh per-connection limit this
            # connection would still have room (join + 2 pings).
            await again.write_json(ping)
            limited = await again.receive_until(pong_or_error)
            assert limited["event"] == "error" and limited["error"]["code"] == "4001"
            async with served.client.websocket(room, type_key="event") as bob:
                await join(bob, "Bob")
                await bob.write_json(ping)
                assert (await bob.receive_until(pong_or_error))["event"] == "pong"
