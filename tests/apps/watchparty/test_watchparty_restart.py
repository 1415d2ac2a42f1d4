"""A server restart on the same store: sessions, their chat history, playback and tokens live on."""

from __future__ import annotations

from collections.abc import Callable


def chat(text: str) -> dict:
    return {"type": "chat", "payload": {"message": text}}


def said(text: str) -> Callable[[dict], bool]:
    return lambda message: message["type"] == "chat" and message["payload"]["message"] == text


async def test_a_session_its_history_and_its_tokens_survive_a_restart(serve, tmp_path):
    store = f"sqlite:///{tmp_path / 'watchparty.db'}"
    async with serve(store=store) as api:
        host = await api.create()
        guest = await api.join(host.session_id)
        async with api.socket(host) as ws:
            await ws.write_json(chat("before the restart"))
            paused = {"playing": False, "currentTime": 42}
            await ws.write_json({"type": "playback_state", "payload": paused})
            await ws.write_json(chat("see you"))
            await ws.receive_until(said("see you"))

    async with serve(store=store) as api:
        # Tokens from before: the signing secret is kept in the store.
        details = await api.details(host.session_id, guest.token)
        assert details.status_code == 200
        assert details.json()["participants"] == [host.user_id, guest.user_id]
        # The password hash too.
        newcomer = await api.join(host.session_id)
        assert (await api.try_join(host.session_id, "wrong-password")).status_code == 401

        async with api.socket(guest) as guest_ws:
            replayed = [await guest_ws.receive_json() for _ in range(2)]
            assert [m["payload"]["message"] for m in replayed] == ["before the restart", "see you"]
            assert {m["user_id"] for m in replayed} == {host.user_id}
            state = await guest_ws.receive_json()
            assert state["type"] == "playback_state"
            assert state["payload"] == {"playing": False, "currentTime": 42.0}
            async with api.socket(host) as host_ws, api.socket(newcomer) as newcomer_ws:
                await host_ws.write_json(chat("welcome back"))
                for ws in (host_ws, guest_ws, newcomer_ws):
                    welcome = await ws.receive_until(said("welcome back"))
                    assert welcome["user_id"] == host.user_id
