"""The session state machine, player capacity, empty-session expiry and REST signaling."""

from __future__ import annotations

import random

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.p2p.errors import (
    HostUnavailable,
    NoSignal,
    PlayerNotInSession,
    SessionClosed,
    SessionFull,
    SessionNotPending,
    ZoneNotAccepting,
)
from engine.apps.p2p.hosts import mark_offline
from engine.apps.p2p.requests import UpdateSessionMetricsRequest
from engine.apps.p2p.responses import IceCandidateView, SignalView
from engine.apps.p2p.sessions import (
    MAX_ICE_CANDIDATES,
    SessionIds,
    abandon_deadline,
    activate,
    add_ice_candidate,
    add_player,
    close,
    get_answer,
    get_offer,
    is_abandoned,
    new_session_id,
    post_answer,
    post_offer,
    remove_player,
    update_metrics,
)
from engine.apps.p2p.statuses import SessionStatus, ZoneStatus

from p2p_values import T0, host, session, zone

EMPTY = 600.0


def test_session_ids_are_session_and_16_hex_digits():
    rng = random.Random(7)
    ids = {new_session_id(rng) for _ in range(100)}
    assert len(ids) == 100
    for session_id in ids:
        prefix, digits = session_id[:8], session_id[8:]
        assert prefix == "session-" and len(digits) == 16 and int(digits, 16) >= 0


def test_the_id_scheme_makes_and_reads_session_ids():
    ids = SessionIds(random.Random(3))
    made = ids.new()
    assert made == new_session_id(random.Random(3))
    assert ids.parse(made) == made
    assert ids.parse(made.upper().replace("SESSION", "session")) == made
    for text in (
        "",
        "session-",
        "session-0123456789abcde",
        "session-0123456789abcdefg",
        "s-0123456789abcdef",
        "session-0123456789abcdeg",
    ):
        assert ids.parse(text) is None
    assert SessionIds().may_collide


def test_a_new_session_is_pending_empty_and_names_host_and_zone_numbers():
    opened = session(4, on=host(2), into=zone(3), max_players=50)
    assert (opened.id, opened.status, opened.players) == (4, SessionStatus.PENDING, ())
    assert (opened.host_id, opened.host_number, opened.zone_id, opened.zone_number) == (
        "host-12345",
        2,
        "prontera",
        3,
    )
    assert (opened.max_players, opened.created_at, opened.empty_since) == (50, T0, T0)


@pytest.mark.parametrize(
    ("requested", "zone_max", "expected"), [(None, 100, 100), (20, 100, 20), (150, 100, 100)]
)
def test_max_players_is_the_request_capped_at_the_zone(requested, zone_max, expected):
    assert (
        session(
            into=zone(max_players=zone_max, recommended_players=1), max_players=requested
        ).max_players
        == expected
    )


def test_a_session_needs_an_online_host_and_a_p2p_zone():
    with pytest.raises(HostUnavailable):
        session(on=mark_offline(host())[0])
    with pytest.raises(ZoneNotAccepting):
        session(into=zone(p2p_enabled=False))
    with pytest.raises(ZoneNotAccepting):
        session(into=attrs.evolve(zone(), status=ZoneStatus.MAINTENANCE))


def test_only_a_pending_session_activates():
    active = activate(session())
    assert active.status is SessionStatus.ACTIVE
    with pytest.raises(SessionNotPending) as refused:
        activate(active)
    assert refused.value.status == 400
    assert refused.value.message == (
        "Session session-0123456789abcdef is ACTIVE: only a PENDING session can be activated"
    )
    with pytest.raises(SessionNotPending):
        activate(close(session(), SessionStatus.ENDED, now=T0))


def test_players_fill_a_session_up_to_max_players():
    small = session(max_players=2)
    full = add_player(add_player(small, "player-1"), "player-2")
    assert full.players == ("player-1", "player-2")
    with pytest.raises(SessionFull) as refused:
        add_player(full, "player-12345")
    assert (refused.value.status, refused.value.message) == (
        400,
        "Failed to add player player-12345 to session 1",
    )


def test_adding_a_player_again_changes_nothing():
    one = add_player(session(max_players=1), "player-1")
    assert add_player(one, "player-1") is one


@given(st.integers(1, 20), st.lists(st.sampled_from([f"p{n}" for n in range(30)])))
def test_a_session_never_holds_more_than_max_players(max_players, arrivals):
    current = session(max_players=max_players)
    for player in arrivals:
        try:
            current = add_player(current, player)
        except SessionFull:
            assert current.current_players == max_players
    assert current.current_players <= max_players
    assert len(set(current.players)) == current.current_players


def test_removing_players_and_the_empty_clock():
    two = add_player(add_player(session(), "player-1"), "player-2")
    assert two.empty_since is None and abandon_deadline(two, EMPTY) is None
    one = remove_player(two, "player-1", now=T0 + 10)
    assert (one.players, one.empty_since) == (("player-2",), None)
    empty = remove_player(one, "player-2", now=T0 + 20)
    assert empty.empty_since == T0 + 20
    assert abandon_deadline(empty, EMPTY) == T0 + 20 + EMPTY


def test_removing_an_unknown_player_is_not_found():
    with pytest.raises(PlayerNotInSession) as refused:
        remove_player(session(), "player-12345", now=T0)
    assert (refused.value.status, refused.value.message) == (
        404,
        "Player player-12345 not found in session 1",
    )


def test_a_session_empty_for_the_timeout_is_abandoned():
    fresh = session()
    assert not is_abandoned(fresh, T0 + EMPTY - 0.001, EMPTY)
    assert is_abandoned(fresh, T0 + EMPTY, EMPTY)
    joined = add_player(fresh, "player-1")
    assert not is_abandoned(joined, T0 + 10 * EMPTY, EMPTY)
    left = remove_player(joined, "player-1", now=T0 + 300)
    assert not is_abandoned(left, T0 + EMPTY, EMPTY)
    assert is_abandoned(left, T0 + 300 + EMPTY, EMPTY)
    ended = close(left, SessionStatus.ENDED, now=T0 + 900)
    assert abandon_deadline(ended, EMPTY) is None and not is_abandoned(ended, T0 + 10**6, EMPTY)


def test_closing_is_final_and_keeps_the_record():
    with_player = add_player(activate(session()), "player-1")
    failed = close(with_player, SessionStatus.FAILED, now=T0 + 5)
    assert (failed.status, failed.closed_at, failed.players) == ("FAILED", T0 + 5, ("player-1",))
    assert close(failed, SessionStatus.ENDED, now=T0 + 6) is failed
    with pytest.raises(ValueError, match="not a closing status"):
        close(session(), SessionStatus.ACTIVE, now=T0)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: add_player(s, "player-1"),
        lambda s: remove_player(s, "player-1", now=T0),
        lambda s: update_metrics(s, UpdateSessionMetricsRequest(average_latency_ms=1.0)),
        lambda s: post_offer(s, "peer-1", "v=0"),
        lambda s: post_answer(s, "peer-1", "v=0"),
        lambda s: add_ice_candidate(s, "peer-1", "candidate:1"),
    ],
)
def test_a_closed_session_refuses_every_change(change):
    ended = close(add_player(session(), "player-1"), SessionStatus.ENDED, now=T0)
    with pytest.raises(SessionClosed) as refused:
        change(ended)
    assert refused.value.message == "Session session-0123456789abcdef is ENDED"


def test_metrics_replace_the_fields_given():
    first = update_metrics(
        session(),
        UpdateSessionMetricsRequest(
            average_latency_ms=45.5,
            average_packet_loss_percent=0.2,
            bandwidth_usage_mbps=75.0,
            quality_score=95.0,
        ),
    )
    second = update_metrics(first, UpdateSessionMetricsRequest(average_latency_ms=30.0))
    assert attrs.astuple(second.metrics) == (30.0, 0.2, 75.0, 95.0)


def test_rest_signaling_keeps_the_latest_offer_and_answer():
    opened = session()
    with pytest.raises(NoSignal) as refused:
        get_offer(opened)
    assert (refused.value.status, refused.value.message) == (
        404,
        "No offer for session: session-0123456789abcdef",
    )
    with pytest.raises(NoSignal):
        get_answer(opened)
    signalled = post_offer(post_offer(opened, "peer-1", "v=0 one"), "peer-2", "v=0 two")
    signalled = post_answer(signalled, "peer-3", "v=0 three")
    assert get_offer(signalled) == SignalView("peer-2", "v=0 two")
    assert get_answer(signalled) == SignalView("peer-3", "v=0 three")


def test_ice_candidates_keep_the_latest_in_order():
    current = session()
    for n in range(MAX_ICE_CANDIDATES + 5):
        current = add_ice_candidate(current, "peer-1", f"candidate:{n}")
    kept = current.signals.candidates
    assert len(kept) == MAX_ICE_CANDIDATES
    assert kept[0] == IceCandidateView("peer-1", "candidate:5")
    assert kept[-1].candidate == f"candidate:{MAX_ICE_CANDIDATES + 4}"
