"""The JSON a client sees: request bodies read strictly, responses and notifications written
field for field."""

from __future__ import annotations

import json
import random

import pytest

from engine.apps.quipflip import lobby, models, views
from engine.apps.quipflip.index import Listing
from engine.apps.quipflip.party import PartyConfig, Phase, RoundKind
from engine.apps.quipflip.rounds import start_round, submit
from engine.web import ValidationFailed, make_request_converter, structure_body

from quipflip_play import HOST, TIMERS, make_lobby, newcomer, play_game, play_phase, started

NOW = 2010.0
READ = make_request_converter(forbid_extra_keys=True)


def out(value: object) -> dict:
    """As a client would receive it: through JSON and back."""
    return json.loads(json.dumps(models.WIRE.unstructure(value)))


def test_create_request_defaults_and_ranges() -> None:
    body = structure_body(READ, {}, models.CreatePartySessionRequest)
    assert body == PartyConfig(6, 9, 1, 2, 3)
    for bad in (
        {"min_players": 1},
        {"max_players": "9"},
        {"votes_per_player": 6},
        {"min_players": 8, "max_players": 7},
        {"surprise": 1},
    ):
        with pytest.raises(ValidationFailed):
            structure_body(READ, bad, models.CreatePartySessionRequest)


def test_join_and_submit_and_guest_requests() -> None:
    assert (
        structure_body(READ, {"party_code": "abcd2345"}, models.JoinPartySessionRequest).party_code
        == "abcd2345"
    )
    for bad in ({"party_code": "ABC"}, {}, {"party_code": 12345678}):
        with pytest.raises(ValidationFailed):
            structure_body(READ, bad, models.JoinPartySessionRequest)
    assert structure_body(READ, {"phrase": "x"}, models.SubmitPartyRoundRequest).phrase == "x"
    with pytest.raises(ValidationFailed):
        structure_body(READ, {"phrase": None}, models.SubmitPartyRoundRequest)
    assert structure_body(READ, {}, models.GuestAuthRequest).username is None
    assert structure_body(READ, {"username": " Ada "}, models.GuestAuthRequest).username == "Ada"
    for bad in ({"username": "ab"}, {"username": "a" * 21}, {"username": "<b>bold</b>"}):
        with pytest.raises(ValidationFailed):
            structure_body(READ, bad, models.GuestAuthRequest)


def test_status_view_of_a_lobby() -> None:
    rng = random.Random(1)
    state = make_lobby(rng, humans=2, ais=1, ready=False)
    body = out(views.status_view(state, connected={HOST}))
    assert body["status"] == "OPEN" and body["current_phase"] == "LOBBY"
    assert body["created_at"] == "1970-01-01T00:16:40.000000Z"
    assert body["started_at"] is None and body["phase_expires_at"] is None
    host, guest, bot = body["participants"]
    assert host["is_host"] and host["connection_status"] == "connected"
    assert guest["connection_status"] == "disconnected" and bot["connection_status"] is None
    assert bot["is_ai"] and bot["status"] == "READY" and guest["status"] == "JOINED"
    assert (
        host["prompts_required"] == 1
        and host["copies_required"] == 2
        and host["votes_required"] == 3
    )
    assert body["progress"]["total_players"] == 3 and body["progress"]["required_prompts"] == 3


def test_create_join_ready_and_list_views() -> None:
    rng = random.Random(2)
    state = make_lobby(rng, humans=2, ready=False, config=PartyConfig(min_players=2, max_players=3))
    created = out(views.create_view(state))
    assert set(created) == {
        "session_id",
        "party_code",
        "host_player_id",
        "status",
        "current_phase",
        "created_at",
        "participants",
        "min_players",
        "max_players",
    }
    joined = out(views.join_view(state))
    assert joined["participant_count"] == 2 and joined["party_code"] == "ABCD2345"
    state = lobby.mark_ready(state, "p1", 1200.0)
    ready = out(views.ready_view(state, "p1"))
    assert ready["status"] == "READY"
    assert ready["session"] == {"ready_count": 1, "total_count": 2, "can_start": False}
    playing = lobby.start(lobby.mark_ready(state, HOST, 1201.0), HOST, 2000.0, TIMERS)
    full = lobby.join(
        make_lobby(rng, humans=2, ready=False, config=PartyConfig(2, 3)), newcomer(rng, 7), 1300.0
    )
    listing = out(views.list_view([Listing.of(s) for s in (playing, full, state)]))
    assert listing["total_count"] == 1
    assert listing["parties"][0]["session_id"] == state.session_id
    assert (
        listing["parties"][0]["host_username"] == "player0" and not listing["parties"][0]["is_full"]
    )


def test_start_and_round_views() -> None:
    rng = random.Random(3)
    state = started(rng, humans=2, ais=2)
    body = out(views.start_view(state))
    assert body["current_phase"] == "PROMPT" and body["status"] == "IN_PROGRESS"
    assert body["locked_at"] == body["phase_started_at"]
    state, round_ = start_round(state, HOST, RoundKind.PROMPT, NOW, rng)
    body = out(views.round_view(state, round_))
    assert body["round_type"] == "prompt" and body["cost"] == 100 and body["status"] == "active"
    assert body["prompt_text"] == round_.prompt_text and body["phrases"] is None
    assert body["session_progress"] == {
        "your_prompts_submitted": 0,
        "prompts_required": 1,
        "players_done": 0,
        "total_players": 4,
    }
    assert body["party_context"]["current_phase"] == "PROMPT"
    assert body["party_context"]["your_progress"]["prompts_required"] == 1
    after, submission = submit(state, HOST, round_.round_id, "my answer", NOW)
    body = out(views.submit_view(after, submission, Phase.PROMPT))
    assert body["success"] and body["phrase"] == "my answer" and body["phase_transition"] is None
    assert body["correct"] is None and body["payout"] == 0


def test_a_vote_round_view_lists_the_phrases() -> None:
    rng = random.Random(4)
    state = play_phase(play_phase(started(rng, humans=6), rng, NOW), rng, NOW)
    state, round_ = start_round(state, HOST, RoundKind.VOTE, NOW, rng)
    body = out(views.round_view(state, round_))
    assert body["round_type"] == "vote" and body["cost"] == 10 and len(body["phrases"]) == 3
    assert body["phraseset_id"] == round_.phraseset_id


def test_results_view() -> None:
    rng = random.Random(5)
    state = play_game(started(rng, humans=2, ais=4), rng)
    body = out(views.results_view(state))
    assert set(body) == {
        "session_id",
        "party_code",
        "completed_at",
        "rankings",
        "awards",
        "phrasesets_summary",
    }
    assert set(body["awards"]) <= {"best_writer", "top_impostor", "sharpest_voter"}
    assert set(body["rankings"][0]) == {
        "player_id",
        "username",
        "rank",
        "spent",
        "earned",
        "net",
        "votes_on_originals",
        "votes_fooled",
        "correct_votes",
        "total_votes",
        "vote_accuracy",
        "prompts_submitted",
        "copies_submitted",
        "votes_submitted",
    }
    assert set(body["phrasesets_summary"][0]["votes_breakdown"]) == {"original", "copy1", "copy2"}


def test_notifications_carry_their_type() -> None:
    rng = random.Random(6)
    state = make_lobby(rng, humans=3, ready=False, config=PartyConfig(2, 9))
    assert out(views.player_joined(state, "p1", 1500.0)) == {
        "type": "player_joined",
        "session_id": state.session_id,
        "player_id": "p1",
        "username": "player1",
        "is_ai": False,
        "participant_count": 3,
        "timestamp": "1970-01-01T00:25:00.000000Z",
    }
    departure = lobby.leave(state, HOST)
    left = out(views.player_left(departure, 1501.0))
    assert left["type"] == "player_left" and left["host_player_id"] == "p1"
    ready = out(views.player_ready(lobby.mark_ready(state, "p2", 1502.0), "p2", 1502.0))
    assert (ready["type"], ready["ready_count"], ready["total_count"]) == ("player_ready", 1, 3)
    ping = lobby.ping(state, HOST, 1503.0)
    assert out(views.host_ping(state, ping))["data"]["join_url"] == f"/party/{state.session_id}"
    assert out(views.ping_message(ping))["type"] == "ping"
    playing = started(rng, humans=2, ais=2)
    begun = out(views.session_started(playing, 2000.0))
    assert begun["type"] == "session_started" and begun["current_phase"] == "PROMPT"
    assert begun["message"] == "Party started! Everyone write your best original phrase."
    copying = play_phase(playing, rng, NOW)
    change = out(views.phase_transition(copying, Phase.PROMPT, NOW))
    assert (change["type"], change["old_phase"], change["new_phase"]) == (
        "phase_transition",
        "PROMPT",
        "COPY",
    )
    progress = out(views.progress_update(copying, HOST, RoundKind.PROMPT, NOW))
    assert (
        progress["action"] == "submitted_prompt" and progress["progress"]["prompts_submitted"] == 1
    )
    finished = play_game(copying, rng)
    assert out(views.session_completed(finished, NOW))["type"] == "session_completed"
    assert {cls.__name__ for cls in models.NOTIFICATIONS} >= {"PlayerJoined", "ProgressUpdate"}


def test_player_and_guest_auth_bodies() -> None:
    token = models.GuestAuthResponse("s3cr3t", 86400, "pid", "Ada")
    assert out(token) == {
        "access_token": "s3cr3t",
        "token_type": "bearer",
        "expires_in": 86400,
        "player_id": "pid",
        "username": "Ada",
    }
    assert "s3cr3t" not in repr(token)
    assert out(models.PlayerResponse("pid", "Ada", 5000, "t")) == {
        "player_id": "pid",
        "username": "Ada",
        "wallet": 5000,
        "created_at": "t",
    }
    assert out(models.LeavePartyResponse(session_deleted=True)) == {
        "success": True,
        "message": "Left party session",
        "session_deleted": True,
    }
    assert out(models.PartyPingResponse()) == {
        "success": True,
        "message": "Ping sent to all players",
    }
    stats = models.ProcessAIResponse(models.AIStats(Phase.COPY, 8, True))
    assert out(stats) == {
        "success": True,
        "stats": {"phase": "COPY", "submitted": 8, "phase_advanced": True},
    }
