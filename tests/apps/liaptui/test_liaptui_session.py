"""Connections coming and going: bots taking over, seats taken back, leaving, resuming, pinging."""

from __future__ import annotations

from typing import Any

import trio

from engine.apps.liaptui.testing import LocalClient, ScriptedPlayer

NAMES = ("Alice", "Bob", "Carol", "Dave")


async def started(make_table: Any) -> Any:
    table = await make_table(*NAMES)
    table.clients["Alice"].send("start_game")
    await table.state()
    for client in table.clients.values():
        client.take_all()
    return table


async def test_a_dropped_player_is_replaced_by_a_bot_at_once(make_table: Any) -> None:
    table = await started(make_table)
    table.clients["Bob"].disconnect(1006)
    activated = await table.clients["Alice"].receive("bot_activated")
    assert activated["data"] == {
        "player": "Bob",
        "position": 1,
        "reason": "disconnected",
        "bot_difficulty": "medium",
    }
    state = await table.state()
    assert state.seats[1].is_bot and state.game.players[1].is_bot
    assert state.game.players[1].is_active is False


def autoplay(
    client: LocalClient, name: str, over: dict[str, trio.Event], *, log: list[Any] | None = None
) -> ScriptedPlayer:
    """Play ``name``'s moves from ``client`` as they are asked for; note its game_over; keep
    every message in ``log``."""
    player = ScriptedPlayer(name)
    over.setdefault(name, trio.Event())

    def on_message(message: dict[str, Any]) -> None:
        if log is not None:
            log.append(message)
        for move, data in player.observe(message):
            client.send(move, data)
        if message["event"] == "game_over":
            over[name].set()

    client.on_message = on_message
    return player


async def test_a_player_drops_mid_turn_a_bot_plays_and_the_player_comes_back(
    make_table: Any,
) -> None:
    table = await make_table(*NAMES)
    over: dict[str, trio.Event] = {}
    for name in ("Alice", "Carol", "Dave"):
        autoplay(table.clients[name], name, over)
    bot_played = trio.Event()
    alice_play = table.clients["Alice"].on_message

    def alice_sees(message: dict[str, Any]) -> None:
        alice_play(message)
        if message["event"] == "play_accepted" and message["data"]["player"] == "Bob":
            bot_played.set()

    table.clients["Alice"].on_message = alice_sees
    bob_player = ScriptedPlayer("Bob")
    dropped = trio.Event()

    def bob_drops_on_his_turn(message: dict[str, Any]) -> None:
        for move, data in bob_player.observe(message):
            if move == "play":
                # Bob's connection dies just as he should play.
                table.clients["Bob"].disconnect(1006)
                dropped.set()
            elif not dropped.is_set():
                table.clients["Bob"].send(move, data)

    table.clients["Bob"].on_message = bob_drops_on_his_turn
    table.clients["Alice"].send("start_game")
    with trio.fail_after(10):
        await bot_played.wait()
    state = await table.state()
    gone_at = state.seats[1].gone_at
    assert state.seats[1].is_bot and gone_at > 0

    bob = LocalClient.connect(table.room)
    log: list[dict[str, Any]] = []
    autoplay(bob, "Bob", over, log=log)
    bob.send("join_room", player_name="Bob", player_token=table.tokens["Bob"])
    with trio.fail_after(30):
        for name in NAMES:
            await over[name].wait()

    events = [message["event"] for message in log]
    assert events[0] == "connected" and log[0]["data"]["reconnected"] is True
    back = log[events.index("reconnected")]["data"]
    assert back["player_name"] == "Bob" and back["position"] == 1
    assert back["missed_events"] == back["current_sequence"] - gone_at
    assert back["game_state"]["players"][1]["is_bot"] is False
    # Missed events first, then "reconnected" with the state, then the player's own hand.
    replayed = [m["sequence_number"] for m in log[1 : events.index("reconnected")]]
    assert replayed == list(range(gone_at + 1, back["current_sequence"] + 1))
    assert events[events.index("reconnected") + 1] == "hand_updated"
    state = await table.state()
    assert not state.seats[1].is_bot and state.game.players[1].is_active


async def test_coming_back_needs_the_token(make_table: Any) -> None:
    table = await started(make_table)
    table.clients["Bob"].disconnect(1006)
    thief = LocalClient.connect(table.room)
    thief.send("join_room", player_name="Bob")
    error = await thief.receive("error")
    assert error["error"]["code"] == "1002"
    thief.send("join_room", player_name="Bob", player_token=table.tokens["Alice"])
    assert (await thief.receive("error"))["error"]["details"]["reason"] == "invalid_token"
    assert (await table.state()).seats[1].is_bot


async def test_a_newer_connection_replaces_the_older(make_table: Any) -> None:
    table = await started(make_table)
    old = table.clients["Bob"]
    new = LocalClient.connect(table.room)
    new.send("join_room", player_name="Bob", player_token=table.tokens["Bob"])
    back = await new.receive("reconnected")
    assert back["data"]["missed_events"] == 0
    notice = await old.receive("error")
    assert notice["error"]["code"] == "1001" and old.closed is not None
    # The old connection's end is no departure: no bot takes over.
    old.disconnect()
    table.clients["Alice"].send("ping", client_time=0)
    await table.clients["Alice"].receive("pong")
    assert not (await table.state()).seats[1].is_bot
    assert all(m["event"] != "bot_activated" for m in table.clients["Alice"].take_all())


async def test_reconnecting_with_a_sequence_replays_from_there(make_table: Any) -> None:
    table = await started(make_table)
    table.clients["Carol"].disconnect(1006)
    seq = (await table.state()).seq
    carol = LocalClient.connect(table.room)
    carol.send(
        "join_room", player_name="Carol", player_token=table.tokens["Carol"], last_sequence=seq - 3
    )
    back = await carol.receive("reconnected")
    replayed = [m["sequence_number"] for m in carol.take_all() if "sequence_number" in m]
    assert replayed[:3] == [seq - 2, seq - 1, seq]
    assert back["data"]["missed_events"] == len(replayed)


async def test_leaving_before_the_game_frees_the_seat_and_passes_the_host(make_table: Any) -> None:
    table = await make_table("Alice", "Bob")
    table.clients["Alice"].send("leave_room")
    left = await table.clients["Alice"].receive("room_left")
    assert left["data"]["player_name"] == "Alice"
    gone = await table.clients["Bob"].receive("player_left")
    assert gone["data"]["new_host"] == "Bob" and gone["data"]["position"] == 0
    state = await table.state()
    assert state.seats[0] is None and state.creator == "Bob"
    table.clients["Bob"].send("start_game")
    assert (await table.clients["Bob"].receive("game_started"))["data"]["host_name"] == "Bob"


async def test_leaving_a_game_hands_the_seat_to_a_bot_for_good(make_table: Any) -> None:
    table = await started(make_table)
    table.clients["Dave"].send("leave_room")
    await table.clients["Dave"].receive("room_left")
    assert (await table.clients["Alice"].receive("player_left"))["data"]["player_name"] == "Dave"
    assert (await table.clients["Alice"].receive("bot_activated"))["data"]["reason"] == "left"
    back = LocalClient.connect(table.room)
    back.send("join_room", player_name="Dave", player_token=table.tokens["Dave"])
    assert (await back.receive("error"))["error"]["code"] == "1002"


async def test_sync_request_answers_missed_events_and_the_full_state(make_table: Any) -> None:
    table = await started(make_table)
    state = await table.state()
    alice = table.clients["Alice"]
    alice.send("sync_request", last_sequence=state.seq - 2)
    response = (await alice.receive("sync_response"))["data"]
    assert response["current_sequence"] == state.seq
    assert [e["sequence"] for e in response["missed_events"]] == [state.seq - 1, state.seq]
    assert response["missed_events"][-1]["event"] == "phase_change"
    assert response["full_state"]["phase"] == str(state.game.phase)
    assert response["full_state"]["game_state"]["round_number"] == 1
    assert response["events_complete"] is True


async def test_sync_before_the_game_has_no_game_state(make_table: Any) -> None:
    table = await make_table("Alice")
    table.clients["Alice"].send("sync_request", last_sequence=0)
    full = (await table.clients["Alice"].receive("sync_response"))["data"]["full_state"]
    assert full["phase"] == "NOT_STARTED" and full["game_state"] is None
    assert [p["name"] for p in full["room"]["players"]] == ["Alice"]


async def test_ping_and_version_negotiation(make_table: Any) -> None:
    table = await make_table("Alice")
    alice = table.clients["Alice"]
    alice.send("ping", client_time=1000, sequence=7)
    pong = (await alice.receive("pong"))["data"]
    assert pong["client_time"] == 1000 and pong["sequence"] == 7
    assert pong["latency"] == pong["server_time"] - 1000
    alice.send("version_info", client_version="1.0.0")
    accepted = (await alice.receive("version_accepted"))["data"]
    assert accepted["negotiated_version"] == "1.0.0" and accepted["features"]["bot_players"]
    alice.send("version_info", client_version="0.9.0")
    assert (await alice.receive("version_accepted"))["data"]["negotiated_version"] == "0.9.0"
    warning = (await alice.receive("deprecation_warning"))["data"]
    assert warning["removal_version"] == "2.0.0"
    alice.send("version_info", client_version="0.1.0", supported_versions=["0.2.0"])
    error = await alice.receive("error")
    assert error["error"]["code"] == "4004" and error["error"]["recoverable"] is False


async def test_a_visitor_may_ping_before_joining(make_table: Any) -> None:
    table = await make_table("Alice")
    visitor = LocalClient.connect(table.room)
    visitor.send("ping", client_time=5)
    assert (await visitor.receive("pong"))["data"]["client_time"] == 5


async def test_a_server_shutdown_close_is_not_a_player_leaving(make_table: Any) -> None:
    table = await started(make_table)
    table.clients["Bob"].disconnect(1001, by_peer=False)
    state = await table.state()  # handled after the disconnect: same mailbox, in order
    assert not state.seats[1].is_bot
    assert state.game.players[1].is_active is False
    assert not any(m["event"] == "bot_activated" for m in table.clients["Alice"].take_all())
