"""A session's pure rules: seats, connections, chat history, playback, expiry, usernames."""

from __future__ import annotations

import random

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.watchparty.errors import NotAParticipant, NotHost, SessionFull
from engine.apps.watchparty.session import (
    CHAT_HISTORY,
    SessionSettings,
    add_participant,
    admit_host,
    is_expired,
    mark_connected,
    mark_disconnected,
    new_session,
    participant,
    playback_at,
    post_chat,
    random_username,
    reconcile_connections,
    seat_holders,
    set_playback,
)

T0 = 1_770_000_000.0
HOLD = 3600.0


def fresh(**settings):
    state = new_session("s1", "Movie Night", "hash", "host", T0, SessionSettings(**settings))
    return admit_host(state, "HappyOtter", T0, HOLD)


def full(n=10):
    state = fresh()
    for i in range(1, n):
        state = add_participant(state, f"u{i}", f"User{i}", T0, HOLD)
    return state


def test_new_session_and_host():
    state = fresh(ttl=60)
    assert (state.created_at, state.expires_at, state.max_participants) == (T0, T0 + 60, 10)
    host = participant(state, "host")
    assert (host.username, host.is_host, host.connected, host.joined_at) == (
        "HappyOtter", True, False, T0,
    )  # fmt: skip
    assert admit_host(state, "Other", T0 + 1, HOLD) is state


def test_joiners_are_not_hosts_and_ids_are_fresh():
    state = add_participant(fresh(), "u1", "SwiftLynx", T0, HOLD)
    assert not participant(state, "u1").is_host
    with pytest.raises(ValueError):
        add_participant(state, "u1", "Again", T0, HOLD)


def test_the_eleventh_is_refused_and_nothing_changes():
    state = full()
    assert len(state.participants) == 10
    with pytest.raises(SessionFull):
        add_participant(state, "u10", "Late", T0, HOLD)


def test_a_seat_is_held_while_connected_or_for_the_token_lifetime():
    state = mark_connected(full(), "u1")
    # Just before the tokens lapse every seat is held.
    with pytest.raises(SessionFull):
        add_participant(state, "new", "New", T0 + HOLD - 1, HOLD)
    # After, only the connected participant keeps theirs; the others are dropped.
    state = add_participant(state, "new", "New", T0 + HOLD, HOLD)
    assert [p.user_id for p in state.participants] == ["u1", "new"]
    assert [p.user_id for p in seat_holders(state, T0 + HOLD, HOLD)] == ["u1", "new"]


def test_connection_flags():
    state = fresh()
    connected = mark_connected(state, "host")
    assert participant(connected, "host").connected
    assert mark_connected(connected, "host") is connected
    assert mark_disconnected(connected, "host") == state
    assert mark_disconnected(state, "host") is state
    assert mark_disconnected(state, "stranger") is state
    with pytest.raises(NotAParticipant):
        mark_connected(state, "stranger")


def test_reconcile_sets_every_flag_from_the_live_connections():
    state = mark_connected(add_participant(fresh(), "u1", "A", T0, HOLD), "u1")
    reconciled = reconcile_connections(state, {"host"})
    assert [p.connected for p in reconciled.participants] == [True, False]
    assert reconcile_connections(reconciled, {"host"}) is reconciled


def test_chat_entries_take_the_authors_name_and_the_time_in_ms():
    state, entry = post_chat(fresh(), "host", "hello", "msg_1", T0 + 0.25)
    assert (entry.id, entry.user_id, entry.username, entry.message) == (
        "msg_1", "host", "HappyOtter", "hello",
    )  # fmt: skip
    assert entry.timestamp == int((T0 + 0.25) * 1000)
    assert state.chat == (entry,)
    with pytest.raises(NotAParticipant):
        post_chat(state, "stranger", "hi", "msg_2", T0)


@given(st.integers(min_value=0, max_value=3 * CHAT_HISTORY))
def test_chat_history_keeps_the_last_50(count):
    state = fresh()
    for n in range(count):
        state, _ = post_chat(state, "host", f"m{n}", f"msg_{n}", T0 + n)
    assert [e.message for e in state.chat] == [f"m{n}" for n in range(count)][-CHAT_HISTORY:]


def test_only_the_host_sets_playback():
    state = add_participant(fresh(), "u1", "A", T0, HOLD)
    with pytest.raises(NotHost):
        set_playback(state, "u1", playing=True, position=1.0, volume=None, now=T0)
    state = set_playback(state, "host", playing=True, position=1.0, volume=0.5, now=T0)
    assert state.playback is not None
    assert state.playback.volume == 0.5


@given(
    position=st.floats(min_value=0, max_value=1e5),
    elapsed=st.floats(min_value=0, max_value=1e5),
)
def test_a_newcomer_sees_the_position_moved_on_while_playing(position, elapsed):
    state = set_playback(fresh(), "host", playing=True, position=position, volume=None, now=T0)
    now = T0 + elapsed
    snapshot = playback_at(state, now)
    assert snapshot is not None
    assert snapshot.playing
    assert snapshot.position == pytest.approx(position + (now - T0))
    assert snapshot.updated_at == now


def test_paused_playback_stays_put_and_no_update_means_none():
    assert playback_at(fresh(), T0) is None
    state = set_playback(fresh(), "host", playing=False, position=42.0, volume=None, now=T0)
    snapshot = playback_at(state, T0 + 999)
    assert snapshot is not None
    assert snapshot.position == 42.0


def test_a_clock_set_back_never_rewinds_the_film():
    state = set_playback(fresh(), "host", playing=True, position=10.0, volume=None, now=T0)
    snapshot = playback_at(state, T0 - 50)
    assert snapshot is not None
    assert snapshot.position == 10.0


def test_expiry():
    state = fresh(ttl=60)
    assert not is_expired(state, T0 + 59.999)
    assert is_expired(state, T0 + 60)


def test_usernames_are_adjective_animal_and_unique_in_the_session():
    rng = random.Random(7)
    taken: set[str] = set()
    for _ in range(400):
        name = random_username(taken, rng)
        assert name not in taken and name.isalpha() and name[0].isupper()
        taken.add(name)
    # All 400 combinations are taken: a number makes the next one unique.
    extra = random_username(taken, rng)
    assert extra not in taken and extra[-1].isdigit()


def test_settings_are_checked():
    with pytest.raises(ValueError):
        SessionSettings(max_participants=0)
    with pytest.raises(ValueError):
        SessionSettings(ttl=0)
    assert attrs.evolve(SessionSettings(), ttl="60").ttl == 60.0
