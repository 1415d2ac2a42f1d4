"""The wire codec of a party's WebSocket messages: JSON objects in text frames.

A codec turns an outgoing value into a ready-to-send `Frame` (once, however many peers get it)
and an incoming message into a value, or a `DecodeError` that says why not, so the reader can
answer it in the app's error format and keep the connection open.

`JsonCodec` is the engine's strict JSON (`engine.net._json`, shared with HTTP bodies): compact,
UTF-8 on the wire (shorter than `\\u` escapes), and refusing on the way in every value it could
not write back out.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, final

import attrs

from engine.wire import json_type

from ._frames import Frame, text_frame
from ._json import JsonRejected, UnencodableValue, dumps, loads

log = logging.getLogger("engine.net")

__all__ = ["JSON_CODEC", "Codec", "DecodeError", "JsonCodec"]


class DecodeError(ValueError):
    """An incoming message is not a valid message of the codec; `reason` says why.

    The reason is meant for the client (it goes into the app's "malformed" error), so it names
    the problem without echoing the message.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Codec(Protocol):
    """How a party's messages look on the wire."""

    def encode(self, value: Any) -> Frame:
        """The frame carrying `value`. Raises `UnencodableValue` for a value it cannot carry."""
        ...

    def decode(self, message: str | bytes) -> Any:
        """The value a received message carries. Raises `DecodeError`."""
        ...


@final
@attrs.frozen
class JsonCodec:
    """Strict JSON (`engine.net.json_loads`, `json_dumps`) in text frames. Incoming messages must
    be JSON objects unless `objects_only` is off.

    Decoding refuses what the strict decoder refuses (non-finite or overlong numbers, lone
    surrogates, deep nesting), so no value a client sends can make an encode fail later.
    Encoding raises `UnencodableValue` (a ValueError, and a `Rejection`) for what JSON cannot
    carry: a bug of the sender, never of the client. Every such failure is logged here, once,
    with the caller's stack (which names the actor's handler), whoever catches it.
    """

    objects_only: bool = True

    def encode(self, value: Any) -> Frame:
        try:
            return text_frame(dumps(value))
        except UnencodableValue as exc:
            log.error("could not encode a message: %s", exc, stack_info=True)
            raise

    def decode(self, message: str | bytes) -> Any:
        if not isinstance(message, str):
            raise DecodeError("binary frame where text expected")
        try:
            value = loads(message)
        except JsonRejected as exc:
            raise DecodeError(exc.reason) from None
        if self.objects_only and not isinstance(value, dict):
            raise DecodeError(f"not a JSON object: got {json_type(value)}")
        return value


#: The codec every party uses unless it says otherwise.
JSON_CODEC = JsonCodec()
