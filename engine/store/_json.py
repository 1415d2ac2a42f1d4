"""The store's JSON: what ``encode`` accepts and writes is the standard library's, only faster.

The contract (tests/store/test_store.py) is ``json``'s with ``allow_nan=False``: a dict whose
values are JSON's types (str, int, float, bool, None, list, tuple, dict, and subclasses of
those) encodes, with int keys and the like turned into strings and lone surrogates escaped;
NaN and infinities raise ``ValueError``, other types ``TypeError``.

``encode`` writes with python-rapidjson (``engine.json_text``), which keeps those rules, and
with ``json`` what rapidjson declines (int keys, ints beyond 64 bits, lone surrogates, dict
subclasses): a room's state in about 7 us against 18 to 30 us. rapidjson writes UTF-8 where
``json`` writes ``\\u`` escapes, as the wire's event text (which the store keeps) does; both
escape control characters, and ``json`` escapes lone surrogates, so SQLite and PostgreSQL text
hold either, and both decode to the same value.
"""

from __future__ import annotations

import json
from typing import Any

from engine.json_text import fast_or

# Built once: json.dumps with arguments builds an encoder per call. ensure_ascii (the default)
# escapes NUL and lone surrogates, which PostgreSQL text and UTF-8 cannot hold.
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_encode = fast_or(_ENCODER.encode)


def encode(data: dict[str, Any]) -> str:
    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict, not {type(data).__name__}")
    return _encode(data)


#: A batch's rows (strings, 64-bit ints and arrays of them) as one JSON text, for a SQL
#: statement's parameter. It runs in the writer's thread, holding the GIL that the event loop
#: waits for (timeit, batches of 100 saves the size of Liap Tui's: 5.2 us a save against 10.6
#: with json); json writes what rapidjson declines (a kind or key with a lone surrogate, which
#: the database then refuses either way).
rows_parameter = fast_or(json.dumps)


def decode(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)  # the engine wrote it, from a dict (encode)
    return data
