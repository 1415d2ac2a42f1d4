"""The state values (host, session, zone book) survive the store's JSON round trip, so the
actors that own them can save and reload them as they are."""

from __future__ import annotations

import json

import pytest

from engine.apps.p2p.hosts import Host, attach_session, heartbeat, new_host
from engine.apps.p2p.requests import (
    HeartbeatRequest,
    IceServer,
    RegisterHostRequest,
    UpdateSessionMetricsRequest,
)
from engine.apps.p2p.sessions import (
    Session,
    activate,
    add_ice_candidate,
    add_player,
    post_answer,
    post_offer,
    update_metrics,
)
from engine.apps.p2p.zones import ZoneBook, add_zone
from engine.store import STATE_CONVERTER

from p2p_values import REGISTER_BODY, T0, host, session, zone_request


def round_trip(value, cls):
    saved = json.dumps(STATE_CONVERTER.unstructure(value, cls))
    return STATE_CONVERTER.structure(json.loads(saved), cls)


def turn_host() -> Host:
    fields = {key: value for key, value in REGISTER_BODY.items() if key != "ice_servers"}
    servers = (
        IceServer("stun:stun.example:3478"),
        IceServer(("turn:t:3478", "turns:t:5349"), "u", "c"),
    )
    return new_host(RegisterHostRequest(**fields, ice_servers=servers), number=1, now=T0)


@pytest.mark.parametrize(
    "value",
    [
        host(),
        turn_host(),
        heartbeat(
            attach_session(host(), "session-a", "prontera"),
            HeartbeatRequest(latency_ms=12.5, current_players=3),
            now=T0 + 1,
        ),
    ],
)
def test_hosts_round_trip(value):
    assert round_trip(value, Host) == value


def test_sessions_round_trip():
    value = add_ice_candidate(
        post_answer(
            post_offer(
                update_metrics(
                    add_player(activate(session()), "player-1"),
                    UpdateSessionMetricsRequest(average_latency_ms=45.5, quality_score=95.0),
                ),
                "peer-1",
                "v=0\r\n",
            ),
            "peer-2",
            "v=0\r\n",
        ),
        "peer-1",
        "",
    )
    assert round_trip(value, Session) == value


def test_the_zone_book_round_trips():
    book, _ = add_zone(ZoneBook(), zone_request(), now=T0)
    book, _ = add_zone(book, zone_request(zone_id="geffen", max_latency_ms=None), now=T0)
    assert round_trip(book, ZoneBook) == book
