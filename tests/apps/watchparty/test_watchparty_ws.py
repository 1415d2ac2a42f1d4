"""The WebSocket API end to end: real connections to a served engine.

A test that something was *not* delivered never waits for a timeout: the sender follows up with
a message that everyone gets, and the recipient's next message must be that one (a session
handles its messages in order).
"""

from __future__ import annotations

import json

import pytest
import trio

from engine.net.client import WebSocketClosed, WebSocketRejected

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1234567890 2 IN IP4 127.0.0.1\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 9876543210 2 IN IP4 127.0.0.1\r\n"}
CANDIDATE = {
    "candidate": "candidate:1 1 UDP 2130706431 192.168.1.100 54321 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}
PLAYBACK = {"playing": True, "currentTime": 125.5, "volume": 0.8}


def chat(text: str) -> dict:
    return {"type": "chat", "payload": {"message": text}}


def signal(kind: str, payload: dict, target_id: str | None = None) -> dict:
    message = {"type": kind, "payload": payload}
    return message if target_id is None else {**message, "target_id": target_id}


def assert_envelope(message: dict, kind: str, session_id: str, user_id: str) -> None:
    """The spec's envelope, with the server's session, sender and time."""
    assert {"type", "payload", "session_id", "user_id", "timestamp"} <= set(message)
    assert message["type"] == kind
    assert (message["session_id"], message["user_id"]) == (session_id, user_id)
    assert isinstance(message["timestamp"], int) and message["timestamp"] > 1_700_000_000_000


async def next_chat(ws) -> str:
    """The text of the next message, which must be a chat."""
    message = await ws.receive_json()
    assert message["type"] == "chat", message
    return message["payload"]["message"]


# -- the upgrade ---------------------------------------------------------------------------------


async def test_the_upgrade_needs_a_valid_token_of_that_session(api):
    host = await api.create()
    other = await api.create(name="Other Night")
    refusals = [
        ({}, 401, {"error": "Unauthorized", "message": "Missing token"}),
        ({"token": "garbage"}, 401, {"error": "Unauthorized", "message": "Invalid token"}),
        (
            {"token": other.token},
            403,
            {"error": "Forbidden", "message": "This token is for another session"},
        ),
    ]
    for params, status, body in refusals:
        with pytest.raises(WebSocketRejected) as refused:
            async with api.client.websocket(f"/ws/{host.session_id}", params=params):
                pass
        assert refused.value.status_code == status
        assert json.loads(refused.value.body) == body


# -- joining and leaving ---------------------------------------------------------------------------


async def test_a_newcomer_gets_the_last_50_chat_messages_and_the_others_user_joined(api):
    host = await api.create()
    guest = await api.join(host.session_id)
    async with api.socket(host) as host_ws:
        for n in range(53):
            await host_ws.write_json(chat(f"message {n}"))
        # The host hears its own messages: once the last is back, all are saved.
        assert [await next_chat(host_ws) for _ in range(53)][-1] == "message 52"
        async with api.socket(guest) as guest_ws:
            replayed = [await guest_ws.receive_json() for _ in range(50)]
            texts = [m["payload"]["message"] for m in replayed]
            assert texts == [f"message {n}" for n in range(3, 53)]
            for message in replayed:
                assert_envelope(message, "chat", host.session_id, host.user_id)
                assert message["payload"]["username"] == host.username
            joined = await host_ws.receive_json()
            assert_envelope(joined, "user_joined", host.session_id, guest.user_id)
            assert joined["payload"] == {"user_id": guest.user_id, "username": guest.username}
            # Nothing else came to the newcomer: not its own user_joined.
            await host_ws.write_json(chat("welcome"))
            assert await next_chat(guest_ws) == "welcome"


async def test_leaving_sends_user_left_to_the_others(api):
    host = await api.create()
    guest = await api.join(host.session_id)
    async with api.socket(host) as host_ws:
        async with api.socket(guest) as guest_ws:
            await host_ws.receive_until("user_joined")
            await guest_ws.write_json(chat("bye"))
            assert await next_chat(guest_ws) == "bye"
        assert await next_chat(host_ws) == "bye"
        left = await host_ws.receive_json()
        assert_envelope(left, "user_left", host.session_id, guest.user_id)
        assert left["payload"] == {"user_id": guest.user_id, "username": guest.username}


# -- chat ----------------------------------------------------------------------------------------


async def test_chat_goes_to_everyone_including_the_sender_with_an_id_and_username(api):
    host = await api.create()
    guest = await api.join(host.session_id)
    async with api.socket(host) as host_ws, api.socket(guest) as guest_ws:
        await host_ws.receive_until("user_joined")
        # What a client says about the envelope is ignored: the server says who and when.
        spoofed = {"user_id": host.user_id, "session_id": "x", "timestamp": 1}
        await guest_ws.write_json({**chat("  Hello everyone!\x00 "), **spoofed})
        received = [await host_ws.receive_json(), await guest_ws.receive_json()]
        assert received[0] == received[1]
        message = received[0]
        assert_envelope(message, "chat", host.session_id, guest.user_id)
        payload = message["payload"]
        assert payload["message"] == "Hello everyone!"
        assert payload["id"].startswith("msg_")
        assert (payload["user_id"], payload["username"]) == (guest.user_id, guest.username)
        assert payload["timestamp"] == message["timestamp"]


async def test_refused_messages_are_answered_with_an_error_to_the_sender_alone(api):
    host = await api.create()
    async with api.socket(host) as ws:
        await ws.write_text("{not json")
        malformed = await ws.receive_json()
        assert_envelope(malformed, "error", host.session_id, host.user_id)
        assert malformed["payload"]["error"] == "Invalid message"
        await ws.write_json(chat("   "))
        empty = await ws.receive_json()
        assert empty["payload"]["details"] == {"payload.message": "Message must not be empty"}
        await ws.write_json({"type": "user_joined", "payload": {}})
        server_only = await ws.receive_json()
        assert server_only["payload"]["message"] == "Only the server sends user_joined messages"
        await ws.write_text(json.dumps(chat("x" * (64 * 1024))))
        too_big = await ws.receive_json()
        assert too_big["payload"]["message"] == "Messages are limited to 65536 bytes"
        await ws.write_json(chat("still here"))
        assert await next_chat(ws) == "still here"


async def test_over_100_messages_a_minute_are_refused_then_persistent_abuse_is_closed(api):
    host = await api.create()
    async with api.socket(host) as ws:
        for n in range(100):
            await ws.write_json(chat(f"m{n}"))
        assert [await next_chat(ws) for _ in range(100)][-1] == "m99"
        await ws.write_json(chat("one too many"))
        refused = await ws.receive_json()
        assert_envelope(refused, "error", host.session_id, host.user_id)
        assert refused["payload"] == {
            "error": "Rate limit exceeded",
            "message": "Maximum 100 messages per minute",
        }
        for _ in range(9):
            await ws.write_json(chat("and more"))
        errors = 0
        with pytest.raises(WebSocketClosed) as closed:
            while True:
                assert (await ws.receive_json())["type"] == "error"
                errors += 1
        assert errors == 8  # the tenth refusal in a row closes instead of answering
        assert (closed.value.code, closed.value.reason) == (1008, "rate limit exceeded")


async def test_the_message_limit_is_the_users_across_reconnects(api):
    host = await api.create()
    async with api.socket(host) as ws:
        for n in range(100):
            await ws.write_json(chat(f"m{n}"))
        assert [await next_chat(ws) for _ in range(100)][-1] == "m99"
    async with api.socket(host) as ws:
        await ws.write_json(chat("after reconnecting"))
        # What comes first is the chat history; the new chat must not be among it.
        while (message := await ws.receive_json())["type"] != "error":
            assert message["payload"].get("message") != "after reconnecting", message
        assert message["payload"]["error"] == "Rate limit exceeded"
    # Another user of the same session has an allowance of their own.
    guest = await api.join(host.session_id)
    async with api.socket(guest) as ws:
        await ws.write_json(chat("from the guest"))
        while (message := await ws.receive_json())["payload"].get("message") != "from the guest":
            assert message["type"] != "error", message


# -- signaling -----------------------------------------------------------------------------------


async def test_signals_go_to_their_target_or_to_everyone_but_the_sender(api):
    host = await api.create()
    viewer = await api.join(host.session_id)
    bystander = await api.join(host.session_id)
    async with api.socket(host) as host_ws, api.socket(viewer) as viewer_ws:
        async with api.socket(bystander) as bystander_ws:
            await host_ws.receive_until(lambda m: m["payload"].get("user_id") == bystander.user_id)
            host_ws.take_pending()  # the viewer's user_joined
            await viewer_ws.receive_until("user_joined")

            await host_ws.write_json(signal("webrtc_offer", OFFER, viewer.user_id))
            offer = await viewer_ws.receive_json()
            assert_envelope(offer, "webrtc_offer", host.session_id, host.user_id)
            assert (offer["payload"], offer["target_id"]) == (OFFER, viewer.user_id)

            await viewer_ws.write_json(signal("webrtc_answer", ANSWER, host.user_id))
            answer = await host_ws.receive_json()
            assert_envelope(answer, "webrtc_answer", host.session_id, viewer.user_id)
            assert answer["payload"] == ANSWER

            # No target: everyone but the sender.
            await viewer_ws.write_json(signal("ice_candidate", CANDIDATE))
            for ws in (host_ws, bystander_ws):
                candidate = await ws.receive_json()
                assert_envelope(candidate, "ice_candidate", host.session_id, viewer.user_id)
                assert candidate["payload"] == CANDIDATE
                assert "target_id" not in candidate
            # The bystander got neither the offer nor the answer, the viewer not its candidate.
            await host_ws.write_json(chat("after"))
            for ws in (host_ws, viewer_ws, bystander_ws):
                assert await next_chat(ws) == "after"


async def test_a_signal_for_someone_not_connected_is_an_error(api):
    host = await api.create()
    async with api.socket(host) as ws:
        await ws.write_json(signal("webrtc_offer", OFFER, "nobody"))
        error = await ws.receive_json()
        assert error["payload"]["error"] == "Participant not found"


# -- playback ------------------------------------------------------------------------------------


async def test_playback_state_only_from_the_host_to_everyone_else(api):
    host = await api.create()
    guest = await api.join(host.session_id)
    async with api.socket(host) as host_ws, api.socket(guest) as guest_ws:
        await host_ws.receive_until("user_joined")
        await guest_ws.write_json({"type": "playback_state", "payload": PLAYBACK})
        refused = await guest_ws.receive_json()
        assert_envelope(refused, "error", host.session_id, guest.user_id)
        assert refused["payload"] == {
            "error": "Forbidden",
            "message": "Only the host can control playback",
        }

        await host_ws.write_json({"type": "playback_state", "payload": PLAYBACK})
        relayed = await guest_ws.receive_json()
        assert_envelope(relayed, "playback_state", host.session_id, host.user_id)
        assert relayed["payload"] == PLAYBACK
        # Nothing came to the host: neither the guest's attempt nor its own state.
        await guest_ws.write_json(chat("after"))
        assert await next_chat(host_ws) == "after"


async def test_a_late_joiner_starts_in_sync(serve, mock_clock):
    async with serve() as api:
        host = await api.create()
        async with api.socket(host) as host_ws:
            await host_ws.write_json({"type": "playback_state", "payload": PLAYBACK})
            await host_ws.write_json(chat("rolling"))
            assert await next_chat(host_ws) == "rolling"  # the state is recorded
            mock_clock.jump(10)
            # As after ten real seconds: the server has closed the idle keep-alive connection
            # before the client reuses it.
            await trio.testing.wait_all_tasks_blocked()
            late = await api.join(host.session_id)
            async with api.socket(late) as late_ws:
                history = await late_ws.receive_json()
                assert history["payload"]["message"] == "rolling"
                state = await late_ws.receive_json()
                assert_envelope(state, "playback_state", host.session_id, host.user_id)
                assert state["payload"] == {**PLAYBACK, "currentTime": pytest.approx(135.5)}

            # Paused, the position stays where the host left it.
            await host_ws.write_json(
                {"type": "playback_state", "payload": {"playing": False, "currentTime": 200}}
            )
            await host_ws.write_json(chat("paused"))
            await host_ws.receive_until("chat")  # after the late joiner's coming and going
            mock_clock.jump(30)
            async with api.socket(late) as late_ws:
                assert [await next_chat(late_ws) for _ in range(2)] == ["rolling", "paused"]
                state = await late_ws.receive_json()
                assert state["payload"] == {"playing": False, "currentTime": 200.0}
