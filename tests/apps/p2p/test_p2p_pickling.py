"""What crosses between the nodes of a cluster is pickled: every ask of the registry, the hosts
and the sessions, their answers and refusals, the listings and a signaling connection's state
come back equal (an unpicklable one would fail the ask on the other node)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from engine.apps.p2p import errors
from engine.apps.p2p.host_party import Attach, Beat, ReadHost, Reregister, Unregister
from engine.apps.p2p.hosts import attach_session, heartbeat
from engine.apps.p2p.messages import CloseSession, Detach
from engine.apps.p2p.registry import (
    CountPlayerServed,
    CreateZone,
    GetZone,
    ListZones,
    NumberHost,
    NumberSession,
    Registry,
    UpdateZone,
)
from engine.apps.p2p.requests import (
    HeartbeatRequest,
    RegisterHostRequest,
    UpdateSessionMetricsRequest,
    UpdateZoneRequest,
    ZoneQuery,
)
from engine.apps.p2p.session_party import (
    Activate,
    AddCandidate,
    AddPlayer,
    Connection,
    PostSignal,
    ReadSession,
    RemovePlayer,
    UpdateMetrics,
)
from engine.apps.p2p.sessions import add_ice_candidate, add_player, post_offer, update_metrics
from engine.apps.p2p.statuses import SessionStatus, ZoneStatus
from engine.apps.p2p.wire import WIRE
from engine.apps.p2p.zones import ZoneBook, add_zone
from engine.errors import AppError

from p2p_values import REGISTER_BODY, T0, host, session, zone, zone_request

REGISTERED = WIRE.structure(REGISTER_BODY, RegisterHostRequest)
BEAT = HeartbeatRequest(latency_ms=20.0, packet_loss_percent=0.5, current_players=3)
METRICS = UpdateSessionMetricsRequest(average_latency_ms=30.0, quality_score=90.0)


def _busy_session() -> Any:
    value = add_player(session(), "player-1")
    value = post_offer(value, "peer-1", "v=0")
    value = add_ice_candidate(value, "peer-1", "candidate:1 1 UDP 1 10.0.0.1 5000 typ host")
    return update_metrics(value, METRICS)


MESSAGES = [
    Reregister(REGISTERED),
    Beat(BEAT),
    ReadHost(),
    Unregister(),
    Attach("session-0123456789abcdef", "prontera"),
    Detach("session-0123456789abcdef"),
    CloseSession(SessionStatus.FAILED, release_host=False),
    CreateZone(zone_request()),
    GetZone("prontera"),
    ListZones(ZoneQuery(p2p_enabled=True, status=ZoneStatus.ENABLED)),
    UpdateZone("prontera", UpdateZoneRequest(p2p_enabled=False, status=ZoneStatus.MAINTENANCE)),
    CountPlayerServed("prontera"),
    NumberHost(),
    NumberSession(),
    ReadSession(),
    Activate(),
    AddPlayer("player-1"),
    RemovePlayer("player-1"),
    UpdateMetrics(METRICS),
    PostSignal("offer", "peer-1", "v=0"),
    AddCandidate("peer-1", ""),
    Connection(joined=2),
]

BUSY_HOST = attach_session(host(ice_servers=REGISTERED.ice_servers), "s", "prontera")
ANSWERS = [
    heartbeat(BUSY_HOST, BEAT, now=T0 + 5),
    zone(),
    [zone(), zone(2, zone_id="geffen")],
    _busy_session(),
    (_busy_session(), True),
    Registry(add_zone(ZoneBook(), zone_request(), now=T0)[0], next_host=3, next_session=9),
]


@pytest.mark.parametrize("value", MESSAGES + ANSWERS, ids=lambda value: type(value).__name__)
def test_a_message_or_answer_comes_back_equal(value: Any) -> None:
    assert pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)) == value


@pytest.mark.parametrize(
    "error",
    [
        errors.SessionFull("player-1", 4),
        errors.PlayerNotInSession("player-1", 4),
        errors.TooManyPlayers("host-12345", 60, 50),
        errors.HostAtZoneLimit("host-12345", 5),
        errors.ZoneExists("prontera"),
        errors.NoSignal("offer", "session-0123456789abcdef"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_refusal_comes_back_with_its_status_and_text(error: AppError) -> None:
    back = pickle.loads(pickle.dumps(error, pickle.HIGHEST_PROTOCOL))
    assert type(back) is type(error)
    assert (back.status, back.code, back.message) == (error.status, error.code, error.message)
