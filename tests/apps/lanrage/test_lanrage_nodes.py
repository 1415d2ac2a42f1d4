"""LANrage end to end: two and three real node processes on loopback, sharing one node's
control plane over HTTP; restarts, and a SIGKILL after which everything acknowledged is there.
"""

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio
from lanrage_nodes import NodeProcess, free_udp_port, lanrage_node
from postgres import postgres as postgres

TOKEN = "s3cret-token"


def control_server(stun_port: int) -> dict[str, str]:
    """The node whose control plane the others use; it detects its NAT against itself."""
    return {
        "PARTY_ENGINE_LANRAGE_CONTROL_TOKEN": TOKEN,
        "PARTY_ENGINE_LANRAGE_STUN_LISTEN": f"127.0.0.1:{stun_port}",
        "PARTY_ENGINE_LANRAGE_STUN": f"127.0.0.1:{stun_port}",
    }


def client_of(server: NodeProcess, server_stun: int) -> dict[str, str]:
    return {
        "PARTY_ENGINE_LANRAGE_CONTROL_URL": server.url,
        "PARTY_ENGINE_LANRAGE_CONTROL_TOKEN": TOKEN,
        "PARTY_ENGINE_LANRAGE_STUN": f"127.0.0.1:{server_stun}",
        "PARTY_ENGINE_LANRAGE_STUN_LISTEN": f"127.0.0.1:{free_udp_port()}",
    }


def peers_of(status: dict) -> dict[str, tuple[str, str]]:
    """Each peer's name and virtual IP, as one node's status shows them."""
    if status["status"] != "in_party":
        return {}
    return {pid: (p["name"], p["virtual_ip"]) for pid, p in status["party"]["peers"].items()}


async def test_two_nodes_create_join_agree_leave_and_disband() -> None:
    stun = free_udp_port()
    async with lanrage_node(settings=control_server(stun)) as alpha:
        async with lanrage_node(settings=client_of(alpha, stun)) as beta:
            created = await alpha.client.post("/party/create", json={"name": "Gaming Night"})
            assert created.status_code == 200, created.text
            party_id = created.json()["party_id"]
            joined = await beta.client.post(
                "/party/join", json={"party_id": party_id, "peer_name": "Bob"}
            )
            assert joined.status_code == 200, joined.text
            assert sorted(peers_of({"status": "in_party", **joined.json()}).values()) == [
                ("Bob", "10.66.0.2"),
                ("Host", "10.66.0.1"),
            ]
            # Both statuses agree, and each reaches the other directly by UDP probe.
            seen_by_alpha = await alpha.wait_for(lambda s: len(peers_of(s)) == 2)
            seen_by_beta = await beta.status()
            assert peers_of(seen_by_alpha) == peers_of(seen_by_beta)
            assert seen_by_alpha["party"]["id"] == seen_by_beta["party"]["id"] == party_id
            for node, _other in ((alpha, beta), (beta, alpha)):
                status = await node.wait_for(
                    lambda s: any(
                        p["latency_source"] == "udp_probe" for p in s["party"]["peers"].values()
                    )
                )
                assert status["nat_info"]["nat_type"] == "open"
                assert status["nat_info"]["public_ip"] == "127.0.0.1"
            beta_seen = seen_by_alpha["party"]["peers"]
            beta_id = next(pid for pid, p in beta_seen.items() if p["name"] == "Bob")
            direct = await alpha.wait_for(
                lambda s: s["party"]["peers"][beta_id]["connection_type"] == "direct"
            )
            assert direct["party"]["peers"][beta_id]["latency_ms"] >= 0
            # Leaving: alpha sees beta go; then beta joins again and the host disbands.
            assert (await beta.client.post("/party/leave")).json() == {"status": "left"}
            assert (await beta.status())["status"] == "no_party"
            await alpha.wait_for(lambda s: len(peers_of(s)) == 1)
            await beta.client.post("/party/join", json={"party_id": party_id, "peer_name": "Bob"})
            assert (await alpha.client.post("/party/leave")).json() == {"status": "left"}
            await beta.wait_for(lambda s: s["status"] == "no_party")
            gone = await beta.client.post(
                "/party/join", json={"party_id": party_id, "peer_name": "Bob"}
            )
            assert (gone.status_code, gone.json()) == (404, {"detail": "Party not found"})


async def test_three_nodes_share_one_control_plane() -> None:
    stun = free_udp_port()
    async with lanrage_node(settings=control_server(stun)) as alpha:
        async with (
            lanrage_node(settings=client_of(alpha, stun)) as beta,
            lanrage_node(settings=client_of(alpha, stun)) as gamma,
        ):
            created = (await beta.client.post("/party/create", json={"name": "LAN"})).json()
            party_id = created["party_id"]
            for node, name in ((gamma, "Gamma"), (alpha, "Alpha")):
                answer = await node.client.post(
                    "/party/join", json={"party_id": party_id, "peer_name": name}
                )
                assert answer.status_code == 200, answer.text
            expected = {("Host", "10.66.0.1"), ("Gamma", "10.66.0.2"), ("Alpha", "10.66.0.3")}
            views = [
                await node.wait_for(lambda s: set(peers_of(s).values()) == expected)
                for node in (alpha, beta, gamma)
            ]
            assert len({view["party"]["host_id"] for view in views}) == 1
            await gamma.client.post("/party/leave")
            for node in (alpha, beta):
                await node.wait_for(lambda s: len(peers_of(s)) == 2)
            await beta.client.post("/party/leave")  # the host: disbanded for everyone
            await alpha.wait_for(lambda s: s["status"] == "no_party")


async def test_restarts_keep_identity_and_party(tmp_path: Path) -> None:
    stun = free_udp_port()
    alpha_store = f"sqlite:///{tmp_path / 'alpha.db'}"
    beta_store = f"sqlite:///{tmp_path / 'beta.db'}"
    async with lanrage_node(alpha_store, control_server(stun)) as alpha:
        beta_settings = client_of(alpha, stun)
        async with lanrage_node(beta_store, beta_settings) as beta:
            party_id = (await beta.client.post("/party/create", json={"name": "LAN"})).json()[
                "party_id"
            ]
            await alpha.client.post("/party/join", json={"party_id": party_id, "peer_name": "A"})
            before = await beta.wait_for(lambda s: len(peers_of(s)) == 2)
        # beta stopped gracefully; it comes back as the same peer, in the same party.
        async with lanrage_node(beta_store, beta_settings) as beta:
            after = await beta.wait_for(lambda s: len(peers_of(s)) == 2)
    assert after["party"]["id"] == party_id
    assert after["party"]["host_id"] == before["party"]["host_id"]
    host = before["party"]["host_id"]
    assert (
        after["party"]["peers"][host]["public_key"] == before["party"]["peers"][host]["public_key"]
    )
    assert peers_of(after) == peers_of(before)


@pytest.fixture(params=["sqlite", "postgresql"])
def durable_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store that outlives the process, on each durable backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'alpha.db'}"
    else:
        with request.getfixturevalue("postgres").database() as url:
            yield url


async def test_a_sigkill_loses_nothing_acknowledged(durable_store: str) -> None:
    stun = free_udp_port()
    store = durable_store
    settings = control_server(stun)
    async with lanrage_node(store, settings) as alpha:
        async with lanrage_node(settings=client_of(alpha, stun)) as beta:
            party_id = (await alpha.client.post("/party/create", json={"name": "LAN"})).json()[
                "party_id"
            ]
            joined = await beta.client.post(
                "/party/join", json={"party_id": party_id, "peer_name": "B"}
            )
            assert joined.status_code == 200
            before = await alpha.wait_for(lambda s: len(peers_of(s)) == 2)
            alpha.process.send_signal(signal.SIGKILL)
            with trio.fail_after(10):
                await alpha.process.wait()
    async with lanrage_node(store, settings) as alpha:
        after = await alpha.wait_for(lambda s: len(peers_of(s)) == 2)
        raw = await alpha.client.get(
            f"/control/parties/{party_id}", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert peers_of(after) == peers_of(before)
    assert after["party"]["host_id"] == before["party"]["host_id"]
    assert [m["virtual_ip"] for m in raw.json()["members"]] == ["10.66.0.1", "10.66.0.2"]
