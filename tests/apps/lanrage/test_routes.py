"""LANrage's HTTP API on a loopback port (in process): bad input of every kind gets the spec's
errors and changes nothing; the control plane refuses calls without its token; the routes are
under /lanrage when served with other apps and described in the OpenAPI document.
"""

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from engine.apps.lanrage.app import make_app
from engine.apps.lanrage.identity import generate_identity
from engine.apps.lanrage.settings import LanrageSettings
from engine.net.client import open_client
from engine.testing import Served, serve_apps

TOKEN = "s3cret-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with serve_apps([make_app(LanrageSettings(control_token=TOKEN))]) as served:
        yield served


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def peer(name: str = "Alice", **overrides: Any) -> dict[str, Any]:
    identity = generate_identity()
    body = {"peer_id": identity.peer_id, "name": name, "public_key": identity.public_key}
    return {**body, **overrides}


async def nothing_changed(served: Served) -> None:
    assert (await served.client.get("/status")).json()["status"] == "no_party"
    assert await served.engine.store.keys("lanrage.party") == []


def problems(response: Any) -> list[tuple[list[Any], str]]:
    assert response.status_code == 400, response.text
    return [(problem["loc"], problem["type"]) for problem in response.json()["detail"]]


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/party/create", {}, [(["body", "name"], "missing")]),
        ("/party/create", {"name": 5}, [(["body", "name"], "type_error")]),
        ("/party/create", {"name": True}, [(["body", "name"], "type_error")]),
        ("/party/create", {"name": ""}, [(["body", "name"], "value_error")]),
        ("/party/create", {"name": "x" * 51}, [(["body", "name"], "value_error")]),
        ("/party/create", {"name": "ok", "extra": 1}, [(["body"], "value_error")]),
        ("/party/create", [], [(["body"], "type_error")]),
        ("/party/create", "Night", [(["body"], "type_error")]),
        (
            "/party/join",
            {"party_id": None, "peer_name": "x" * 51},
            [(["body", "party_id"], "type_error"), (["body", "peer_name"], "value_error")],
        ),
        (
            "/party/join",
            {"party_id": "x" * 21, "peer_name": "B"},
            [(["body", "party_id"], "value_error")],
        ),
        ("/party/join", {"party_id": "abc"}, [(["body", "peer_name"], "missing")]),
        ("/party/leave", {"why": "bored"}, [(["body"], "value_error")]),
    ],
)
async def test_bad_bodies_are_400_in_the_list_format(
    served: Served, path: str, body: Any, expected: list[tuple[list[Any], str]]
) -> None:
    response = await served.client.post(path, json=body)
    assert sorted(problems(response)) == sorted(expected)
    await nothing_changed(served)


async def test_malformed_json_and_a_missing_body(served: Served) -> None:
    for raw in (b"{", b"{'name': 'x'}", b"\xff", b"[1,]"):
        response = await served.client.post(
            "/party/create", content=raw, headers={"Content-Type": "application/json"}
        )
        assert problems(response)[0][0] == ["body"]
    assert problems(await served.client.post("/party/create"))[0] == (["body"], "type_error")
    await nothing_changed(served)


async def test_an_oversized_body_is_413(served: Served) -> None:
    response = await served.client.post(
        "/party/create", content=b'{"name": "' + b"x" * (2 << 20) + b'"}'
    )
    assert response.status_code == 413
    assert isinstance(response.json()["detail"], str)
    # The server closed that connection after refusing the body: look with a new one.
    async with open_client(served.base_url) as client:
        assert (await client.get("/status")).json()["status"] == "no_party"
    assert await served.engine.store.keys("lanrage.party") == []


async def test_unknown_ids_routes_and_no_party(served: Served) -> None:
    for party_id in ("000000000000", "nope", "ABCDEF012345"):
        response = await served.client.post(
            "/party/join", json={"party_id": party_id, "peer_name": "Bob"}
        )
        assert (response.status_code, response.json()) == (404, {"detail": "Party not found"})
    left = await served.client.post("/party/leave")
    assert (left.status_code, left.json()) == (400, {"detail": "Not in a party"})
    assert (await served.client.get("/nowhere")).status_code == 404
    wrong_method = await served.client.get("/party/create")
    assert wrong_method.status_code == 405 and "detail" in wrong_method.json()
    await nothing_changed(served)


async def test_one_party_at_a_time(served: Served) -> None:
    created = (await served.client.post("/party/create", json={"name": "Night"})).json()
    again = await served.client.post("/party/create", json={"name": "Another"})
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "Already in a party; leave it first"},
    )
    joining = await served.client.post(
        "/party/join", json={"party_id": created["party_id"], "peer_name": "Me"}
    )
    assert joining.status_code == 409
    assert await served.engine.store.keys("lanrage.party") == [created["party_id"]]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
async def test_the_control_plane_refuses_calls_without_the_token(
    served: Served, headers: dict[str, str]
) -> None:
    calls = [
        ("POST", "/control/parties", {"name": "Night", "host": peer("Host")}),
        ("GET", "/control/parties/000000000000", None),
        ("POST", "/control/parties/000000000000/join", {"peer": peer()}),
        ("POST", "/control/parties/000000000000/heartbeat", {"peer": peer()}),
        ("POST", "/control/parties/000000000000/leave", {"peer_id": "0" * 16}),
    ]
    for method, path, body in calls:
        response = await served.client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.json() == {"detail": "Missing or invalid control-plane token"}
    await nothing_changed(served)


async def test_a_node_without_a_token_serves_its_control_plane_to_nobody() -> None:
    async with serve_apps([make_app(LanrageSettings())]) as served:
        for headers in ({}, {"Authorization": "Bearer"}, BEARER):
            response = await served.client.get("/control/parties/000000000000", headers=headers)
            assert response.status_code == 401
        # The node itself still uses it.
        assert (await served.client.post("/party/create", json={"name": "Solo"})).status_code == 200


async def test_the_control_plane_with_the_token(served: Served) -> None:
    host, alice = peer("Host"), peer("Alice", nat_type="open", endpoint="127.0.0.1:3478")
    created = await served.client.post(
        "/control/parties", json={"name": "Night", "host": host}, headers=BEARER
    )
    assert created.status_code == 200, created.text
    party = created.json()
    assert party["members"][0]["peer"]["nat_type"] == "unknown"
    path = f"/control/parties/{party['id']}"
    joined = (await served.client.post(f"{path}/join", json={"peer": alice}, headers=BEARER)).json()
    assert [m["virtual_ip"] for m in joined["members"]] == ["10.66.0.1", "10.66.0.2"]
    assert (await served.client.get(path, headers=BEARER)).json() == joined
    stranger = peer("Stranger")
    beat = await served.client.post(f"{path}/heartbeat", json={"peer": stranger}, headers=BEARER)
    assert (beat.status_code, beat.json()) == (404, {"detail": "Peer is not in this party"})
    bad = await served.client.post(
        f"{path}/join",
        json={"peer": {**alice, "public_key": "short", "nat_type": "odd"}},
        headers=BEARER,
    )
    assert sorted(problems(bad)) == [
        (["body", "peer", "nat_type"], "value_error"),
        (["body", "peer", "public_key"], "value_error"),
    ]
    assert (await served.client.get(path, headers=BEARER)).json() == joined
    left = await served.client.post(
        f"{path}/leave", json={"peer_id": alice["peer_id"]}, headers=BEARER
    )
    assert left.json() == {"status": "left"}
    gone = await served.client.post(
        f"{path}/leave", json={"peer_id": host["peer_id"]}, headers=BEARER
    )
    assert gone.json() == {"status": "disbanded"}
    assert (await served.client.get(path, headers=BEARER)).status_code == 404


async def test_served_under_lanrage_with_other_apps_and_described() -> None:
    async with serve_apps([make_app(LanrageSettings())], prefixed=True) as served:
        assert (await served.client.get("/lanrage/status")).json()["status"] == "no_party"
        assert (await served.client.get("/status")).status_code == 404
        document = (await served.client.get("/openapi.json")).json()
    paths = document["paths"]
    for path, method in [
        ("/lanrage/party/create", "post"),
        ("/lanrage/party/join", "post"),
        ("/lanrage/party/leave", "post"),
        ("/lanrage/status", "get"),
        ("/lanrage/control/parties", "post"),
        ("/lanrage/control/parties/{party_id}", "get"),
        ("/lanrage/control/parties/{party_id}/join", "post"),
        ("/lanrage/control/parties/{party_id}/heartbeat", "post"),
        ("/lanrage/control/parties/{party_id}/leave", "post"),
    ]:
        assert "content" in paths[path][method]["responses"]["200"], path


async def test_an_unreachable_control_plane_is_503_and_changes_nothing() -> None:
    nowhere = LanrageSettings(control_url=f"http://127.0.0.1:{free_tcp_port()}", control_token="t")
    async with serve_apps([make_app(nowhere)]) as served:
        created = await served.client.post("/party/create", json={"name": "Night"})
        assert (created.status_code, created.json()) == (
            503,
            {"detail": "The control plane is unavailable"},
        )
        joined = await served.client.post(
            "/party/join", json={"party_id": "000000000000", "peer_name": "Bob"}
        )
        assert joined.status_code == 503
        assert (await served.client.get("/status")).json()["status"] == "no_party"


async def test_a_control_plane_refusing_this_nodes_token_is_503(served: Served) -> None:
    wrong = LanrageSettings(control_url=served.base_url, control_token="not-the-token")
    async with serve_apps([make_app(wrong)]) as other:
        created = await other.client.post("/party/create", json={"name": "Night"})
        assert (created.status_code, created.json()) == (
            503,
            {"detail": "The control plane refused this node's token"},
        )
        assert (await other.client.get("/status")).json()["status"] == "no_party"
    await nothing_changed(served)
