"""Creating and finding sessions: expiry deletes them, and they survive a restart of the
process (simulated by closing the store and the actor system, and opening them again with a
wall clock that has moved on)."""

from __future__ import annotations

import pytest
import trio

from engine.actors import ActorCrashed

from engine.apps.watchparty import (
    SESSION_KIND,
    SessionSettings,
    TrioWallClock,
    start_session_directory,
)
from engine.apps.watchparty.errors import SessionNotFound
from engine.apps.watchparty.messages import ChatMessage, Details, Join, PasswordHash, Playback
from engine.apps.watchparty.models import PlaybackPayload
from engine.net import PeerConnected
from engine.store import StoreError, open_store
from engine.supervisors import open_actor_system

T0 = 1_770_000_000.0
HASH = "$2b$12$the.hash.of.the.password"
HOUR = 3600.0


async def connect(ref, peer):
    ref.tell(PeerConnected(peer))
    await ref.ask(Details())
    return peer


async def test_a_session_expires_closes_its_connections_and_is_deleted(
    make_peer, autojump_clock
):
    clock = TrioWallClock(wall=lambda: T0)
    async with open_store("memory://") as store, open_actor_system() as system:
        directory = await start_session_directory(
            system, store, settings=SessionSettings(ttl=HOUR), clock=clock
        )
        host = await directory.create("Movie Night", HASH)
        ref = await directory.find(host.session_id)
        peer = await connect(ref, make_peer(host.user_id))
        await trio.sleep(HOUR - 1)
        assert (await ref.ask(Details())).id == host.session_id
        await trio.sleep(1)
        assert await ref.wait_stopped() == "normal"
        assert (peer.close_code, peer.close_reason) == (4404, "session expired")
        assert await store.load(SESSION_KIND, host.session_id) is None
        assert await directory.find(host.session_id) is None


async def test_the_default_lifetime_is_a_day(directory, autojump_clock):
    host = await directory.create("Movie Night", HASH)
    ref = await directory.find(host.session_id)
    await trio.sleep(24 * HOUR - 1)
    await ref.ask(Details())
    await trio.sleep(1)
    await ref.wait_stopped()
    assert await directory.store.load(SESSION_KIND, host.session_id) is None


class ManualClock:
    """A wall clock that moves only when told, while Trio's clock (and the timer) stands still."""

    def __init__(self, now: float) -> None:
        self.time = now

    def now(self) -> float:
        return self.time


async def test_requests_after_the_deadline_are_refused_before_the_timer_runs(make_peer):
    clock = ManualClock(T0)
    async with open_store("memory://") as store, open_actor_system() as system:
        directory = await start_session_directory(
            system, store, settings=SessionSettings(ttl=HOUR), clock=clock
        )
        host = await directory.create("Movie Night", HASH)
        ref = await directory.find(host.session_id)
        peer = await connect(ref, make_peer(host.user_id))
        clock.time = T0 + HOUR
        for request in (PasswordHash(), Join(HASH), Details()):
            with pytest.raises(SessionNotFound):
                await ref.ask(request)
        ref.tell(ChatMessage(peer, "anyone?"))
        late = make_peer(host.user_id)
        ref.tell(PeerConnected(late))
        with pytest.raises(SessionNotFound):
            await ref.ask(Details())
        (refusal,) = peer.take()
        assert refusal["payload"]["error"] == "Session not found"
        assert late.close_code == 4404


async def test_a_session_and_its_history_survive_a_restart(tmp_path, make_peer):
    url = f"sqlite:///{tmp_path / 'watchparty.db'}"
    settings = SessionSettings()
    async with open_store(url) as store, open_actor_system() as system:
        directory = await start_session_directory(
            system, store, settings=settings, clock=TrioWallClock(wall=lambda: T0)
        )
        host = await directory.create("Movie Night", HASH)
        ref = await directory.find(host.session_id)
        viewer = await ref.ask(Join(HASH))
        host_peer = await connect(ref, make_peer(host.user_id))
        await connect(ref, make_peer(viewer.user_id))
        for text in ("one", "two", "three"):
            ref.tell(ChatMessage(host_peer, text))
        ref.tell(Playback(host_peer, PlaybackPayload(True, 100.0, 0.5)))
        before = await ref.ask(Details())

    # Ten minutes later, a new process.
    async with open_store(url) as store, open_actor_system() as system:
        directory = await start_session_directory(
            system, store, settings=settings, clock=TrioWallClock(wall=lambda: T0 + 600)
        )
        ref = system.lookup((SESSION_KIND, host.session_id))
        assert ref is not None  # restored at start-up, before anyone asked
        assert await directory.find(host.session_id) is ref
        assert await ref.ask(Details()) == before

        # The viewer's token still names a seat: connecting replays the chat and the film.
        viewer_peer = await connect(ref, make_peer(viewer.user_id))
        received = viewer_peer.take()
        assert [m["payload"]["message"] for m in received[:3]] == ["one", "two", "three"]
        assert received[3]["type"] == "playback_state"
        film = received[3]["payload"]
        assert (film["playing"], film["volume"]) == (True, 0.5)
        # 600 s of downtime and the few real milliseconds this test took.
        assert film["currentTime"] == pytest.approx(700.0, abs=1.0)
        # Nobody is connected after a restart, whatever was saved before it.
        saved = await store.load(SESSION_KIND, host.session_id)
        assert [p["connected"] for p in saved.data["participants"]] == [False, True]

        # And the password still opens it.
        assert not (await ref.ask(Join(await ref.ask(PasswordHash())))).is_host


async def test_a_session_that_expired_while_down_is_deleted_at_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'watchparty.db'}"
    settings = SessionSettings(ttl=HOUR)
    async with open_store(url) as store, open_actor_system() as system:
        directory = await start_session_directory(
            system, store, settings=settings, clock=TrioWallClock(wall=lambda: T0)
        )
        gone = await directory.create("Gone by then", HASH)
    async with open_store(url) as store, open_actor_system() as system:
        directory = await start_session_directory(
            system, store, settings=settings, clock=TrioWallClock(wall=lambda: T0 + HOUR + 1)
        )
        assert await store.load(SESSION_KIND, gone.session_id) is None
        assert await directory.find(gone.session_id) is None
        assert system.lookup((SESSION_KIND, gone.session_id)) is None


async def test_a_restored_session_expires_on_time_without_being_asked(autojump_clock):
    # One memory store outlives two actor systems: a restart, without SQLite's worker threads
    # (a MockClock that autojumps would see them as idle time).
    settings = SessionSettings(ttl=HOUR)
    async with open_store("memory://") as store:
        async with open_actor_system() as system:
            directory = await start_session_directory(
                system, store, settings=settings, clock=TrioWallClock(wall=lambda: T0)
            )
            host = await directory.create("Movie Night", HASH)
        async with open_actor_system() as system:
            await start_session_directory(
                system, store, settings=settings, clock=TrioWallClock(wall=lambda: T0 + HOUR - 10)
            )
            ref = system.lookup((SESSION_KIND, host.session_id))
            await trio.sleep(9)
            assert await store.load(SESSION_KIND, host.session_id) is not None
            await trio.sleep(1)
            await ref.wait_stopped()
            assert await store.load(SESSION_KIND, host.session_id) is None


class FailingSaves:
    """A store whose saves fail, as a full disk's would."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    async def save(self, *args, **kwargs):
        raise StoreError("disk full")


async def test_a_session_that_cannot_be_saved_is_not_left_behind(clock):
    async with open_store("memory://") as store, open_actor_system() as system:
        directory = await start_session_directory(
            system, FailingSaves(store), settings=SessionSettings(), clock=clock
        )
        with pytest.raises(ActorCrashed) as caught:
            await directory.create("Movie Night", HASH)
        assert isinstance(caught.value.__cause__, StoreError)
        assert list(system.registry.names(SESSION_KIND)) == []
        assert await store.keys(SESSION_KIND) == []
