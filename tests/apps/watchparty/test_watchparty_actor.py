"""The session actor: seats, connections, chat, signaling, playback and expiry, on a memory
store, with Trio's clock mocked wherever time passes."""

from __future__ import annotations

import pytest
import trio

from engine import clock
from engine.apps.watchparty import SESSION_KIND
from engine.apps.watchparty.errors import SessionFull, WrongPassword
from engine.apps.watchparty.messages import Details, Join, NewSession, Open, PasswordHash

HASH = "$2b$12$the.hash.of.the.password"
OFFER = {"type": "offer", "sdp": "v=0\r\n"}


async def open_session(directory, name="Movie Night"):
    """Create a session; its actor and the host's ticket."""
    _, ref = await directory.create(NewSession(name, HASH, clock.now()))
    return ref, await ref.ask(Open())


def chat(text):
    return {"type": "chat", "payload": {"message": text}}


def signal(kind, payload, target_id=None):
    return {"type": kind, "payload": payload, "target_id": target_id}


def playback(playing, current_time, volume=None):
    state = {"playing": playing, "currentTime": current_time}
    return {
        "type": "playback_state",
        "payload": state if volume is None else {**state, "volume": volume},
    }


async def join(ref):
    return await ref.ask(Join(await ref.ask(PasswordHash())))


async def connect(ref, make_peer, ticket):
    """Connect ``ticket``'s user; returns once the session has handled it."""
    peer = make_peer(ticket.user_id)
    ref.tell(peer.connects())
    await ref.ask(Details())
    return peer


async def settle(ref):
    """Wait until every message told so far is handled (the mailbox is FIFO)."""
    await ref.ask(Details())


async def test_create_seats_the_host(directory):
    ref, host = await open_session(directory)
    assert host.is_host and host.name == "Movie Night" and host.username.isalpha()
    assert await ref.ask(Open()) == host  # asking again is harmless
    details = await ref.ask(Details())
    assert (details.id, details.host_id, details.participants) == (
        host.session_id, host.user_id, (host.user_id,),
    )  # fmt: skip
    assert details.max_participants == 10
    assert details.created_at == "2026-02-02T02:40:00Z"
    assert details.expires_at == "2026-02-03T02:40:00Z"


async def test_the_session_is_durable_once_created(directory):
    _ref, host = await open_session(directory)
    record = await directory.store.load(SESSION_KIND, host.session_id)
    assert record.data["password_hash"] == HASH
    assert [p["user_id"] for p in record.data["participants"]] == [host.user_id]


async def test_join_checks_the_verified_hash_and_the_seats(directory):
    ref, _host = await open_session(directory)
    with pytest.raises(WrongPassword):
        await ref.ask(Join("$2b$12$another.sessions.hash"))
    tickets = [await join(ref) for _ in range(9)]
    assert not any(t.is_host for t in tickets)
    assert len({t.user_id for t in tickets}) == len({t.username for t in tickets}) == 9
    with pytest.raises(SessionFull):
        await join(ref)
    assert len((await ref.ask(Details())).participants) == 10


async def test_unknown_sessions_are_not_found(directory):
    assert await directory.get("9b2f36a4-3e35-4c8f-8a5e-0c7f2d1e6b1a") is None


async def test_connecting_replays_history_and_announces_the_newcomer(directory, make_peer):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    assert host_peer.take() == []  # nothing to replay, nobody to tell
    for n in range(60):
        ref.tell(host_peer.says(chat(f"m{n}")))
    await settle(ref)
    assert len(host_peer.take()) == 60

    viewer = await join(ref)
    viewer_peer = await connect(ref, make_peer, viewer)
    replay = viewer_peer.take()
    assert [m["payload"]["message"] for m in replay] == [f"m{n}" for n in range(10, 60)]
    first = replay[0]
    assert first["type"] == "chat" and first["user_id"] == host.user_id
    assert first["session_id"] == host.session_id
    assert first["payload"]["username"] == host.username
    assert first["payload"]["id"].startswith("msg_")
    assert first["timestamp"] == first["payload"]["timestamp"]

    (joined,) = host_peer.take()
    assert joined["type"] == "user_joined" and joined["user_id"] == viewer.user_id
    assert joined["payload"] == {"user_id": viewer.user_id, "username": viewer.username}


async def test_chat_goes_to_everyone_including_the_sender(directory, make_peer):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    viewer_peer = await connect(ref, make_peer, await join(ref))
    host_peer.take()
    ref.tell(viewer_peer.says(chat("Hello everyone!")))
    await settle(ref)
    (to_host,), (to_viewer,) = host_peer.take(), viewer_peer.take()
    assert to_host == to_viewer
    assert to_host["payload"]["message"] == "Hello everyone!"
    record = await directory.store.load(SESSION_KIND, host.session_id)
    assert [m["message"] for m in record.data["chat"]] == ["Hello everyone!"]


async def test_leaving_is_announced_once_the_last_connection_goes(directory, make_peer):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    viewer = await join(ref)
    tab1 = await connect(ref, make_peer, viewer)
    tab2 = await connect(ref, make_peer, viewer)
    assert host_peer.types() == ["user_joined", "user_joined"]
    assert tab1.types() == []  # a user's own arrival is not news to their other tab

    ref.tell(tab1.leaves(1001, "going away"))
    await settle(ref)
    assert host_peer.types() == []
    ref.tell(tab2.leaves())
    ref.tell(tab2.leaves())  # a repeat is ignored
    await settle(ref)
    (left,) = host_peer.take()
    assert left["type"] == "user_left"
    assert left["payload"] == {"user_id": viewer.user_id, "username": viewer.username}


async def test_signals_go_to_the_target_or_everyone_else(directory, make_peer):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    a, b = await join(ref), await join(ref)
    a_peer, b_peer = await connect(ref, make_peer, a), await connect(ref, make_peer, b)
    for peer in (host_peer, a_peer, b_peer):
        peer.take()

    ref.tell(host_peer.says(signal("webrtc_offer", OFFER, b.user_id)))
    await settle(ref)
    assert (host_peer.take(), a_peer.take()) == ([], [])
    (offer,) = b_peer.take()
    assert offer["type"] == "webrtc_offer" and offer["user_id"] == host.user_id
    assert offer["payload"] == {"type": "offer", "sdp": "v=0\r\n"}
    assert offer["target_id"] == b.user_id

    ref.tell(a_peer.says(signal("webrtc_answer", {"type": "answer", "sdp": "x"})))
    await settle(ref)
    assert a_peer.take() == []
    assert [m["type"] for m in host_peer.take() + b_peer.take()] == ["webrtc_answer"] * 2


async def test_a_signal_for_someone_not_connected_is_refused_to_the_sender(directory, make_peer):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    absent = await join(ref)  # joined, never connected
    ref.tell(host_peer.says(signal("webrtc_offer", OFFER, absent.user_id)))
    await settle(ref)
    (refusal,) = host_peer.take()
    assert refusal["type"] == "error"
    assert refusal["payload"]["error"] == "Participant not found"


async def test_only_the_host_controls_playback(directory, make_peer):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    viewer_peer = await connect(ref, make_peer, await join(ref))
    host_peer.take()

    ref.tell(viewer_peer.says(playback(True, 99.0)))
    await settle(ref)
    (refusal,) = viewer_peer.take()
    assert refusal["payload"] == {
        "error": "Forbidden",
        "message": "Only the host can control playback",
    }
    assert host_peer.take() == []

    ref.tell(host_peer.says(playback(True, 125.5, 0.8)))
    await settle(ref)
    assert host_peer.take() == []
    (state,) = viewer_peer.take()
    assert state["type"] == "playback_state" and state["user_id"] == host.user_id
    assert state["payload"] == {"playing": True, "currentTime": 125.5, "volume": 0.8}


async def test_a_late_joiner_starts_in_sync(directory, make_peer, autojump_clock):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    ref.tell(host_peer.says(playback(True, 10.0)))
    await settle(ref)
    await trio.sleep(30)
    late = await connect(ref, make_peer, await join(ref))
    (state,) = late.take()
    assert state["type"] == "playback_state"
    assert state["payload"]["playing"] is True
    assert state["payload"]["currentTime"] == pytest.approx(40.0)

    ref.tell(host_peer.says(playback(False, 41.0)))
    await settle(ref)
    await trio.sleep(300)
    paused = await connect(ref, make_peer, await join(ref))
    assert paused.take()[0]["payload"] == {"playing": False, "currentTime": 41.0}


async def test_custom_types_are_relayed_to_everyone_else(directory, make_peer):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    viewer_peer = await connect(ref, make_peer, await join(ref))
    host_peer.take()
    ref.tell(viewer_peer.says({"type": "reaction", "payload": {"emoji": "🎉"}}))
    await settle(ref)
    assert viewer_peer.take() == []
    (reaction,) = host_peer.take()
    assert (reaction["type"], reaction["payload"]) == ("reaction", {"emoji": "🎉"})


async def test_a_connection_without_a_seat_is_closed(directory, make_peer):
    ref, _ = await open_session(directory)
    stranger = make_peer("not-a-participant")
    ref.tell(stranger.connects())
    ref.tell(stranger.says(chat("hi")))
    await settle(ref)
    assert stranger.close_code == 4403
    # Told why, and nothing else: its chat went nowhere.
    (refusal,) = stranger.take()
    assert refusal["payload"]["error"] == "Forbidden"


async def test_after_a_crash_every_connection_still_hears_the_session(directory, make_peer):
    ref, host = await open_session(directory)
    host_peer = await connect(ref, make_peer, host)
    viewer_peer = await connect(ref, make_peer, await join(ref))
    host_peer.take()
    # A message the codec would never let through (it passes JSON objects only): a bug to
    # the session, which crashes on it and is restarted.
    ref.tell(viewer_peer.says(["not", "an", "object"]))
    ref.tell(viewer_peer.says(chat("still here")))
    await settle(ref)
    for peer in (host_peer, viewer_peer):
        assert [m["payload"]["message"] for m in peer.take()] == ["still here"]
    ref.tell(host_peer.says(chat("me too")))
    await settle(ref)
    assert [m["payload"]["message"] for m in viewer_peer.take()] == ["me too"]
    (node,) = directory.supervisor.snapshot().children
    assert node.restarts == 1
