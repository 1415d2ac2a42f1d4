"""Abandoned sessions and idle lobby participants."""

from __future__ import annotations

import random

from engine.apps.quipflip import lobby
from engine.apps.quipflip.housekeeping import abandoned, idle_participants
from engine.apps.quipflip.party import PartyConfig

from quipflip_play import make_lobby, started


def test_a_session_is_abandoned_at_its_age_limit() -> None:
    state = make_lobby(random.Random(1), humans=2)
    assert not abandoned(state, state.created_at + 86399, 86400)
    assert abandoned(state, state.created_at + 86400, 86400)


def test_idle_humans_in_the_lobby_are_those_neither_connected_nor_active() -> None:
    # p0 and p1 marked ready at 1100, p2 only joined at 1002; p3 is an AI player.
    state = make_lobby(random.Random(2), humans=3, ais=1, ready=False, config=PartyConfig(2, 9))
    state = lobby.mark_ready(lobby.mark_ready(state, "p0", 1100.0), "p1", 1100.0)
    assert idle_participants(state, 1002.0 + 1799, 1800, connected=()) == ()
    assert idle_participants(state, 1002.0 + 1800, 1800, connected=()) == ("p2",)
    assert idle_participants(state, 1100.0 + 1800, 1800, connected={"p1"}) == ("p0", "p2")


def test_nobody_is_idle_once_the_party_started() -> None:
    state = started(random.Random(3), humans=3)
    assert idle_participants(state, 10**9, 1800, connected=()) == ()
