"""The engine's deployment settings, end to end: trusted proxies name the client of rate
limits, access lines and WebSocket upgrades on both HTTP paths; development mode relaxes rate
limits and says so; every request and connection is logged."""

from __future__ import annotations

import logging

import httpx
import pytest

from engine.apps.watchparty.app import app as watchparty
from engine.net.client import WebSocketRejected
from engine.settings import SettingsError
from engine.testing import open_test_engine, serve_apps

from notes_app import app as notes
from party_app import app as example

PROXY = {"PARTY_ENGINE_TRUSTED_PROXIES": "127.0.0.0/8"}


def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "engine.access"]


@pytest.mark.parametrize("through_quart", [False, True], ids=["direct", "quart"])
async def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(
    through_quart: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="engine.access")
    async with serve_apps([notes], environ=PROXY, through_quart=through_quart) as served:
        client = served.client

        async def login(address: str) -> int:
            answer = await client.post("/login", headers={"X-Forwarded-For": address})
            return answer.status_code

        assert [await login("203.0.113.7") for _ in range(4)] == [200, 200, 200, 429]
        assert await login("203.0.113.8") == 200  # another client behind the same proxy
        forwarded = await client.post("/login", headers={"Forwarded": "for=198.51.100.1"})
        assert forwarded.status_code == 200
    lines = access_lines(caplog)
    assert [(r.method, r.path, r.status, r.client) for r in lines] == [  # type: ignore[attr-defined]
        *[("POST", "/login", 200, "203.0.113.7")] * 3,
        ("POST", "/login", 429, "203.0.113.7"),
        ("POST", "/login", 200, "203.0.113.8"),
        ("POST", "/login", 200, "198.51.100.1"),
    ]
    assert all(len(r.request_id) == 32 for r in lines)  # type: ignore[attr-defined]


@pytest.mark.parametrize("through_quart", [False, True], ids=["direct", "quart"])
async def test_forwarding_headers_from_an_untrusted_peer_are_ignored(through_quart: bool) -> None:
    async with serve_apps([notes], through_quart=through_quart) as served:
        statuses = [
            (
                await served.client.post("/login", headers={"X-Forwarded-For": f"192.0.2.{i}"})
            ).status_code
            for i in range(4)
        ]
    assert statuses == [200, 200, 200, 429]  # one allowance: the socket's address


@pytest.mark.parametrize("through_quart", [False, True], ids=["direct", "quart"])
async def test_a_repeated_forwarding_header_is_read_as_one_list(
    through_quart: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="engine.access")
    # The client's own line first, then the one its proxy added: the proxy's counts.
    lines = httpx.Headers(
        [("X-Forwarded-For", "198.51.100.66"), ("X-Forwarded-For", "203.0.113.9")]
    )
    async with serve_apps([notes], environ=PROXY, through_quart=through_quart) as served:
        assert (await served.client.post("/login", headers=lines)).status_code == 200
    assert [r.client for r in access_lines(caplog)] == ["203.0.113.9"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("through_quart", [False, True], ids=["direct", "quart"])
async def test_every_answer_is_logged_on_both_paths(
    through_quart: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="engine.access")
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    async with serve_apps([notes], environ=PROXY, through_quart=through_quart) as served:
        client = served.client
        preflight = {"Origin": "http://example.com", "Access-Control-Request-Method": "POST"}
        answers = [
            await client.get("/health", headers=forwarded),
            await client.get("/openapi.json", headers=forwarded),
            await client.get("/nowhere", headers=forwarded),
            await client.get("/login", headers=forwarded),
            await client.request("OPTIONS", "/login", headers={**forwarded, **preflight}),
            await client.get("/notes/1", headers={**forwarded, "X-Request-ID": "abc"}),
        ]
    assert [a.status_code for a in answers[:4]] == [200, 200, 404, 405]
    logged = [(r.method, r.path, r.status, r.client) for r in access_lines(caplog)]  # type: ignore[attr-defined]
    assert logged == [
        (a.request.method, a.request.url.path, a.status_code, "203.0.113.7") for a in answers
    ]
    assert access_lines(caplog)[-1].request_id == "abc"  # type: ignore[attr-defined]


async def test_a_websocket_is_logged_when_it_closes_with_the_forwarded_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="engine")
    async with serve_apps([example], environ=PROXY) as served:
        created = await served.client.post("/api/parties", json={"user": "ann", "title": "t"})
        code = created.json()["code"]
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        async with served.client.websocket(
            f"/ws/{code}", params={"user": "ann"}, headers=forwarded
        ) as ws:
            await ws.receive_until("welcome", timeout=5)
            await ws.write_json({"type": "say", "text": "hi"})
            await ws.receive_until("said", timeout=5)
        with pytest.raises(WebSocketRejected) as rejected:
            async with served.client.websocket("/ws/NOPE1", headers=forwarded):
                pass
        assert rejected.value.status_code == 404
    (closed,) = [r for r in caplog.records if r.name == "engine.websocket" and "closed" in r.msg]
    assert (closed.route, closed.code, closed.client) == (f"/ws/{code}", 1000, "203.0.113.9")  # type: ignore[attr-defined]
    assert (closed.messages_in, closed.messages_out) == (1, 2)  # type: ignore[attr-defined]
    assert closed.levelno == logging.INFO
    (refused,) = [r for r in caplog.records if r.name == "engine.websocket" and "refused" in r.msg]
    assert (refused.route, refused.status, refused.client) == ("/ws/NOPE1", 404, "203.0.113.9")  # type: ignore[attr-defined]
    assert refused.levelno == logging.WARNING
    (party,) = [r for r in caplog.records if r.name == "engine.parties"]
    assert party.getMessage().endswith(" created")
    assert party.kind == "example.party"  # type: ignore[attr-defined]


async def test_development_mode_relaxes_rate_limits_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    environ = {"PARTY_ENGINE_DEV": "1", "PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4"}
    async with serve_apps([watchparty], environ=environ) as served:
        body = {"name": "Films", "password": "popcorn"}
        statuses = [
            (await served.client.post("/api/sessions/create", json=body)).status_code
            for _ in range(6)
        ]
    assert statuses == [200] * 6  # the spec's limit is 5 an hour
    (warning,) = [r for r in caplog.records if "DEVELOPMENT MODE" in r.getMessage()]
    assert warning.levelno == logging.WARNING


async def test_an_apps_rate_limit_is_its_setting() -> None:
    environ = {
        "PARTY_ENGINE_WATCHPARTY_CREATE_RATE_LIMIT": "2/3600",
        "PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4",
    }
    async with serve_apps([watchparty], environ=environ) as served:
        body = {"name": "Films", "password": "popcorn"}
        statuses = [
            (await served.client.post("/api/sessions/create", json=body)).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        refused = await served.client.post("/api/sessions/create", json=body)
        assert refused.headers["X-RateLimit-Limit"] == "2"
        assert refused.json()["message"] == "Maximum 2 session creations per hour"


async def test_an_unusable_engine_setting_stops_the_engine_before_it_opens() -> None:
    with pytest.raises(SettingsError, match="PARTY_ENGINE_TRUSTED_PROXIES"):
        async with open_test_engine([], environ={"PARTY_ENGINE_TRUSTED_PROXIES": "a proxy"}):
            pass
    with pytest.raises(SettingsError, match="PARTY_ENGINE_DEV"):
        async with open_test_engine([], environ={"PARTY_ENGINE_DEV": "maybe"}):
            pass
