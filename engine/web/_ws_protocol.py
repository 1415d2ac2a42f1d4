"""What a WebSocket route says over its connection, declared for its AsyncAPI document.

An app declares, beside a WebSocket route, the messages a client may send (``receives``) and
those the server sends (``sends``, its error events among them), each a name on the wire and
the attrs type the app already reads or writes it with, how each direction wraps them (an
`Envelope`: the field that names the message, the one that holds it, and the fields around it)
and the close codes the server uses. ``engine/web/_asyncapi.py`` turns this into an AsyncAPI 3
document; nothing here changes how messages are served.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["Envelope", "Message", "WebSocketProtocol"]


@attrs.frozen
class Message:
    """One message on the wire: ``name`` (the envelope's tag) and its ``payload`` type (an
    attrs class the app's converter reads or writes; None for a message with no fields), or
    instead its JSON ``schema`` (an error format's body). ``error`` marks an error event."""

    name: str
    payload: type | None = None
    summary: str = ""
    error: bool = False
    schema: Mapping[str, Any] | None = None
    #: How this message is wrapped when it differs from its direction's others (an error
    #: event under ``error`` rather than ``data``, say).
    envelope: Envelope | None = None


@attrs.frozen
class Envelope:
    """How the messages of one direction are wrapped.

    ``key`` is the field whose value is the message's name; the message's fields are under
    ``data`` (``{"event": "play", "data": {...}}``), or beside ``key`` when ``data`` is None
    (``{"type": "offer", "to": ..., "sdp": ...}``). ``fields`` is an attrs class whose other
    fields (not ``key``, not ``data``) every message of the direction carries too (the
    server's timestamps, say).
    """

    key: str = "type"
    data: str | None = None
    fields: type | None = None
    #: Whether ``data`` may be left out (a message with no fields).
    data_optional: bool = False
    #: Whether broadcasts carry ``sequence_number`` (numbered by the party's ``EventStream``;
    #: private messages are not numbered).
    numbered: bool = False


def _python_name(field: attrs.Attribute[Any]) -> str:
    # ``from_`` is the field of a wire key that is a Python keyword.
    return field.name.removesuffix("_")


@attrs.frozen
class WebSocketProtocol:
    """A WebSocket route's messages both ways, their envelopes and its close codes."""

    receives: tuple[Message, ...]
    sends: tuple[Message, ...]
    client_envelope: Envelope = Envelope()
    server_envelope: Envelope = Envelope()
    #: Close codes the server sends, with what each means to the client.
    close_codes: Mapping[int, str] = attrs.field(factory=dict)
    description: str = ""
    #: The JSON name of an attrs field of the payload types (the app's converter's renames).
    json_name: Callable[[attrs.Attribute[Any]], str] = _python_name
