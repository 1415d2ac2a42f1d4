"""Session expiry end to end, on a MockClock that only moves when the test says so."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from engine.apps.watchparty.session_actor import SESSION_KIND
from engine.net.client import WebSocketClosed, WebSocketRejected

NOT_FOUND = {
    "error": "Session not found",
    "message": "The session you're trying to join doesn't exist or has expired",
}


def seconds_between(start: str, end: str) -> float:
    parse = datetime.fromisoformat
    return (parse(end) - parse(start)).total_seconds()


async def test_an_expired_session_is_closed_and_gone_from_the_store(serve, mock_clock):
    # 30 s: shorter than the tokens' hour, so what the session's end looks like is 404, not 401;
    # and shorter than the sockets' 54 s ping, so only the expiry closes them.
    async with serve(PARTY_ENGINE_WATCHPARTY_SESSION_TTL="30") as api:
        host = await api.create()
        guest = await api.join(host.session_id)
        details = (await api.details(host.session_id, host.token)).json()
        assert seconds_between(details["created_at"], details["expires_at"]) == 30
        async with api.socket(host) as ws:
            mock_clock.jump(29.5)
            await ws.write_json({"type": "chat", "payload": {"message": "still here"}})
            assert (await ws.receive_json())["payload"]["message"] == "still here"
            mock_clock.jump(0.5)
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_json()
            assert (closed.value.code, closed.value.reason) == (4404, "session expired")
        # The socket closes only once the deletion is committed.
        assert await api.served.engine.store.load(SESSION_KIND, host.session_id) is None

        for response in (
            await api.details(host.session_id, guest.token),
            await api.try_join(host.session_id),
        ):
            assert (response.status_code, response.json()) == (404, NOT_FOUND)
        with pytest.raises(WebSocketRejected) as refused:
            async with api.socket(guest):
                pass
        assert refused.value.status_code == 404
        assert json.loads(refused.value.body) == NOT_FOUND


async def test_sessions_last_24_hours_by_default(api):
    host = await api.create()
    details = (await api.details(host.session_id, host.token)).json()
    assert seconds_between(details["created_at"], details["expires_at"]) == 24 * 3600
