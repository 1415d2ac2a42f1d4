"""Strict JSON: what the engine reads from clients and writes back, on HTTP and WebSocket alike.

`loads` accepts only documents whose every value the engine can hold, compute with and encode
again (RFC 8259 text, restricted as RFC 7493's I-JSON does). It refuses, with a `JsonRejected`
whose `reason` is safe to show the client (it never echoes the document):

- non-finite numbers: the ``NaN``/``Infinity`` literals (Python's extension, not JSON) and
  literals that overflow a float (``1e400`` would decode to ``inf``, which no arithmetic on it
  survives and no strict encoder writes back);
- lone surrogates, raw or escaped (``"\\ud800"``), in strings and object keys: a string holding
  one cannot be encoded as UTF-8, so echoing it back would fail;
- nesting deeper than `MAX_DEPTH` containers;
- integer literals of more than `MAX_INT_DIGITS` digits;
- bytes that are not UTF-8.

Why these bounds: no message of any app nests more than a handful of levels, and 64 keeps every
recursive consumer (cattrs, the encoder, an app's own walk) a long way from Python's recursion
limit; without a bound, a 1 MB body of brackets reaches the C decoder's recursion limit. An
integer of 40 digits holds any 128-bit id; Python's own limit (4,300 digits) would still let a
client hand every handler numbers whose arithmetic and conversion cost grows quadratically.

`dumps` writes compact UTF-8 JSON and raises `UnencodableValue` for what is not JSON (NaN,
infinities, lone surrogates, other types, cycles). A document `loads` accepted always encodes.
It writes with python-rapidjson where it can (`engine.json_text`: the standard library's
rules, 3-4x faster), and with the standard library's encoder what rapidjson declines.

Cost of `loads`, measured with timeit (best of 5, on a busy 2-core machine): a 137-byte game
frame decodes in 3.1 us against 2.3 us for a bare `json.JSONDecoder`, a non-ASCII chat in 2.4 us
against 1.3. Walking every decoded value for depth and surrogates made the game frame 5.1 us:
`loads` walks only documents whose text could hold either (see there). A faster decoder was not
tried: the bounds on depth, digits and surrogates would still need checks of our own around it,
for well under a microsecond to win.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from engine.actors import Rejection
from engine.json_text import fast_or

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "JsonRejected",
    "UnencodableValue",
    "dumps",
    "loads",
]

#: The deepest nesting of objects and arrays `loads` accepts (a top-level object is 1).
MAX_DEPTH = 64
#: The most digits an integer literal may have (a leading minus sign not counted).
MAX_INT_DIGITS = 40

# A Python str holds a surrogate code point only if it is unpaired: the decoder joins an escaped
# pair into one character, and a str decoded from UTF-8 has none.
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonRejected(ValueError):
    """`loads` refused a document; `reason` says why, without echoing it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnencodableValue(ValueError):
    """`dumps` was given a value JSON cannot carry: a bug of the server, never of a client.

    It is a `Rejection`, so raised in an actor's handler it refuses that one message (the
    changes of a persistent actor are rolled back, an asker gets it) instead of crashing the
    actor and taking its peers with it. Whoever catches it logs it as the bug it is.
    """


Rejection.register(UnencodableValue)


def _reject_constant(name: str) -> Any:
    raise JsonRejected(f"malformed JSON: {name} is not valid JSON")


def _parse_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise JsonRejected("malformed JSON: a number is out of range")
    return value


def _parse_int(literal: str) -> int:
    if len(literal) - literal.startswith("-") > MAX_INT_DIGITS:
        raise JsonRejected(f"malformed JSON: a number is too long (over {MAX_INT_DIGITS} digits)")
    return int(literal)


_DECODER = json.JSONDecoder(
    parse_float=_parse_float, parse_int=_parse_int, parse_constant=_reject_constant
)
# Built once: json.dumps with keyword arguments builds a new encoder on every call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)

_TOO_DEEP = f"malformed JSON: nested deeper than {MAX_DEPTH} levels"
_SURROGATE_REASON = "malformed JSON: a string holds a lone surrogate"


def loads(document: str | bytes) -> Any:
    """The value of a JSON document; raises `JsonRejected` (see the module docstring)."""
    if not isinstance(document, str):
        try:
            document = bytes(document).decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRejected("malformed JSON: not UTF-8") from None
    try:
        value = _DECODER.decode(document)
    except JsonRejected:
        raise
    except json.JSONDecodeError as exc:
        raise JsonRejected(f"malformed JSON: {exc}") from None
    except RecursionError:
        # The C decoder recurses once per level: far deeper than MAX_DEPTH, it gives up first.
        raise JsonRejected(_TOO_DEEP) from None
    # Most documents cannot hold what _check looks for, and the text says so faster than a walk
    # of the value (see the module docstring for figures): a raw surrogate is found in the text
    # itself, an escaped one needs a "\u", and a document with fewer brackets than MAX_DEPTH
    # cannot nest deeper.
    if not document.isascii() and _SURROGATE.search(document):
        raise JsonRejected(_SURROGATE_REASON)
    if "\\u" in document or document.count("[") + document.count("{") > MAX_DEPTH:
        _check(value)
    return value


def _check(root: Any) -> None:
    """Refuse a decoded value nested deeper than MAX_DEPTH or holding a lone surrogate."""
    if type(root) is str:
        _check_string(root)
        return
    pending: list[tuple[Any, int]] = [(root, 1)]
    children: Iterable[Any]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise JsonRejected(_TOO_DEEP)
        if type(node) is dict:
            for key in node:
                _check_string(key)
            children = node.values()
        elif type(node) is list:
            children = node
        else:
            continue
        for child in children:
            kind = type(child)
            if kind is str:
                _check_string(child)
            elif kind is dict or kind is list:
                pending.append((child, depth + 1))


def _check_string(text: str) -> None:
    if not text.isascii() and _SURROGATE.search(text):
        raise JsonRejected(_SURROGATE_REASON)


def dumps(value: Any) -> str:
    """`value` as compact JSON text, always encodable as UTF-8; raises `UnencodableValue`."""
    return _encode(value)


def _strict_dumps(value: Any) -> str:
    try:
        text = _ENCODER.encode(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise UnencodableValue(f"not JSON: {exc}") from exc
    if not text.isascii() and _SURROGATE.search(text):
        raise UnencodableValue("not JSON: a string holds a lone surrogate")
    return text


_encode = fast_or(_strict_dumps)
