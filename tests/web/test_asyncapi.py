"""The AsyncAPI documents: served beside the OpenAPI, valid against the official AsyncAPI 3.0.0
JSON Schema (npm's ``@asyncapi/specs``, read by Python's jsonschema), naming every message of
each app's own registries, and describing the messages a real server sends."""

from __future__ import annotations

import json
import shutil
import subprocess
import typing
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

from engine.apps.liaptui import protocol as liaptui_protocol
from engine.apps.liaptui.app import app as liaptui
from engine.apps.p2p import protocol as p2p_protocol
from engine.apps.quipflip import models as quipflip_models
from engine.apps.watchparty import wire as watchparty_wire
from engine.apps.watchparty.app import app as watchparty
from engine.apps.watchparty.models import MessageType
from engine.cli import available_apps
from engine.testing import serve_apps
from engine.web._asyncapi import asyncapi_document

from fuzzing import FUZZ_ENVIRON

SHIPPED = tuple(available_apps().values())
WITH_SOCKETS = tuple(app for app in SHIPPED if app.routes.websockets)

# The official schemas, installed by npm from tests/contracts/package.json (pinned).
CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
SCHEMA = CONTRACTS / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0.json"


@pytest.fixture(scope="module")
def asyncapi_schema() -> jsonschema.Draft7Validator:
    if not SCHEMA.is_file():
        npm = shutil.which("npm")
        if shutil.which("node") is None or npm is None:
            pytest.skip("node and npm are needed for the AsyncAPI JSON Schema (@asyncapi/specs)")
        # .ci/run installs it; a fresh checkout gets it here, from the lock file.
        subprocess.run(
            [npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=CONTRACTS, check=True
        )
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def names(document: dict[str, Any], action: str) -> set[str]:
    """The wire names of the messages of every operation with ``action``."""
    found = set()
    for operation in document["operations"].values():
        if operation["action"] != action:
            continue
        for ref in operation["messages"]:
            found.add(resolve(document, ref["$ref"])["name"])
    return found


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def payload_validator(document: dict[str, Any], channel: str, key: str) -> jsonschema.Validator:
    """A validator of the payload of message ``key`` of ``channel``, its refs resolved in the
    document."""
    root = {**document, "$ref": f"#/channels/{channel}/messages/{key}/payload"}
    return jsonschema.Draft7Validator(root)


@pytest.mark.parametrize("app", WITH_SOCKETS, ids=lambda app: app.name)
@pytest.mark.parametrize("prefixed", [False, True])
def test_every_document_is_valid_asyncapi_3(app, prefixed, asyncapi_schema):
    document = asyncapi_document(app, prefixed=prefixed)
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in asyncapi_schema.iter_errors(document)
    ]
    assert not errors, errors[:5]
    assert document["asyncapi"] == "3.0.0"
    for ref in refs(document):
        assert resolve(document, ref) is not None, ref
    prefix = f"/{app.name}" if prefixed else ""
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {prefix + route.path for route in app.routes.websockets}


def test_every_app_with_websocket_routes_declares_each_ones_protocol():
    assert {app.name for app in WITH_SOCKETS} >= {"liaptui", "watchparty", "quipflip", "p2p"}
    for app in WITH_SOCKETS:
        assert all(route.protocol is not None for route in app.routes.websockets), app.name


def test_liaptui_names_every_event_its_protocol_parses_and_sends():
    document = asyncapi_document(liaptui, prefixed=True)
    parsed = {*liaptui_protocol.LOBBY_EVENTS, *liaptui_protocol.ROOM_EVENTS}
    assert names(document, "receive") == parsed
    sent = {*liaptui_protocol.LOBBY_SENDS, *liaptui_protocol.ROOM_SENDS}
    assert names(document, "send") == sent | set(liaptui_protocol.ERROR_EVENTS)
    lobby = document["channels"]["lobby_socket"]["messages"]
    assert lobby["receive.create_room"]["payload"]["properties"]["data"] == {
        "$ref": "#/components/schemas/CreateRoom"
    }
    schema = document["components"]["schemas"]["CreateRoom"]
    assert {f.name for f in attrs.fields(liaptui_protocol.m.CreateRoom)} == set(
        schema["properties"]
    )


def test_an_unregistered_liaptui_event_cannot_be_sent():
    with pytest.raises(ValueError, match="not a registered server event"):
        liaptui_protocol.server_event("surprise", {}, now=0.0)


def test_watchparty_names_every_message_type_both_ways():
    document = asyncapi_document(watchparty, prefixed=True)
    assert names(document, "send") == {kind.value for kind in MessageType}
    assert names(document, "receive") == set(watchparty_wire.CLIENT_PAYLOADS)
    ice = document["components"]["schemas"]["IceCandidate"]["properties"]
    assert {"sdpMid", "sdpMLineIndex", "usernameFragment"} <= set(ice)  # the wire's names


def test_p2p_names_every_client_and_server_message():
    (p2p,) = [app for app in SHIPPED if app.name == "p2p"]
    document = asyncapi_document(p2p, prefixed=True)
    received = {cls.type for cls in typing.get_args(p2p_protocol.ClientMessage)}
    sent = {cls.type for cls in typing.get_args(p2p_protocol.ServerMessage)}
    assert (names(document, "receive"), names(document, "send")) == (received, sent)
    relayed = document["components"]["schemas"]["RelayedOffer"]
    assert relayed["required"] == ["from", "sdp"]


def test_quipflip_names_every_notification_and_its_error_event():
    (quipflip,) = [app for app in SHIPPED if app.name == "quipflip"]
    document = asyncapi_document(quipflip, prefixed=True)
    notifications = {_tag(cls) for cls in quipflip_models.NOTIFICATIONS}
    assert names(document, "send") == notifications | {"error"}
    assert names(document, "receive") == set()


def _tag(cls: type) -> str:
    return str(attrs.fields_dict(cls)["type"].default)


async def test_documents_are_served_beside_the_openapi_and_linked_from_the_index():
    async with serve_apps(SHIPPED, environ=FUZZ_ENVIRON, prefixed=True) as served:
        index = (await served.client.get("/")).text
        for app in SHIPPED:
            answer = await served.client.get(f"/{app.name}/asyncapi.json")
            if app in WITH_SOCKETS:
                assert answer.status_code == 200, app.name
                assert answer.json() == asyncapi_document(app, prefixed=True)
                assert f'href="/{app.name}/asyncapi.json"' in index
            else:
                assert answer.status_code == 404, app.name
    async with serve_apps([liaptui], environ=FUZZ_ENVIRON, prefixed=False) as served:
        alone = await served.client.get("/asyncapi.json")
        assert alone.json() == asyncapi_document(liaptui, prefixed=False)


async def test_what_a_liaptui_server_sends_matches_its_document():
    document = asyncapi_document(liaptui, prefixed=False)
    async with serve_apps([liaptui], environ=FUZZ_ENVIRON, prefixed=False) as served:
        async with served.client.websocket("/ws/lobby", type_key="event") as lobby:
            replies = []
            for event, data, answer in (
                ("ping", {"client_time": 1}, "pong"),
                ("create_room", {"room_name": "R", "player_name": "Ann"}, "room_created"),
                ("create_room", {"room_name": 5, "player_name": "Ann"}, "validation_error"),
            ):
                await lobby.write_json({"event": event, "data": data})
                replies.append(await lobby.receive_until(answer))
    for reply in replies:
        validator = payload_validator(document, "lobby_socket", f"send.{reply['event']}")
        assert not list(validator.iter_errors(reply)), reply


async def test_what_a_watchparty_server_sends_matches_its_document():
    document = asyncapi_document(watchparty, prefixed=False)
    async with serve_apps([watchparty], environ=FUZZ_ENVIRON, prefixed=False) as served:
        created = await served.client.post(
            "/api/sessions/create", json={"name": "Movie night", "password": "popcorn"}
        )
        session = created.json()
        socket = f"/ws/{session['id']}"
        async with served.client.websocket(socket, params={"token": session["token"]}) as ws:
            await ws.write_json({"type": "chat", "payload": {"message": "hello"}})
            chat = await ws.receive_until("chat")
            await ws.write_json({"type": "chat", "payload": {"message": 5}})
            error = await ws.receive_until("error")
    for message in (chat, error):
        validator = payload_validator(document, "session_socket", f"send.{message['type']}")
        assert not list(validator.iter_errors(message)), message
