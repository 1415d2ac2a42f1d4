"""Steps the p2p end-to-end tests share: a host and a zone registered, a session created."""

from __future__ import annotations

from typing import Any

from engine.net.client import Client

from p2p_values import REGISTER_BODY, ZONE_BODY


async def setup_host_and_zone(client: Client, prefix: str = "/api", **headers: str) -> None:
    """The spec's host (``host-12345``) and zone (``prontera``)."""
    for path, body in (("hosts/", REGISTER_BODY), ("zones/", ZONE_BODY)):
        answer = await client.post(f"{prefix}/{path}", json=body, headers=headers)
        assert answer.status_code == 201, answer.text


async def create_session(client: Client, prefix: str = "/api", **body: Any) -> dict[str, Any]:
    """A session of ``host-12345`` in ``prontera`` (``body`` overrides); its created body."""
    answer = await client.post(
        f"{prefix}/sessions/", json={"host_id": "host-12345", "zone_id": "prontera", **body}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()
