import json
import random

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.apps.liaptui import errors, views
from engine.apps.liaptui.game import (
    Phase,
    decide_redeal,
    declare,
    play,
    set_player,
)
from engine.apps.liaptui.outcomes import (
    DeclarationAccepted,
    Declare,
    GameOver,
    HandsDealt,
    PhaseChanged,
    Play,
    PlayAccepted,
    RedealDecision,
    RedealDecisionAccepted,
    SpecialBonus,
)
from engine.apps.liaptui.pieces import PIECES_BY_ID
from engine.apps.liaptui.plays import PlayType
from engine.apps.liaptui.testing import as_received

from liaptui_games import NAMES, declaring, play_bot_game, started, turning


def test_piece_data_uses_the_spec_field_names():
    assert as_received(views.piece_data(PIECES_BY_ID["p1"])) == {
        "id": "p1",
        "rank": "GENERAL",
        "color": "RED",
        "point": 14,
    }


def test_hand_updated_shows_only_the_seats_own_hand():
    game = started()
    data = as_received(views.hand_updated_data(game, 2))
    assert data["count"] == 8
    assert [piece["id"] for piece in data["pieces"]] == [piece.id for piece in game.hands[2]]


def test_game_state_has_the_spec_fields_and_no_hands():
    game = set_player(turning(), 3, is_active=False)
    state = as_received(views.game_state(game))
    assert {
        "round_number",
        "turn_number",
        "players",
        "scores",
        "phase",
        "phase_data",
        "pile_counts",
    } <= state.keys()
    assert state["players"][1] == {
        "name": "Bob",
        "position": 1,
        "score": 0,
        "is_active": True,
        "is_bot": True,
    }
    assert state["players"][3]["is_active"] is False
    assert state["scores"] == {name: 0 for name in NAMES}
    assert state["declarations"] == {"Alice": 1, "Bob": 2, "Carol": 2, "David": 1}
    assert '"id"' not in json.dumps(state)


def test_preparation_phase_data():
    game = attrs.evolve(
        started(), phase=Phase.PREPARATION, weak_seats=(1, 2), redeal_decisions=(None,) * 4
    )
    game, _ = decide_redeal(game, 2, False, random.Random(0))
    data = as_received(views.phase_change_data(game))
    assert data["phase"] == "PREPARATION" and data["game_state"]["phase"] == "PREPARATION"
    assert data["phase_data"] == {
        "weak_hands": ["Bob", "Carol"],
        "redeal_multiplier": 1,
        "waiting_for_decisions": True,
        "redeal_complete": False,
        "decisions": {"Carol": "decline"},
        "starter": NAMES[game.starter],
    }


def test_declaration_phase_data():
    game = declaring()
    game, _ = declare(game, 0, 3)
    data = as_received(views.phase_data(game))
    assert data["current_declarer"] == "Bob"
    assert data["declarations"] == {"Alice": 3}
    assert data["declaration_order"] == NAMES
    assert data["valid_declarations"] == list(range(9))


def test_turn_phase_data_matches_the_spec_example_fields():
    game = turning()
    lead = game.hands[0][:1]
    game, _ = play(game, 0, [lead[0].id])
    data = as_received(views.phase_data(game))
    assert data["current_player"] == "Bob"
    assert data["turn_number"] == 1
    assert data["required_piece_count"] == 1
    assert data["current_plays"] == {
        "Alice": {"pieces": [as_received(views.piece_data(lead[0]))], "play_type": "SINGLE"},
    }
    assert data["last_winner"] is None
    assert data["current_pile_count"] == 4


def shown(game, outcome, **options):
    """The event ``outcome`` is shown as, which the caller knows it has, as a client receives
    it."""
    shown = views.event_for(game, outcome, **options)
    assert shown is not None, f"{outcome} is not shown"
    event, data = shown
    return event, as_received(data)


def test_a_follower_play_that_forms_no_type_is_shown_as_invalid():
    game = turning()
    game, _ = play(game, 0, [game.hands[0][0].id])
    game, outcomes = play(game, 1, [game.hands[1][0].id])
    assert shown(game, outcomes[0])[1]["play_type"] == "SINGLE"
    outcome = PlayAccepted(1, game.hands[1][:2], None)
    assert shown(game, outcome)[1]["play_type"] == "INVALID"


def test_events_for_accepted_moves():
    game = started()
    assert shown(game, DeclarationAccepted(0, 3)) == (
        "declaration_accepted",
        {"player": "Alice", "declaration": 3},
    )
    pieces = (PIECES_BY_ID["p3"], PIECES_BY_ID["p4"])
    assert shown(game, PlayAccepted(0, pieces, PlayType.PAIR)) == (
        "play_accepted",
        {"player": "Alice", "pieces_played": ["p3", "p4"], "play_type": "PAIR"},
    )
    assert shown(game, RedealDecisionAccepted(1, True)) == (
        "redeal_decision_accepted",
        {"player": "Bob", "decision": "accept"},
    )
    event, data = shown(game, SpecialBonus(2, "PERFECT_DECLARATION", 8))
    assert event == "special_bonus"
    assert data["player"] == "Carol" and data["bonus_points"] == 8
    assert data["bonus_type"] == "PERFECT_DECLARATION"
    assert views.event_for(game, HandsDealt(1, 1)) is None
    assert shown(game, PhaseChanged(game.phase, game)) == (
        "phase_change",
        as_received(views.phase_change_data(game)),
    )


def test_game_over_data():
    game, seen = play_bot_game(4)
    data = as_received(views.game_over_data(game, 12.5))
    assert data["winners"] == [NAMES[seat] for seat in game.winners]
    assert data["final_scores"] == dict(zip(NAMES, game.scores, strict=True))
    assert data["rounds_played"] == game.round_number
    assert data["game_duration"] == 12.5
    stats = data["statistics"]
    assert stats["total_turns"] == game.total_turns and stats["redeals"] == game.redeals
    assert stats["perfect_declarations"] == sum(
        d == n for r in game.history for d, n in zip(r.declarations, r.piles, strict=True)
    )
    last = seen[-1][1][-1]
    assert isinstance(last, GameOver)
    assert shown(game, last, game_duration=12.5) == ("game_over", data)
    scoring = as_received(views.phase_data(game))
    assert scoring["game_over"] is True and scoring["winners"] == data["winners"]


@settings(max_examples=10, deadline=None)
@given(st.integers())
def test_every_event_of_a_whole_game_is_json(seed):
    _, seen = play_bot_game(seed)
    for game, outcomes in seen:
        for outcome in outcomes:
            event = views.event_for(game, outcome)
            if event is not None:
                json.dumps(as_received(event[1]))
        for seat in range(4):
            json.dumps(as_received(views.hand_updated_data(game, seat)))


def test_player_timeout_data():
    game = started()
    assert as_received(views.player_timeout_data(game, Declare(1, 0), 30)) == {
        "player": "Bob",
        "action": "declare",
        "auto_action": {"type": "declare", "value": 0},
        "timeout_seconds": 30,
    }
    timeout = views.player_timeout_data(game, RedealDecision(2, False), 30)
    assert as_received(timeout)["auto_action"] == {
        "type": "decline_redeal",
        "value": False,
    }
    timeout = views.player_timeout_data(game, Play(0, ("p1",)), 30)
    assert as_received(timeout)["auto_action"] == {
        "type": "play",
        "value": ["p1"],
    }


def test_error_data_sends_the_code_as_a_string():
    error = errors.NotYourTurn(details={"current_player": "Bob", "your_position": 2})
    assert views.error_data(error) == {
        "code": "2002",
        "message": "It's not your turn",
        "details": {"current_player": "Bob", "your_position": 2},
        "recoverable": False,
    }
