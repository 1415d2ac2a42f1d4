"""The lobby: joining, leaving and host hand-over, ready, AI players, ping and start."""

from __future__ import annotations

import random

import pytest

from engine.apps.quipflip import errors, lobby
from engine.apps.quipflip.party import (
    ParticipantStatus,
    PartyConfig,
    Phase,
    SessionStatus,
)

from quipflip_play import HOST, TIMERS, make_lobby, newcomer


@pytest.fixture
def rng() -> random.Random:
    return random.Random(7)


def test_create_makes_the_caller_host_and_only_participant(rng: random.Random) -> None:
    state = make_lobby(rng, humans=1, ready=False)
    assert state.host_player_id == HOST
    assert [p.player_id for p in state.participants] == [HOST]
    assert state.phase is Phase.LOBBY and state.status is SessionStatus.OPEN
    assert state.participants[0].status is ParticipantStatus.JOINED
    assert state.participants[0].wallet == 5000


def test_join_adds_in_order_and_refuses_members_started_and_full(rng: random.Random) -> None:
    state = make_lobby(rng, humans=2, config=PartyConfig(min_players=2, max_players=3))
    with pytest.raises(errors.AlreadyInSession, match="Already in this session"):
        lobby.join(state, newcomer(rng, 1), 2000.0)
    state = lobby.join(state, newcomer(rng, 2), 2000.0)
    assert [p.player_id for p in state.participants] == ["p0", "p1", "p2"]
    with pytest.raises(errors.SessionFull, match="Session is full"):
        lobby.join(state, newcomer(rng, 3), 2000.0)
    playing = lobby.start(make_lobby(rng, humans=2), HOST, 2000.0, TIMERS)
    with pytest.raises(errors.SessionStarted, match="Session has already started"):
        lobby.join(playing, newcomer(rng, 5), 2001.0)


def test_every_accepted_change_moves_the_version_on(rng: random.Random) -> None:
    state = make_lobby(rng, humans=1, ready=False)
    joined = lobby.join(state, newcomer(rng, 1), 1001.0)
    assert joined.version == state.version + 1
    ready = lobby.mark_ready(joined, "p1", 1002.0)
    assert ready.version == joined.version + 1
    assert lobby.mark_ready(ready, "p1", 1003.0) is ready  # already ready: nothing changes


def test_host_leaving_hands_over_to_the_earliest_joined_human(rng: random.Random) -> None:
    state = make_lobby(rng, humans=3, ais=1, config=PartyConfig(min_players=2, max_players=9))
    departure = lobby.leave(state, HOST)
    assert departure.state is not None and not departure.session_deleted
    assert departure.new_host_id == "p1" and departure.state.host_player_id == "p1"
    assert departure.leaver.player_id == HOST
    assert HOST not in [p.player_id for p in departure.state.participants]


def test_someone_else_leaving_keeps_the_host(rng: random.Random) -> None:
    state = make_lobby(rng, humans=3, config=PartyConfig(min_players=2, max_players=9))
    departure = lobby.leave(state, "p2")
    assert departure.new_host_id is None
    assert departure.state is not None and departure.state.host_player_id == HOST


def test_last_human_leaving_deletes_the_session_even_with_ai_players(rng: random.Random) -> None:
    state = make_lobby(rng, humans=1, ais=3, config=PartyConfig(min_players=2, max_players=9))
    departure = lobby.leave(state, HOST)
    assert departure.session_deleted and departure.state is None


def test_leave_refuses_strangers_and_started_sessions(rng: random.Random) -> None:
    state = make_lobby(rng, humans=2)
    with pytest.raises(errors.NotInSession, match="Not in this session"):
        lobby.leave(state, "stranger")
    playing = lobby.start(state, HOST, 2000.0, TIMERS)
    with pytest.raises(errors.CannotLeaveStarted, match="Cannot leave session that has started"):
        lobby.leave(playing, "p1")


def test_ready_counts_and_refusals(rng: random.Random) -> None:
    state = make_lobby(rng, humans=2, ready=False)
    assert state.ready_count == 0
    state = lobby.mark_ready(state, "p1", 1200.0)
    assert state.ready_count == 1
    participant = state.participant("p1")
    assert participant.status is ParticipantStatus.READY and participant.ready_at == 1200.0
    with pytest.raises(errors.NotInSession):
        lobby.mark_ready(state, "stranger", 1201.0)
    state = lobby.mark_ready(state, HOST, 1202.0)
    playing = lobby.start(state, HOST, 2000.0, TIMERS)
    with pytest.raises(errors.SessionStarted):
        lobby.mark_ready(playing, HOST, 2001.0)


def test_ai_players_join_ready_and_only_the_host_adds_them(rng: random.Random) -> None:
    state = make_lobby(rng, humans=2, ready=False, config=PartyConfig(min_players=2, max_players=3))
    with pytest.raises(errors.NotHost, match="Only the host can add AI players"):
        lobby.add_ai(state, "p1", newcomer(rng, 8), 1200.0)
    state = lobby.add_ai(state, HOST, newcomer(rng, 8), 1200.0)
    bot = state.participant("p8")
    assert bot.is_ai and bot.status is ParticipantStatus.READY
    with pytest.raises(errors.SessionFull):
        lobby.add_ai(state, HOST, newcomer(rng, 9), 1201.0)


def test_ai_players_cannot_be_added_after_the_start(rng: random.Random) -> None:
    playing = lobby.start(make_lobby(rng, humans=2), HOST, 2000.0, TIMERS)
    with pytest.raises(
        errors.AiAfterStart, match="Cannot add AI players after session has started"
    ):
        lobby.add_ai(playing, HOST, newcomer(rng, 9), 2001.0)


def test_ping_goes_to_every_human_but_the_host(rng: random.Random) -> None:
    state = make_lobby(rng, humans=3, ais=2, config=PartyConfig(min_players=2, max_players=9))
    ping = lobby.ping(state, HOST, 1500.0)
    assert ping.recipients == ("p1", "p2")
    assert ping.from_username == "player0" and ping.timestamp == 1500.0
    assert ping.join_url == f"/party/{state.session_id}"
    with pytest.raises(errors.NotHost, match="Only the host can ping players"):
        lobby.ping(state, "p1", 1500.0)


def test_start_needs_the_host_and_enough_ready_players(rng: random.Random) -> None:
    state = make_lobby(
        rng, humans=2, ais=1, ready=False, config=PartyConfig(min_players=3, max_players=9)
    )
    with pytest.raises(errors.NotHost, match="Only the host can start the session"):
        lobby.start(state, "p1", 2000.0, TIMERS)
    with pytest.raises(
        errors.NotEnoughPlayers, match=r"Need at least 3 ready players to start \(have 1\)"
    ):
        lobby.start(state, HOST, 2000.0, TIMERS)
    state = lobby.mark_ready(lobby.mark_ready(state, HOST, 1900.0), "p1", 1900.0)
    playing = lobby.start(state, HOST, 2000.0, TIMERS)
    assert playing.phase is Phase.PROMPT and playing.status is SessionStatus.IN_PROGRESS
    assert playing.started_at == playing.locked_at == playing.phase_started_at == 2000.0
    assert playing.phase_expires_at == 2000.0 + TIMERS.prompt
    assert all(p.status is ParticipantStatus.ACTIVE for p in playing.participants)
    with pytest.raises(errors.SessionStarted):
        lobby.start(playing, HOST, 2001.0, TIMERS)


def test_a_participant_who_was_not_ready_still_plays(rng: random.Random) -> None:
    state = make_lobby(rng, humans=3, ready=False, config=PartyConfig(min_players=2, max_players=9))
    state = lobby.mark_ready(lobby.mark_ready(state, HOST, 1900.0), "p1", 1900.0)
    playing = lobby.start(state, HOST, 2000.0, TIMERS)
    assert playing.participant("p2").status is ParticipantStatus.ACTIVE


def test_config_ranges() -> None:
    assert PartyConfig() == PartyConfig(6, 9, 1, 2, 3)
    for bad in (
        {"min_players": 1},
        {"max_players": 10},
        {"prompts_per_player": 4},
        {"copies_per_player": 0},
        {"votes_per_player": 6},
        {"votes_per_player": True},
    ):
        with pytest.raises(ValueError, match="must be an integer between"):
            PartyConfig(**bad)
    with pytest.raises(ValueError, match="min_players must not exceed max_players"):
        PartyConfig(min_players=5, max_players=4)


def test_errors_carry_the_statuses_and_texts_clients_see() -> None:
    cases = [
        (errors.SessionNotFound(), 404, "Session not found"),
        (errors.SessionNotFound("Party session not found"), 404, "Party session not found"),
        (errors.SessionNotFound.for_code("ABCD2345"), 404, "Party session 'ABCD2345' not found"),
        (errors.InAnotherSession(), 409, "already_in_another_session"),
        (errors.AlreadyInSession(), 409, "Already in this session"),
        (errors.NotHost("trigger AI submissions"), 403, "Only the host can trigger AI submissions"),
        (errors.SessionFull(), 400, "Session is full"),
    ]
    for error, status, text in cases:
        assert (error.status, error.message) == (status, text)
