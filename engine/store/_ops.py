"""The write operations the writer commits, built and checked in the caller's task.

Data is encoded to JSON text here, before anything is queued, so a caller's bug (a set, a NaN, a
non-dict) raises in the caller and never reaches a batch; and every backend, memory included,
stores the same text, so a load returns the same value whichever backend saved it (int dict keys
come back as strings everywhere, not only on disk).

An event may come already encoded, as ``JsonText``: a party's event stream encodes each event once
for the wire, with the engine's strict JSON, and the store keeps that text rather than encoding
the event a second time (4.4% of the server's main thread under the Liap Tui load test, a third
of the save's cost).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ._json import encode

#: Event seqs are stored as 64-bit integers (BIGINT).
MIN_SEQ = -(2**63)
MAX_SEQ = 2**63 - 1


@attrs.frozen
class Save:
    kind: str
    key: str
    data: str
    expected_version: int
    events: tuple[tuple[int, str], ...]


@attrs.frozen
class Delete:
    kind: str
    key: str
    #: None: whatever is stored; else only that version (see ``Store.delete``).
    expected_version: int | None = None


@attrs.frozen
class Trim:
    kind: str
    key: str
    upto: int


Op = Save | Delete | Trim


@attrs.frozen
class JsonText:
    """An event's data (a dict) already encoded as JSON text, which the store keeps as it is.

    The text must be what ``engine.net``'s strict ``json_dumps`` writes for the dict (the frame
    text ``EventStream.publish`` sends): compact, with control characters escaped and no lone
    surrogate or non-finite number, so SQLite and PostgreSQL text hold it and decoding it gives
    the dict's JSON value, exactly as if the store had encoded the dict itself.
    """

    text: str


def _encode_event(event: dict[str, Any] | JsonText) -> str:
    return event.text if isinstance(event, JsonText) else encode(event)


def make_save(
    kind: str,
    key: str,
    data: dict[str, Any],
    expected_version: int,
    events: Sequence[tuple[int, dict[str, Any] | JsonText]],
) -> Save:
    _check_names(kind, key)
    _check_version(expected_version)
    encoded = tuple([(_check_seq(seq), _encode_event(event)) for seq, event in events])
    if len(encoded) > 1 and len({seq for seq, _ in encoded}) != len(encoded):
        raise ValueError("events repeat a seq")
    return Save(kind, key, encode(data), expected_version, encoded)


def make_delete(kind: str, key: str, expected_version: int | None) -> Delete:
    _check_names(kind, key)
    if expected_version is not None:
        _check_version(expected_version)
    return Delete(kind, key, expected_version)


def make_trim(kind: str, key: str, upto: int) -> Trim:
    _check_names(kind, key)
    return Trim(kind, key, clamp_seq(upto))


def clamp_seq(bound: int) -> int:
    """A seq bound moved into the stored range, where it selects the same events."""
    return max(MIN_SEQ, min(bound, MAX_SEQ))


def _check_names(kind: str, key: str) -> None:
    # A non-str key would be stored as text by SQLite, refused by PostgreSQL, and kept as is in
    # memory: refuse it everywhere, before it can fail a whole batch.
    if not isinstance(kind, str) or not isinstance(key, str):
        raise TypeError(
            f"kind and key must be str, not {type(kind).__name__}, {type(key).__name__}"
        )


def _check_version(expected_version: int) -> None:
    if not isinstance(expected_version, int) or not 0 <= expected_version < MAX_SEQ:
        raise ValueError(f"expected_version must be a version or 0, not {expected_version!r}")


def _check_seq(seq: int) -> int:
    if not isinstance(seq, int) or not MIN_SEQ <= seq <= MAX_SEQ:
        raise ValueError(f"event seq must be a 64-bit integer, not {seq!r}")
    return seq
