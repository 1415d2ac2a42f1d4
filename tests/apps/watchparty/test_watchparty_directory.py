"""Creating and finding sessions (the app's party directory): expiry deletes them, and they
survive a restart of the process (simulated by closing the store and the actor system, and
opening them again with a wall clock that has moved on)."""

from __future__ import annotations

import pytest
import trio

from engine import clock
from engine.actors import ActorCrashed
from engine.apps.watchparty import SESSION_KIND, WatchPartySettings
from engine.apps.watchparty.app import start_sessions
from engine.apps.watchparty.errors import SessionNotFound
from engine.apps.watchparty.messages import Details, Join, NewSession, Open, PasswordHash
from engine.store import StoreError, open_store
from engine.supervisors import open_actor_system

T0 = 1_770_000_000.0
HASH = "$2b$12$the.hash.of.the.password"
HOUR = 3600.0


async def connect(ref, peer):
    ref.tell(peer.connects())
    await ref.ask(Details())
    return peer


async def create(directory, name="Movie Night"):
    """A new session's actor and its host's ticket."""
    _, ref = await directory.create(NewSession(name, HASH, clock.now()))
    return ref, await ref.ask(Open())


async def start_directory(system, store, *, wall, settings=None):
    """The app's directory, as a process whose wall clock reads ``wall`` at start would."""
    clock.set_wall_source(lambda: wall)
    return await start_sessions(system, store, settings or WatchPartySettings())


def chat(text):
    return {"type": "chat", "payload": {"message": text}}


async def test_a_session_expires_closes_its_connections_and_is_deleted(make_peer, autojump_clock):
    async with open_store("memory://") as store, open_actor_system() as system:
        settings = WatchPartySettings(session_ttl=HOUR)
        directory = await start_directory(system, store, wall=T0, settings=settings)
        ref, host = await create(directory)
        peer = await connect(ref, make_peer(host.user_id))
        await trio.sleep(HOUR - 1)
        assert (await ref.ask(Details())).id == host.session_id
        await trio.sleep(1)
        assert await ref.wait_stopped() == "normal"
        assert (peer.close_code, peer.close_reason) == (4404, "session expired")
        assert await store.load(SESSION_KIND, host.session_id) is None
        assert await directory.get(host.session_id) is None


async def test_the_default_lifetime_is_a_day(directory, autojump_clock):
    ref, host = await create(directory)
    await trio.sleep(24 * HOUR - 1)
    await ref.ask(Details())
    await trio.sleep(1)
    await ref.wait_stopped()
    assert await directory.store.load(SESSION_KIND, host.session_id) is None


async def test_requests_after_the_deadline_are_refused_before_the_timer_runs(make_peer):
    async with open_store("memory://") as store, open_actor_system() as system:
        settings = WatchPartySettings(session_ttl=HOUR)
        directory = await start_directory(system, store, wall=T0, settings=settings)
        ref, host = await create(directory)
        peer = await connect(ref, make_peer(host.user_id))
        # The wall clock jumps past the deadline while Trio's clock (and the timer) stands still
        # (a second past it: Trio's clock moved on a little since the session was created).
        clock.set_wall_source(lambda: T0 + HOUR + 1)
        for request in (PasswordHash(), Join(HASH), Details()):
            with pytest.raises(SessionNotFound):
                await ref.ask(request)
        ref.tell(peer.says(chat("anyone?")))
        late = make_peer(host.user_id)
        ref.tell(late.connects())
        with pytest.raises(SessionNotFound):
            await ref.ask(Details())
        (refusal,) = peer.take()
        assert refusal["payload"]["error"] == "Session not found"
        assert late.close_code == 4404


async def test_a_session_and_its_history_survive_a_restart(tmp_path, make_peer):
    url = f"sqlite:///{tmp_path / 'watchparty.db'}"
    async with open_store(url) as store, open_actor_system() as system:
        directory = await start_directory(system, store, wall=T0)
        ref, host = await create(directory)
        viewer = await ref.ask(Join(HASH))
        host_peer = await connect(ref, make_peer(host.user_id))
        await connect(ref, make_peer(viewer.user_id))
        for text in ("one", "two", "three"):
            ref.tell(host_peer.says(chat(text)))
        state = {"playing": True, "currentTime": 100.0, "volume": 0.5}
        ref.tell(host_peer.says({"type": "playback_state", "payload": state}))
        before = await ref.ask(Details())

    # Ten minutes later, a new process.
    async with open_store(url) as store, open_actor_system() as system:
        directory = await start_directory(system, store, wall=T0 + 600)
        ref = system.lookup((SESSION_KIND, host.session_id))
        assert ref is not None  # restored at start-up, before anyone asked
        assert await directory.get(host.session_id) is ref
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
        assert saved is not None
        assert [p["connected"] for p in saved.data["participants"]] == [False, True]

        # And the password still opens it.
        assert not (await ref.ask(Join(await ref.ask(PasswordHash())))).is_host


async def test_a_session_that_expired_while_down_is_deleted_at_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'watchparty.db'}"
    settings = WatchPartySettings(session_ttl=HOUR)
    async with open_store(url) as store, open_actor_system() as system:
        directory = await start_directory(system, store, wall=T0, settings=settings)
        _, gone = await create(directory, "Gone by then")
    async with open_store(url) as store, open_actor_system() as system:
        directory = await start_directory(system, store, wall=T0 + HOUR + 1, settings=settings)
        assert await store.load(SESSION_KIND, gone.session_id) is None
        assert await directory.get(gone.session_id) is None
        assert system.lookup((SESSION_KIND, gone.session_id)) is None


async def test_a_restored_session_expires_on_time_without_being_asked(autojump_clock):
    # One memory store outlives two actor systems: a restart, without SQLite's worker threads
    # (a MockClock that autojumps would see them as idle time).
    settings = WatchPartySettings(session_ttl=HOUR)
    async with open_store("memory://") as store:
        async with open_actor_system() as system:
            directory = await start_directory(system, store, wall=T0, settings=settings)
            _, host = await create(directory)
        async with open_actor_system() as system:
            await start_directory(system, store, wall=T0 + HOUR - 10, settings=settings)
            ref = system.lookup((SESSION_KIND, host.session_id))
            assert ref is not None
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


async def test_a_session_that_cannot_be_saved_is_not_left_behind():
    async with open_store("memory://") as store, open_actor_system() as system:
        directory = await start_directory(system, FailingSaves(store), wall=T0)
        with pytest.raises(ActorCrashed) as caught:
            await create(directory)
        assert isinstance(caught.value.__cause__, StoreError)
        assert list(system.registry.names(SESSION_KIND)) == []
        assert await store.keys(SESSION_KIND) == []
