"""AsyncAPI 3.0 documents of the apps' WebSocket protocols, from the routes' declarations.

One document per app (``/<app>/asyncapi.json``, or ``/asyncapi.json`` for an app served alone
at the root). Each WebSocket route that declares its `WebSocketProtocol` is a channel (its
address with the app's prefix, its path parameters, its close codes in the description and in
``x-close-codes``); each message it carries is a message of the channel, whose payload schema is
the envelope around the app's own attrs type, the one its converter reads or writes, with the
message's name as a constant; and each message is one operation, from the server's side as
AsyncAPI reads it: ``receive`` for what a client sends, ``send`` for what the server sends
(error events tagged ``error``). Payload schemas are JSON Schema (draft 07, AsyncAPI's default
format), shared under ``components.schemas``.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from typing import Any

import attrs

from ._app import AppSpec
from ._openapi import package_version, schema_of
from ._routes import WebSocketRoute
from ._ws_protocol import Envelope, Message, WebSocketProtocol

__all__ = ["asyncapi_document", "has_asyncapi"]

#: What AsyncAPI calls each direction, from the server's side.
_RECEIVE, _SEND = "receive", "send"


def has_asyncapi(app: AppSpec) -> bool:
    """Whether ``app`` declares the protocol of at least one WebSocket route."""
    return any(route.protocol is not None for route in app.routes.websockets)


def asyncapi_document(app: AppSpec, *, prefixed: bool) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of ``app``'s declared WebSocket protocols (under
    ``/<name>`` when ``prefixed``)."""
    prefix = f"/{app.name}" if prefixed else ""
    schemas: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for route in app.routes.websockets:
        if route.protocol is None:
            continue
        channel_id = _channel_id(route)
        channels[channel_id] = _channel(route, route.protocol, prefix, schemas)
        for action, messages in (
            (_RECEIVE, route.protocol.receives),
            (_SEND, route.protocol.sends),
        ):
            for message in messages:
                key = _message_key(action, message)
                operations[f"{channel_id}.{key}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{channel_id}"},
                    "summary": message.summary or message.name,
                    "messages": [{"$ref": f"#/channels/{channel_id}/messages/{key}"}],
                }
    title = app.title or app.name
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"{title} WebSocket protocol",
            "version": package_version(),
            "description": (
                f"The WebSocket messages of {title}, both ways. Its HTTP routes are in "
                f"{prefix}/openapi.json."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas},
    }


def _channel_id(route: WebSocketRoute) -> str:
    # The route's connect function names it (``lobby_socket``); a key must be a plain word.
    return re.sub(r"[^\w.-]", "_", getattr(route.connect, "__name__", route.path))


def _channel(
    route: WebSocketRoute, protocol: WebSocketProtocol, prefix: str, schemas: dict[str, Any]
) -> dict[str, Any]:
    messages = {}
    for action, envelope, declared in (
        (_RECEIVE, protocol.client_envelope, protocol.receives),
        (_SEND, protocol.server_envelope, protocol.sends),
    ):
        for message in declared:
            messages[_message_key(action, message)] = _message(
                message, envelope, protocol.json_name, schemas
            )
    description = protocol.description or route.summary
    if protocol.close_codes:
        codes = "; ".join(f"{code}: {meaning}" for code, meaning in protocol.close_codes.items())
        description = f"{description}\n\nClose codes: {codes}.".strip()
    channel: dict[str, Any] = {"address": prefix + route.path, "messages": messages}
    if description:
        channel["description"] = description
    parameters = re.findall(r"\{(\w+)\}", route.path)
    if parameters:
        channel["parameters"] = {name: {"description": f"the {name}"} for name in parameters}
    if protocol.close_codes:
        channel["x-close-codes"] = {str(code): text for code, text in protocol.close_codes.items()}
    return channel


def _message_key(action: str, message: Message) -> str:
    # A name may travel both ways with different payloads (a relayed offer): one key each.
    return f"{action}.{message.name}"


def _message(
    message: Message,
    envelope: Envelope,
    json_name: Callable[[attrs.Attribute[Any]], str],
    schemas: dict[str, Any],
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": message.name,
        "title": message.name,
        "payload": _payload(message, message.envelope or envelope, json_name, schemas),
    }
    if message.summary:
        found["summary"] = message.summary
    if message.error:
        found["tags"] = [{"name": "error"}]
    return found


def _payload(
    message: Message,
    envelope: Envelope,
    json_name: Callable[[attrs.Attribute[Any]], str],
    schemas: dict[str, Any],
) -> dict[str, Any]:
    """The whole JSON object on the wire: the envelope's fields, the name as a constant, and
    the message's own fields (under ``envelope.data``, or beside the name)."""
    properties: dict[str, Any] = {envelope.key: {"type": "string", "const": message.name}}
    required = [envelope.key]
    if envelope.fields is not None:
        hints = typing.get_type_hints(envelope.fields)
        for field in attrs.fields(envelope.fields):
            name = json_name(field)
            if name in (envelope.key, envelope.data):
                continue
            properties[name] = schema_of(hints.get(field.name, Any), schemas)
            if field.default is attrs.NOTHING:
                required.append(name)
    if envelope.numbered:
        properties["sequence_number"] = {
            "type": "integer",
            "minimum": 1,
            "description": "on broadcasts: its number in the party's stream (resume after it)",
        }
    if message.payload is not None:
        body = schema_of(message.payload, schemas, json_name)
    else:
        body = dict(message.schema or {"type": "object"})
    if envelope.data is not None:
        properties[envelope.data] = body
        if not envelope.data_optional:
            required.append(envelope.data)
        return {"type": "object", "properties": properties, "required": required}
    envelope_schema = {"type": "object", "properties": properties, "required": required}
    return {"allOf": [envelope_schema, body]}
