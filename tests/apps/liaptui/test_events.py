"""The events' wire form is the one the spec's clients already read: every kind of server event,
built as the app builds it, is encoded into exactly the JSON text the app sent when its events
were dict literals (written out below as that code produced them): field names and order, null
versus absent, integers versus decimals."""

import functools
import random
from typing import Any

import attrs
import jsonschema
import pytest

from engine.apps.liaptui import events as e
from engine.apps.liaptui import messages as m
from engine.apps.liaptui import protocol, views
from engine.apps.liaptui.app import app
from engine.apps.liaptui.game import (
    Phase,
    decide_redeal,
    declare,
    play,
)
from engine.apps.liaptui.outcomes import (
    Action,
    DeclarationAccepted,
    Declare,
    Play,
    PlayAccepted,
    RedealDecision,
    RedealDecisionAccepted,
    SpecialBonus,
)
from engine.apps.liaptui.pieces import PIECES_BY_ID
from engine.apps.liaptui.plays import PlayType
from engine.apps.liaptui.protocol import negotiate_version, pong, server_event
from engine.apps.liaptui.state import RoomState, Seat, full_state, players_data, room_data
from engine.net import json_dumps, json_loads
from engine.testing import serve_apps

from fuzzing import FUZZ_ENVIRON
from liaptui_games import declaring, play_bot_game, started, turning

NOW = 1_767_225_600.25


def preparing():
    """Bob and Carol have weak hands; Carol declined a redeal."""
    game = attrs.evolve(
        started(), phase=Phase.PREPARATION, weak_seats=(1, 2), redeal_decisions=(None,) * 4
    )
    game, _ = decide_redeal(game, 2, False, random.Random(0))
    return game


def declared():
    """Alice declared 3."""
    game, _ = declare(declaring(), 0, 3)
    return game


def led():
    """Alice led the first turn with her first piece."""
    game = turning()
    game, _ = play(game, 0, [game.hands[0][0].id])
    return game


def finished():
    """A whole game of bots, and the outcomes of its last move."""
    game, seen = play_bot_game(4)
    return game, seen[-1][1]


def room(game=None):
    seats = (Seat("Alice", "h0"), Seat("Bob", is_bot=True), None, Seat("Carol", "h3"))
    return RoomState(
        "R1", room_name="Table", creator="Alice", created_at=NOW, seats=seats, game=game
    )


def shown(game, outcome, **options):
    found = views.event_for(game, outcome, **options)
    assert found is not None
    return found


@functools.cache
def built():
    """Every event of `EXPECTED`, as the app builds it now: ``{key: (event, data, where)}``."""
    found: dict[str, tuple[str, Any, dict[str, Any]]] = {}
    for name, game in [
        ("preparation", preparing()),
        ("declaration", declared()),
        ("turn", led()),
        ("game_over", finished()[0]),
    ]:
        data = views.phase_change_data(game).stamped(7, NOW)
        found[f"phase_change_{name}"] = ("phase_change", data, {"room_id": "R1"})
    hand = views.hand_updated_data(started(), 2)
    found["hand_updated"] = ("hand_updated", hand, {"room_id": "R1", "private": True})
    game = started()
    for key, outcome in [
        ("declaration_accepted", DeclarationAccepted(0, 3)),
        ("play_accepted", PlayAccepted(0, (PIECES_BY_ID["p3"], PIECES_BY_ID["p4"]), PlayType.PAIR)),
        ("play_accepted_invalid", PlayAccepted(1, (PIECES_BY_ID["p3"], PIECES_BY_ID["p9"]), None)),
        ("redeal_decision_accepted", RedealDecisionAccepted(1, True)),
        ("special_bonus", SpecialBonus(2, "PERFECT_DECLARATION", 8)),
    ]:
        found[key] = (*shown(game, outcome), {"room_id": "R1"})
    over, outcomes = finished()
    found["game_over"] = (*shown(over, outcomes[-1], game_duration=812.5), {"room_id": "R1"})
    actions: list[tuple[str, Action]] = [
        ("declare", Declare(1, 0)),
        ("redeal", RedealDecision(2, False)),
        ("play", Play(0, ("p1", "p2"))),
    ]
    for key, action in actions:
        timeout = views.player_timeout_data(game, action, 30)
        found[f"player_timeout_{key}"] = ("player_timeout", timeout, {"room_id": "R1"})
    found["pong"] = ("pong", pong(m.Ping(1_767_225_600_000.0, 9), now=NOW), {})
    found["pong_without_sequence"] = ("pong", pong(m.Ping(5), now=NOW), {})
    for event, data in negotiate_version(m.VersionInfo("0.8.0", ("0.9.0",))):
        found[event] = (event, data, {})
    state = room()
    joined = e.RoomJoined(
        **attrs.asdict(room_data(state), recurse=False),
        position=3,
        player_token="tok",
        game_state=None,
    )
    found["room_joined"] = ("room_joined", joined, {"room_id": "R1"})
    started_game = e.GameStarted(players_data(state), "Alice")
    found["game_started"] = ("game_started", started_game, {"room_id": "R1"})
    missed = (e.MissedEvent(5, "declaration_accepted", {"player": "Alice", "declaration": 3}),)
    sync = e.SyncResponse(6, missed, True, full_state(room(led())))
    found["sync_response"] = ("sync_response", sync, {"room_id": "R1"})
    before = e.SyncResponse(0, (), False, full_state(state))
    found["sync_response_before_the_game"] = ("sync_response", before, {"room_id": "R1"})
    connected = e.Connected("c0ffee", "R1", "Carol", 3, True, "tok")
    reconnected = e.Reconnected(
        **attrs.asdict(connected, recurse=False),
        missed_events=2,
        events_replayed=True,
        current_sequence=9,
        players=players_data(state),
        game_state=views.game_state(declared()),
    )
    found["reconnected"] = ("reconnected", reconnected, {"room_id": "R1"})
    return found


# What the app sent for each event below, when its events were dict literals (room ``R1``, at
# ``NOW``); the parts several events share are named once.
PLAYERS_AT_START = [
    {"name": "Alice", "position": 0, "score": 0, "is_active": True, "is_bot": False},
    {"name": "Bob", "position": 1, "score": 0, "is_active": True, "is_bot": True},
    {"name": "Carol", "position": 2, "score": 0, "is_active": True, "is_bot": False},
    {"name": "David", "position": 3, "score": 0, "is_active": True, "is_bot": False},
]
NO_POINTS = {"Alice": 0, "Bob": 0, "Carol": 0, "David": 0}
EIGHT_PIECES_EACH = {"Alice": 8, "Bob": 8, "Carol": 8, "David": 8}
ROOM_PLAYERS = [
    {"name": "Alice", "position": 0, "is_bot": False, "is_host": True},
    {"name": "Bob", "position": 1, "is_bot": True, "is_host": False},
    {"name": "Carol", "position": 3, "is_bot": False, "is_host": False},
]
IN_SEAT_ORDER = ["Alice", "Bob", "Carol", "David"]
ALICE_LED = {
    "current_player": "Bob",
    "turn_number": 1,
    "required_piece_count": 1,
    "current_plays": {
        "Alice": {
            "pieces": [{"id": "p1", "rank": "GENERAL", "color": "RED", "point": 14}],
            "play_type": "SINGLE",
        }
    },
    "turn_order": IN_SEAT_ORDER,
    "last_winner": None,
    "last_turn_plays": {},
    "current_pile_count": 4,
}
THE_ROOM = {
    "room_id": "R1",
    "room_name": "Table",
    "host_name": "Alice",
    "is_public": True,
    "players": ROOM_PLAYERS,
}
ALICE_DECLARED = {
    "starter": "Alice",
    "declaration_order": IN_SEAT_ORDER,
    "current_declarer": "Bob",
    "declarations": {"Alice": 3},
    "declaration_total": 3,
    "valid_declarations": [0, 1, 2, 3, 4, 5, 6, 7, 8],
    "redeal_multiplier": 1,
}

#: Each event's JSON, by the key `built` gives it.
EXPECTED = {
    "phase_change_preparation": {
        "event": "phase_change",
        "data": {
            "phase": "PREPARATION",
            "phase_data": {
                "weak_hands": ["Bob", "Carol"],
                "redeal_multiplier": 1,
                "waiting_for_decisions": True,
                "redeal_complete": False,
                "decisions": {"Carol": "decline"},
                "starter": "Alice",
            },
            "game_state": {
                "round_number": 1,
                "turn_number": 0,
                "phase": "PREPARATION",
                "players": PLAYERS_AT_START,
                "scores": NO_POINTS,
                "pile_counts": NO_POINTS,
                "declarations": {"Alice": None, "Bob": None, "Carol": None, "David": None},
                "hand_sizes": EIGHT_PIECES_EACH,
                "redeal_multiplier": 1,
            },
            "sequence_number": 7,
            "server_time": 1767225600.25,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "phase_change_declaration": {
        "event": "phase_change",
        "data": {
            "phase": "DECLARATION",
            "phase_data": ALICE_DECLARED,
            "game_state": {
                "round_number": 1,
                "turn_number": 0,
                "phase": "DECLARATION",
                "players": PLAYERS_AT_START,
                "scores": NO_POINTS,
                "pile_counts": NO_POINTS,
                "declarations": {"Alice": 3, "Bob": None, "Carol": None, "David": None},
                "hand_sizes": EIGHT_PIECES_EACH,
                "redeal_multiplier": 1,
            },
            "sequence_number": 7,
            "server_time": 1767225600.25,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "phase_change_turn": {
        "event": "phase_change",
        "data": {
            "phase": "TURN",
            "phase_data": ALICE_LED,
            "game_state": {
                "round_number": 1,
                "turn_number": 1,
                "phase": "TURN",
                "players": PLAYERS_AT_START,
                "scores": NO_POINTS,
                "pile_counts": NO_POINTS,
                "declarations": {"Alice": 1, "Bob": 2, "Carol": 2, "David": 1},
                "hand_sizes": {"Alice": 7, "Bob": 8, "Carol": 8, "David": 8},
                "redeal_multiplier": 1,
            },
            "sequence_number": 7,
            "server_time": 1767225600.25,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "phase_change_game_over": {
        "event": "phase_change",
        "data": {
            "phase": "GAME_OVER",
            "phase_data": {
                "round_number": 10,
                "redeal_multiplier": 1,
                "round_scores": {
                    "Alice": {"declared": 1, "captured": 2, "score": -1, "total": 36},
                    "Bob": {"declared": 1, "captured": 0, "score": -1, "total": 4},
                    "Carol": {"declared": 3, "captured": 3, "score": 8, "total": 54},
                    "David": {"declared": 4, "captured": 3, "score": -1, "total": 18},
                },
                "game_over": True,
                "winners": ["Carol"],
                "final_scores": {"Alice": 36, "Bob": 4, "Carol": 54, "David": 18},
                "rounds_played": 10,
            },
            "game_state": {
                "round_number": 10,
                "turn_number": 7,
                "phase": "GAME_OVER",
                "players": [
                    {
                        "name": "Alice",
                        "position": 0,
                        "score": 36,
                        "is_active": True,
                        "is_bot": True,
                    },
                    {"name": "Bob", "position": 1, "score": 4, "is_active": True, "is_bot": True},
                    {
                        "name": "Carol",
                        "position": 2,
                        "score": 54,
                        "is_active": True,
                        "is_bot": True,
                    },
                    {
                        "name": "David",
                        "position": 3,
                        "score": 18,
                        "is_active": True,
                        "is_bot": True,
                    },
                ],
                "scores": {"Alice": 36, "Bob": 4, "Carol": 54, "David": 18},
                "pile_counts": {"Alice": 2, "Bob": 0, "Carol": 3, "David": 3},
                "declarations": {"Alice": 1, "Bob": 1, "Carol": 3, "David": 4},
                "hand_sizes": NO_POINTS,
                "redeal_multiplier": 1,
            },
            "sequence_number": 7,
            "server_time": 1767225600.25,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "hand_updated": {
        "event": "hand_updated",
        "data": {
            "pieces": [
                {"id": "p5", "rank": "ADVISOR", "color": "BLACK", "point": 11},
                {"id": "p7", "rank": "ELEPHANT", "color": "RED", "point": 10},
                {"id": "p10", "rank": "ELEPHANT", "color": "BLACK", "point": 9},
                {"id": "p12", "rank": "CHARIOT", "color": "RED", "point": 8},
                {"id": "p13", "rank": "CHARIOT", "color": "BLACK", "point": 7},
                {"id": "p19", "rank": "CANNON", "color": "RED", "point": 4},
                {"id": "p26", "rank": "SOLDIER", "color": "RED", "point": 2},
                {"id": "p31", "rank": "SOLDIER", "color": "BLACK", "point": 1},
            ],
            "count": 8,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
        "private": True,
    },
    "declaration_accepted": {
        "event": "declaration_accepted",
        "data": {"player": "Alice", "declaration": 3},
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "play_accepted": {
        "event": "play_accepted",
        "data": {"player": "Alice", "pieces_played": ["p3", "p4"], "play_type": "PAIR"},
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "play_accepted_invalid": {
        "event": "play_accepted",
        "data": {"player": "Bob", "pieces_played": ["p3", "p9"], "play_type": "INVALID"},
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "redeal_decision_accepted": {
        "event": "redeal_decision_accepted",
        "data": {"player": "Bob", "decision": "accept"},
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "special_bonus": {
        "event": "special_bonus",
        "data": {
            "player": "Carol",
            "bonus_type": "PERFECT_DECLARATION",
            "bonus_points": 8,
            "message": "Carol achieved perfect declaration!",
            "animation": "celebration",
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "game_over": {
        "event": "game_over",
        "data": {
            "winners": ["Carol"],
            "final_scores": {"Alice": 36, "Bob": 4, "Carol": 54, "David": 18},
            "rounds_played": 10,
            "game_duration": 812.5,
            "statistics": {"total_turns": 68, "perfect_declarations": 18, "redeals": 2},
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "player_timeout_declare": {
        "event": "player_timeout",
        "data": {
            "player": "Bob",
            "action": "declare",
            "auto_action": {"type": "declare", "value": 0},
            "timeout_seconds": 30,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "player_timeout_redeal": {
        "event": "player_timeout",
        "data": {
            "player": "Carol",
            "action": "redeal_decision",
            "auto_action": {"type": "decline_redeal", "value": False},
            "timeout_seconds": 30,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "player_timeout_play": {
        "event": "player_timeout",
        "data": {
            "player": "Alice",
            "action": "play",
            "auto_action": {"type": "play", "value": ["p1", "p2"]},
            "timeout_seconds": 30,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "pong": {
        "event": "pong",
        "data": {
            "client_time": 1767225600000.0,
            "server_time": 1767225600250,
            "latency": 250,
            "sequence": 9,
        },
        "server_time": 1767225600.25,
    },
    "pong_without_sequence": {
        "event": "pong",
        "data": {"client_time": 5, "server_time": 1767225600250, "latency": 1767225600245},
        "server_time": 1767225600.25,
    },
    "version_accepted": {
        "event": "version_accepted",
        "data": {
            "server_version": "1.0.1",
            "negotiated_version": "0.9.0",
            "features": {"weak_hand_redeal": True, "bot_players": True, "replay_system": False},
        },
        "server_time": 1767225600.25,
    },
    "deprecation_warning": {
        "event": "deprecation_warning",
        "data": {
            "deprecated_feature": "api_version_0.9.0",
            "removal_version": "2.0.0",
            "alternative": "Use API version 1.0.0",
            "documentation": "https://docs.liaptui.com/migration/v2",
        },
        "server_time": 1767225600.25,
    },
    "room_joined": {
        "event": "room_joined",
        "data": {
            "room_id": "R1",
            "room_name": "Table",
            "host_name": "Alice",
            "is_public": True,
            "players": ROOM_PLAYERS,
            "position": 3,
            "player_token": "tok",
            "game_state": None,
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "game_started": {
        "event": "game_started",
        "data": {"players": ROOM_PLAYERS, "host_name": "Alice"},
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "sync_response": {
        "event": "sync_response",
        "data": {
            "current_sequence": 6,
            "missed_events": [
                {
                    "sequence": 5,
                    "event": "declaration_accepted",
                    "data": {"player": "Alice", "declaration": 3},
                }
            ],
            "events_complete": True,
            "full_state": {
                "phase": "TURN",
                "phase_data": ALICE_LED,
                "game_state": {
                    "round_number": 1,
                    "turn_number": 1,
                    "phase": "TURN",
                    "phase_data": ALICE_LED,
                    "players": PLAYERS_AT_START,
                    "scores": NO_POINTS,
                    "pile_counts": NO_POINTS,
                    "declarations": {"Alice": 1, "Bob": 2, "Carol": 2, "David": 1},
                    "hand_sizes": {"Alice": 7, "Bob": 8, "Carol": 8, "David": 8},
                    "redeal_multiplier": 1,
                },
                "room": THE_ROOM,
            },
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "sync_response_before_the_game": {
        "event": "sync_response",
        "data": {
            "current_sequence": 0,
            "missed_events": [],
            "events_complete": False,
            "full_state": {
                "phase": "NOT_STARTED",
                "phase_data": {},
                "game_state": None,
                "room": THE_ROOM,
            },
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
    "reconnected": {
        "event": "reconnected",
        "data": {
            "connection_id": "c0ffee",
            "room_id": "R1",
            "player_name": "Carol",
            "position": 3,
            "reconnected": True,
            "player_token": "tok",
            "missed_events": 2,
            "events_replayed": True,
            "current_sequence": 9,
            "players": ROOM_PLAYERS,
            "game_state": {
                "round_number": 1,
                "turn_number": 0,
                "phase": "DECLARATION",
                "phase_data": ALICE_DECLARED,
                "players": PLAYERS_AT_START,
                "scores": NO_POINTS,
                "pile_counts": NO_POINTS,
                "declarations": {"Alice": 3, "Bob": None, "Carol": None, "David": None},
                "hand_sizes": EIGHT_PIECES_EACH,
                "redeal_multiplier": 1,
            },
        },
        "server_time": 1767225600.25,
        "room_id": "R1",
    },
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_an_event_built_from_the_game_is_sent_as_before(key):
    event, data, where = built()[key]
    assert json_dumps(server_event(event, data, now=NOW, **where)) == json_dumps(EXPECTED[key])


def room_event(event, data):
    return {"event": event, "data": data, "server_time": NOW, "room_id": "R1"}


#: Events the lobby and the room wrote inline, as they wrote them, and the same events now.
INLINE = [
    (
        e.RoomCreated("R1", "Table", "Alice", True, NOW, "tok"),
        {
            "event": "room_created",
            "data": {
                "room_id": "R1",
                "room_name": "Table",
                "creator": "Alice",
                "is_public": True,
                "created_at": NOW,
                "player_token": "tok",
            },
            "server_time": NOW,
        },
    ),
    (
        e.RoomList((e.ListedRoom("R1", "Table", "Alice", ("Alice", "Bob"), 4, 2),)),
        {
            "event": "room_list",
            "data": {
                "rooms": [
                    {
                        "room_id": "R1",
                        "room_name": "Table",
                        "host_name": "Alice",
                        "players": ["Alice", "Bob"],
                        "max_players": 4,
                        "player_count": 2,
                    }
                ]
            },
            "server_time": NOW,
        },
    ),
    (
        e.Connected("c0ffee", "R1", "Carol", 3, False, "tok"),
        room_event(
            "connected",
            {
                "connection_id": "c0ffee",
                "room_id": "R1",
                "player_name": "Carol",
                "position": 3,
                "reconnected": False,
                "player_token": "tok",
            },
        ),
    ),
    (
        e.PlayerJoined("Carol", 3, False, timestamp=NOW),
        room_event(
            "player_joined",
            {"player_name": "Carol", "position": 3, "is_bot": False, "timestamp": NOW},
        ),
    ),
    (
        e.PlayerJoined("Carol", 3, False, reconnected=True, timestamp=NOW),
        room_event(
            "player_joined",
            {
                "player_name": "Carol",
                "position": 3,
                "is_bot": False,
                "reconnected": True,
                "timestamp": NOW,
            },
        ),
    ),
    (
        e.PlayerLeft("Carol", 3, NOW),
        room_event("player_left", {"player_name": "Carol", "position": 3, "timestamp": NOW}),
    ),
    (
        e.PlayerLeft("Alice", 0, NOW, new_host="Carol"),
        room_event(
            "player_left",
            {"player_name": "Alice", "position": 0, "timestamp": NOW, "new_host": "Carol"},
        ),
    ),
    (
        e.RoomLeft("R1", "Carol"),
        room_event("room_left", {"room_id": "R1", "player_name": "Carol"}),
    ),
    (
        e.BotActivated("Carol", 3, "disconnected", "medium"),
        room_event(
            "bot_activated",
            {
                "player": "Carol",
                "position": 3,
                "reason": "disconnected",
                "bot_difficulty": "medium",
            },
        ),
    ),
]


@pytest.mark.parametrize(("data", "sent"), INLINE, ids=[sent["event"] for _, sent in INLINE])
def test_an_event_the_room_or_lobby_builds_is_sent_as_before(data, sent):
    where = {"room_id": sent["room_id"]} if "room_id" in sent else {}
    encoded = json_dumps(server_event(sent["event"], data, now=NOW, **where))
    assert encoded == json_dumps(sent)


def test_every_kind_of_server_event_is_checked_here():
    kinds = {event for event, _, _ in built().values()} | {sent["event"] for _, sent in INLINE}
    assert kinds >= {*protocol.LOBBY_SENDS, *protocol.ROOM_SENDS}


async def test_every_event_matches_its_schema_in_the_served_asyncapi_document():
    async with serve_apps([app], environ=FUZZ_ENVIRON, prefixed=False) as served:
        document = (await served.client.get("/asyncapi.json")).json()
    sent = [server_event(event, data, now=NOW, **where) for event, data, where in built().values()]
    sent += [sent for _, sent in INLINE]
    for message in sent:
        channel = "room_socket" if "room_id" in message else "lobby_socket"
        ref = f"#/channels/{channel}/messages/send.{message['event']}/payload"
        validator = jsonschema.Draft7Validator({**document, "$ref": ref})
        assert not list(validator.iter_errors(json_loads(json_dumps(message)))), message
