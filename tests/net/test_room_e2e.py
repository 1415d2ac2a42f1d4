"""A room app (tests/helpers/room_app.py) end to end: the real listener on a loopback port, the
real actor system and store, and real clients (engine.net.client; a raw socket where a client
must misbehave). Nothing sleeps: tests wait for frames, for closes, or for the room to answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing
from wsproto.frame_protocol import Opcode

from engine.net import RateLimitRule, WebSocketOptions
from engine.net.client import Client, ClientWebSocket, WebSocketClosed, open_client

from raw_websocket import raw_client
from room_app import HISTORY, Members, RoomConfig, Stats, WaitGone, serve_rooms


@asynccontextmanager
async def joined(
    client: Client, name: str, room: str = "r1"
) -> AsyncIterator[tuple[ClientWebSocket, dict[str, Any]]]:
    """A member connected to `room`, with the welcome it got."""
    async with client.websocket(f"/rooms/{room}", params={"name": name}) as ws:
        welcome = await ws.receive_json()
        assert welcome["type"] == "welcome"
        yield ws, welcome


async def say(ws: ClientWebSocket, text: str) -> int:
    """Say `text` and wait for its echo; returns its sequence number."""
    await ws.write_json({"type": "say", "text": text})
    echo = await ws.receive_until(lambda m: m.get("type") == "said" and m["text"] == text)
    return int(echo["sequence_number"])


async def closed_with(ws: ClientWebSocket) -> tuple[int | None, str | None]:
    with pytest.raises(WebSocketClosed) as info:
        while True:
            await ws.receive_json()
    return info.value.code, info.value.reason


# Joining, broadcast, private messages


async def test_join_and_the_welcome() -> None:
    async with serve_rooms() as server, open_client(server.url) as client:
        async with joined(client, "alice") as (_, welcome):
            assert welcome == {"type": "welcome", "name": "alice", "seq": 0, "members": ["alice"]}
            async with joined(client, "bob") as (_, welcome):
                assert welcome["members"] == ["alice", "bob"]
                assert await server.room("r1").ask(Members()) == ["alice", "bob"]
        assert await server.room("r1").ask(WaitGone("alice")) == (1000, "")


async def test_a_broadcast_reaches_fifty_members_encoded_once() -> None:
    async with serve_rooms() as server, open_client(server.url) as client:
        async with AsyncExitStack() as stack:
            members = [
                (await stack.enter_async_context(joined(client, f"m{n}")))[0] for n in range(50)
            ]
            assert await say(members[0], "hello all") == 1
            for ws in members[1:]:
                assert await ws.receive_json() == {
                    "type": "said",
                    "name": "m0",
                    "text": "hello all",
                    "sequence_number": 1,
                }
            stats = await server.room("r1").ask(Stats())
            assert (stats.published, stats.delivered, stats.dropped) == (1, 50, 0)


async def test_a_whisper_reaches_only_its_target() -> None:
    async with serve_rooms() as server, open_client(server.url) as client:
        async with (
            joined(client, "alice") as (alice, _),
            joined(client, "bob") as (bob, _),
            joined(client, "carol") as (carol, _),
        ):
            await bob.write_json({"type": "whisper", "to": "carol", "text": "psst"})
            assert await carol.receive_json() == {"type": "whisper", "from": "bob", "text": "psst"}
            await bob.write_json({"type": "whisper", "to": "dave", "text": "hello?"})
            error = await bob.receive_json()
            assert (error["type"], error["code"]) == ("error", "unknown_peer")
            # The room handles bob's messages in order: alice's next message is the public one.
            await say(bob, "public")
            assert (await alice.receive_json())["text"] == "public"
            assert (await carol.receive_json())["text"] == "public"


# Protecting the room


async def test_a_slow_consumer_is_disconnected_while_the_others_keep_receiving() -> None:
    config = RoomConfig(
        options=WebSocketOptions(max_outbox_bytes=64 * 1024, close_on_oversize=False)
    )
    text = "x" * 30_000
    async with serve_rooms(config=config) as server, open_client(server.url) as client:
        async with (
            raw_client(server.port, "/rooms/r1?name=slow", receive_buffer=4096) as slow,
            joined(client, "alice") as (alice, _),
            joined(client, "bob") as (bob, _),
        ):
            room = server.room("r1")
            said = 0
            # Until the slow member's outbox overflows; the bound only guards against a hang.
            while "slow" in await room.ask(Members()) and said < 2000:
                await say(alice, f"{said} {text}")
                assert (await bob.receive_json())["sequence_number"] == said + 1
                said += 1
            assert await room.ask(WaitGone("slow")) == (1008, "slow consumer")
            # Everyone else carries on.
            assert await say(alice, "after") == said + 1
            assert (await bob.receive_json())["text"] == "after"
            # The slow client finds whole frames (its welcome, some said), then the close.
            close = await slow.read_until_close(answer=False)
            texts = slow.texts_received
            assert close == (1008, "slow consumer")
            assert 1 <= texts <= said + 1
        stats = await room.ask(Stats())
        assert stats.dropped >= 1


async def test_an_idle_client_is_pinged_then_disconnected(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = RoomConfig(options=WebSocketOptions(ping_interval=10, idle_timeout=30))
    async with serve_rooms(config=config) as server:
        async with raw_client(server.port, "/rooms/r1?name=idle") as idle:
            start = trio.current_time()
            opcode, welcome = await idle.read_frame()
            assert opcode is Opcode.TEXT and isinstance(welcome, str) and '"welcome"' in welcome
            pings = 0
            while (frame := await idle.read_frame())[0] is Opcode.PING:
                pings += 1
            assert frame == (Opcode.CLOSE, (1011, "idle timeout"))
            assert pings == 2
            assert trio.current_time() - start == pytest.approx(30)
            assert await server.room("r1").ask(WaitGone("idle")) == (1011, "idle timeout")


async def test_bad_frames_are_answered_in_the_rooms_format_and_the_connection_kept() -> None:
    config = RoomConfig(options=WebSocketOptions(max_message_size=1000, close_on_oversize=False))
    async with serve_rooms(config=config) as server, open_client(server.url) as client:
        async with joined(client, "alice") as (alice, _):
            answers = []
            for text in ("{not json", "[1, 2]", "x" * 1001, '{"type": "dance"}', '{"type": "say"}'):
                await alice.write_text(text)
                answers.append(await alice.receive_json())
            assert [(a["type"], a["code"]) for a in answers] == [
                ("error", "malformed"),
                ("error", "malformed"),
                ("error", "too_big"),
                ("error", "unknown_type"),
                ("error", "invalid"),
            ]
            assert answers[1]["message"] == "not a JSON object: got array"
            assert answers[2]["message"] == "messages are limited to 1000 bytes"
            assert answers[3]["message"] == "unknown message type 'dance'"
            assert await say(alice, "still here") == 1
        async with raw_client(server.port, "/rooms/r1?name=bytes") as raw:
            await raw.read_frame()  # the welcome
            await raw.send(bytes(raw.codec.send_data(b"\x00binary")))
            assert await raw.read_frame() == (
                Opcode.TEXT,
                '{"type":"error","code":"malformed","message":"binary frame where text expected"}',
            )


async def test_flooding_is_answered_then_closed_at_the_abuse_threshold() -> None:
    # A long window: the limit cannot refill during the test, so nothing depends on time.
    config = RoomConfig(rate_limit=RateLimitRule(3, 3600), abuse_threshold=3)
    async with serve_rooms(config=config) as server, open_client(server.url) as client:
        async with joined(client, "alice") as (alice, _):
            for n in range(3):
                assert await say(alice, str(n)) == n + 1
            for _ in range(2):
                await alice.write_json({"type": "say", "text": "too much"})
                answer = await alice.receive_json()
                assert (answer["type"], answer["code"]) == ("error", "rate_limited")
                assert answer["retry_after"] == pytest.approx(3600, abs=1)
            # The third refusal in a row is not answered: the connection is closed instead.
            await alice.write_json({"type": "say", "text": "too much"})
            assert await closed_with(alice) == (1008, "rate limit exceeded")
        assert await server.room("r1").ask(WaitGone("alice")) == (1008, "rate limit exceeded")


async def test_graceful_shutdown_closes_open_sockets_with_1001() -> None:
    async with serve_rooms() as server, open_client(server.url) as client:
        async with joined(client, "alice") as (alice, _), joined(client, "bob") as (bob, _):
            await server.shut_down()
            assert await closed_with(alice) == (1001, "server shutting down")
            assert await closed_with(bob) == (1001, "server shutting down")
            # Every reader told the room before the listener returned.
            room = server.room("r1")
            assert await room.ask(Members()) == []
            assert await room.ask(WaitGone("bob")) == (1001, "server shutting down")


# Resume


async def test_a_fast_reconnect_gets_exactly_the_missed_events() -> None:
    async with serve_rooms() as server, open_client(server.url) as client:
        async with joined(client, "bob") as (bob, _):
            async with joined(client, "alice") as (alice, _):
                await say(bob, "one")
                last = (await alice.receive_json())["sequence_number"]
            await say(bob, "two")
            await say(bob, "three")
            async with joined(client, "alice") as (alice, welcome):
                assert welcome["seq"] == 3
                await alice.write_json({"type": "resume", "last_seq": last})
                assert [await alice.receive_json() for _ in range(3)] == [
                    {"type": "said", "name": "bob", "text": "two", "sequence_number": 2},
                    {"type": "said", "name": "bob", "text": "three", "sequence_number": 3},
                    {"type": "resumed", "replayed": 2},
                ]
                await say(bob, "four")
                assert (await alice.receive_json())["sequence_number"] == 4


async def test_events_received_live_before_the_resume_are_not_replayed() -> None:
    async with serve_rooms() as server, open_client(server.url) as client:
        async with joined(client, "bob") as (bob, _):
            for text in ("one", "two"):
                await say(bob, text)
            async with joined(client, "alice") as (alice, _):
                # Between alice's connect and her resume request, an event reaches her live.
                await say(bob, "three")
                assert (await alice.receive_json())["sequence_number"] == 3
                await alice.write_json({"type": "resume", "last_seq": 1})
                replay = [await alice.receive_json() for _ in range(2)]
                assert [m.get("sequence_number") for m in replay] == [2, None]
                assert replay[1] == {"type": "resumed", "replayed": 1}


async def test_a_reconnect_long_after_connecting_resumes_from_the_last_event_seen() -> None:
    # The member joined long ago and saw three buffers' worth of events live.
    config = RoomConfig(capacity=5)
    async with serve_rooms(config=config) as server, open_client(server.url) as client:
        async with joined(client, "bob") as (bob, _):
            async with joined(client, "alice") as (alice, _):
                for n in range(15):
                    await say(bob, str(n))
                    last = (await alice.receive_json())["sequence_number"]
            await say(bob, "missed")
            async with joined(client, "alice") as (alice, _):
                await alice.write_json({"type": "resume", "last_seq": last})
                assert [await alice.receive_json() for _ in range(2)] == [
                    {"type": "said", "name": "bob", "text": "missed", "sequence_number": 16},
                    {"type": "resumed", "replayed": 1},
                ]


async def test_a_resume_older_than_the_buffer_gets_a_snapshot() -> None:
    config = RoomConfig(capacity=5)
    async with serve_rooms(config=config) as server, open_client(server.url) as client:
        async with joined(client, "bob") as (bob, _):
            for n in range(HISTORY + 5):
                await say(bob, str(n))
            async with joined(client, "alice") as (alice, _):
                await alice.write_json({"type": "resume", "last_seq": 3})
                snapshot = await alice.receive_json()
                assert snapshot["type"] == "snapshot"
                assert snapshot["seq"] == HISTORY + 5
                assert [s["text"] for s in snapshot["said"]] == [
                    str(n) for n in range(5, HISTORY + 5)
                ]
                # A client claiming events the room never had also gets the full state.
                await alice.write_json({"type": "resume", "last_seq": 1000})
                assert (await alice.receive_json())["type"] == "snapshot"


async def test_repeated_reconnects_without_new_events_replay_nothing() -> None:
    async with serve_rooms() as server, open_client(server.url) as client:
        async with joined(client, "bob") as (bob, _):
            for text in ("one", "two", "three"):
                await say(bob, text)
            for _ in range(5):
                async with joined(client, "alice") as (alice, welcome):
                    assert welcome["seq"] == 3
                    await alice.write_json({"type": "resume", "last_seq": 3})
                    assert await alice.receive_json() == {"type": "resumed", "replayed": 0}
            await say(bob, "four")
            async with joined(client, "alice") as (alice, _):
                await alice.write_json({"type": "resume", "last_seq": 3})
                assert [await alice.receive_json() for _ in range(2)] == [
                    {"type": "said", "name": "bob", "text": "four", "sequence_number": 4},
                    {"type": "resumed", "replayed": 1},
                ]


async def test_a_reconnect_after_a_server_restart_gets_the_missed_events_from_the_log(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'rooms.db'}"
    config = RoomConfig(capacity=10)
    async with serve_rooms(url, config) as server, open_client(server.url) as client:
        async with joined(client, "bob") as (bob, _):
            async with joined(client, "alice") as (alice, _):
                for text in ("one", "two"):
                    await say(bob, text)
                    last = (await alice.receive_json())["sequence_number"]
            for text in ("three", "four", "five"):
                await say(bob, text)
    # A new process, as far as the room is concerned: new system, new listener, same store.
    async with serve_rooms(url, config) as server, open_client(server.url) as client:
        async with joined(client, "alice") as (alice, welcome):
            assert welcome["seq"] == 5
            await alice.write_json({"type": "resume", "last_seq": last})
            replay = [await alice.receive_json() for _ in range(4)]
            assert [(m.get("text"), m.get("sequence_number")) for m in replay[:3]] == [
                ("three", 3),
                ("four", 4),
                ("five", 5),
            ]
            assert replay[3] == {"type": "resumed", "replayed": 3}
            async with joined(client, "bob") as (bob, _):
                await bob.write_json({"type": "resume", "last_seq": 5})
                assert await bob.receive_json() == {"type": "resumed", "replayed": 0}
                # Numbering carries on from the log.
                assert await say(bob, "six") == 6
                assert (await alice.receive_json())["sequence_number"] == 6


async def test_a_restarted_room_without_the_old_events_sends_a_snapshot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rooms.db'}"
    async with serve_rooms(url, RoomConfig(capacity=3)) as server, open_client(server.url) as c:
        async with joined(c, "bob") as (bob, _):
            for n in range(6):
                await say(bob, str(n))
    async with serve_rooms(url, RoomConfig(capacity=3)) as server, open_client(server.url) as c:
        async with joined(c, "alice") as (alice, _):
            await alice.write_json({"type": "resume", "last_seq": 2})
            assert (await alice.receive_json())["type"] == "snapshot"
            await alice.write_json({"type": "resume", "last_seq": 3})
            replay = [await alice.receive_json() for _ in range(4)]
            assert [m.get("sequence_number") for m in replay] == [4, 5, 6, None]
