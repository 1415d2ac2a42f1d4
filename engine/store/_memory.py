"""The in-memory backend: dicts, with the durable backends' semantics and none of their durability.

It goes through the same single writer as the others (``GroupCommitter``), and a commit is a
checkpoint, so writes batch, order, conflict and cancel exactly as they do on SQLite or
PostgreSQL; and it keeps the same JSON text (see ``_ops``). Nothing survives the process.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import outcome
import trio

from ._errors import StoreError, VersionConflict
from ._group_commit import GroupCommitStore
from ._json import decode
from ._ops import MAX_SEQ, Delete, Op, Save
from ._record import Record


class MemoryStore(GroupCommitStore):
    backend = "memory"

    def __init__(self, *, group_commit: bool) -> None:
        super().__init__(group_commit=group_commit)
        self._states: dict[str, dict[str, tuple[int, str]]] = {}
        self._events: dict[tuple[str, str], dict[int, str]] = {}

    async def load(self, kind: str, key: str) -> Record | None:
        self._check_open()
        await trio.lowlevel.checkpoint()
        state = self._states.get(kind, {}).get(key)
        return None if state is None else Record(state[0], decode(state[1]))

    async def load_all(self, kind: str) -> list[tuple[str, Record]]:
        self._check_open()
        await trio.lowlevel.checkpoint()
        states = self._states.get(kind, {})
        return [(key, Record(states[key][0], decode(states[key][1]))) for key in sorted(states)]

    async def keys(self, kind: str) -> list[str]:
        self._check_open()
        await trio.lowlevel.checkpoint()
        return sorted(self._states.get(kind, {}))

    async def read_events(
        self, kind: str, key: str, after: int, upto: int | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        self._check_open()
        await trio.lowlevel.checkpoint()
        log = self._events.get((kind, key), {})
        upto = MAX_SEQ if upto is None else upto
        return [(seq, decode(log[seq])) for seq in sorted(log) if after < seq <= upto]

    async def _commit(self, ops: list[Op]) -> tuple[list[outcome.Outcome[Any]], int]:
        await trio.lowlevel.checkpoint()
        return [self._apply(op) for op in ops], 1

    def _apply(self, op: Op) -> outcome.Outcome[Any]:
        if isinstance(op, Save):
            return self._apply_save(op)
        if isinstance(op, Delete):
            return self._apply_delete(op)
        log = self._events.get((op.kind, op.key), {})
        for seq in [seq for seq in log if seq <= op.upto]:
            del log[seq]
        return outcome.Value(None)

    def _apply_delete(self, op: Delete) -> outcome.Outcome[Any]:
        states = self._states.get(op.kind, {})
        if op.expected_version is not None and op.key in states:
            actual = states[op.key][0]
            if actual != op.expected_version:
                return outcome.Error(VersionConflict(op.kind, op.key, op.expected_version, actual))
        states.pop(op.key, None)
        self._events.pop((op.kind, op.key), None)
        return outcome.Value(None)

    def _apply_save(self, op: Save) -> outcome.Outcome[Any]:
        # Every check comes before any change, so a refused save leaves no trace.
        states = self._states.setdefault(op.kind, {})
        actual = states[op.key][0] if op.key in states else 0
        if actual != op.expected_version:
            return outcome.Error(VersionConflict(op.kind, op.key, op.expected_version, actual))
        log = self._events.setdefault((op.kind, op.key), {})
        if any(seq in log for seq, _ in op.events):
            return outcome.Error(StoreError(f"{op.kind}/{op.key}: an event seq is already logged"))
        states[op.key] = (actual + 1, op.data)
        log.update(op.events)
        return outcome.Value(actual + 1)


@contextlib.asynccontextmanager
async def open_memory_store(*, group_commit: bool = True) -> AsyncIterator[MemoryStore]:
    store = MemoryStore(group_commit=group_commit)
    async with store._running():
        yield store
