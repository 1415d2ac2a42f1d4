"""The SQLite backend (stdlib ``sqlite3``): the embedded default.

One writer connection commits each batch in one ``BEGIN IMMEDIATE`` transaction; a second,
read-only connection serves reads, which WAL mode lets run while the writer commits.

Durability: ``journal_mode=WAL`` with ``synchronous=FULL``, so every commit fsyncs the WAL before
it returns and an acknowledged write survives a power loss, not just a crash of the process
(``synchronous=NORMAL`` would survive ``kill -9`` but could lose the last commits on power loss,
and DESIGN.md promises that nothing acknowledged to a client is lost). The fsync per commit is
what group commit amortises: one per batch, not one per save.

Events and states are rowid tables, each with its primary key's index. Events were
``WITHOUT ROWID``, clustered on ``(kind, key, seq)`` so that a key's log was contiguous for
``read_events``; but such a table keeps at most about 1 KB of a row in its leaf page (a
quarter of a 4 KB page) and spills the rest into an overflow page of its own, and a game's
``phase_change`` is 1.5 KB. After 90 s of 1,000 Liap Tui games the file held 30,307 overflow
pages, 124 MB of its 168 MB, for 62,898 events of 838 bytes on average: every commit wrote a
mostly empty page per large event and a page per key touched. A rowid table appends events in
commit order, packed, and an event fits in its leaf up to about 4 KB; reads of a key's log go
through the index (`read_events` runs on a restore, not per move). States keep a rowid table
too, as SQLite advises for rows larger than a twentieth of a page (a party's state often is),
measured ~10% faster to update. Migration 2 copies the events of an older file over.

A batch's saves go in as three statements whatever their number (`_apply_saves`): the updates,
the new keys and the events, each a JSON array of rows read by ``json_each``. Statement by
statement, the writer thread needed the GIL back after each one, three or four per save, and
waited for a busy event loop each time (see ``_writer_thread``): at 600 Liap Tui games a batch
of 16 saves took 15 ms to commit. Should a save's version not match (a conflict: rare), the
batch is done again statement by statement, which tells which one failed.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import outcome

from ._checkpoints import BACKSTOP_PAGES, Checkpointer
from ._errors import VersionConflict
from ._json import rows_parameter
from ._ops import Delete, Op, Save
from ._sql import Queries, SqlReader, SqlStore, SqlWriter, open_sql_store

#: How long a connection waits for another process's lock (a second engine on the same file)
#: before its operation fails with ``StoreError``.
_BUSY_TIMEOUT_S = 5.0

_QUERIES = Queries(
    load="SELECT version, data FROM states WHERE kind = ? AND key = ?",
    load_all="SELECT key, version, data FROM states WHERE kind = ? ORDER BY key",
    keys="SELECT key FROM states WHERE kind = ? ORDER BY key",
    read_events=(
        "SELECT seq, data FROM events WHERE kind = ? AND key = ? AND seq > ? AND seq <= ?"
        " ORDER BY seq"
    ),
)
_INSERT_STATE = (
    "INSERT INTO states (kind, key, version, data) VALUES (?, ?, 1, ?)"
    " ON CONFLICT (kind, key) DO NOTHING"
)
_UPDATE_STATE = "UPDATE states SET version = ?, data = ? WHERE kind = ? AND key = ? AND version = ?"
_STATE_VERSION = "SELECT version FROM states WHERE kind = ? AND key = ?"
_INSERT_EVENT = "INSERT INTO events (kind, key, seq, data) VALUES (?, ?, ?, ?)"
_DELETE_STATE = "DELETE FROM states WHERE kind = ? AND key = ?"
_DELETE_EVENTS = "DELETE FROM events WHERE kind = ? AND key = ?"
_TRIM_EVENTS = "DELETE FROM events WHERE kind = ? AND key = ? AND seq <= ?"
# The bulk statements: ? is a JSON array of rows, each an array of the columns in this order.
_BULK_UPDATE_STATES = (
    "UPDATE states SET version = j.version + 1, data = j.data FROM (SELECT value ->> 0 AS kind,"
    " value ->> 1 AS key, value ->> 2 AS data, value ->> 3 AS version FROM json_each(?)) AS j"
    " WHERE states.kind = j.kind AND states.key = j.key AND states.version = j.version"
)
_BULK_INSERT_STATES = (
    "INSERT INTO states (kind, key, version, data) SELECT value ->> 0, value ->> 1, 1,"
    " value ->> 2 FROM json_each(?) WHERE true ON CONFLICT (kind, key) DO NOTHING"
)
_BULK_INSERT_EVENTS = (
    "INSERT INTO events (kind, key, seq, data)"
    " SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)"
)


class SqliteWriter(SqlWriter):
    backend = "sqlite"
    driver_error = sqlite3.Error
    unavailable_error = sqlite3.OperationalError
    schema_lock = ("BEGIN IMMEDIATE",)
    migrations = (
        (
            "CREATE TABLE states (kind TEXT NOT NULL, key TEXT NOT NULL,"
            " version INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key))",
            "CREATE TABLE events (kind TEXT NOT NULL, key TEXT NOT NULL,"
            " seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key, seq))"
            " WITHOUT ROWID",
        ),
        # Events in a rowid table (see the module docstring), their rows copied over in order.
        (
            "CREATE TABLE events_by_rowid (kind TEXT NOT NULL, key TEXT NOT NULL,"
            " seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key, seq))",
            "INSERT INTO events_by_rowid (kind, key, seq, data)"
            " SELECT kind, key, seq, data FROM events ORDER BY kind, key, seq",
            "DROP TABLE events",
            "ALTER TABLE events_by_rowid RENAME TO events",
        ),
    )

    def __init__(self, path: Path) -> None:
        super().__init__(lambda: _connect_writer(path))
        self._checkpointer = Checkpointer(lambda: _connect_reader(path, query_only=False))

    def close(self) -> None:
        try:
            self._checkpointer.stop()
        finally:
            super().close()

    def apply(self, conn: sqlite3.Connection, ops: list[Op]) -> list[outcome.Outcome[Any]]:
        cursor = conn.cursor()
        # IMMEDIATE takes the write lock up front, so another process cannot make us fail
        # half-way through the batch.
        cursor.execute("BEGIN IMMEDIATE")
        results = _apply_saves(cursor, ops)
        if results is None:
            results = [_apply_one(cursor, op) for op in ops]
        cursor.execute("COMMIT")
        self._checkpointer.committed()
        return results


def _apply_saves(cursor: sqlite3.Cursor, ops: list[Op]) -> list[outcome.Outcome[Any]] | None:
    """Apply a batch of saves of distinct keys in three statements (see the module docstring);
    None, with nothing applied, for any other batch or a conflict among them."""
    if len(ops) < 2 or not all(type(op) is Save for op in ops):
        return None
    saves = cast("list[Save]", ops)
    if len({(save.kind, save.key) for save in saves}) < len(saves):
        return None
    updates = [
        (save.kind, save.key, save.data, save.expected_version)
        for save in saves
        if save.expected_version
    ]
    inserts = [(save.kind, save.key, save.data) for save in saves if not save.expected_version]
    for statement, rows in ((_BULK_UPDATE_STATES, updates), (_BULK_INSERT_STATES, inserts)):
        if rows and cursor.execute(statement, (rows_parameter(rows),)).rowcount != len(rows):
            # A conflict: the transaction starts again, to be done statement by statement (a
            # savepoint around the batch cost two more statements in every commit).
            cursor.execute("ROLLBACK")
            cursor.execute("BEGIN IMMEDIATE")
            return None
    events = [(save.kind, save.key, *event) for save in saves for event in save.events]
    if events:
        cursor.execute(_BULK_INSERT_EVENTS, (rows_parameter(events),))
    return [outcome.Value(save.expected_version + 1) for save in saves]


def _apply_one(cursor: sqlite3.Cursor, op: Op) -> outcome.Outcome[Any]:
    if isinstance(op, Save):
        if op.expected_version == 0:
            cursor.execute(_INSERT_STATE, (op.kind, op.key, op.data))
        else:
            new = (op.expected_version + 1, op.data, op.kind, op.key, op.expected_version)
            cursor.execute(_UPDATE_STATE, new)
        if cursor.rowcount != 1:
            row = cursor.execute(_STATE_VERSION, (op.kind, op.key)).fetchone()
            actual = 0 if row is None else row[0]
            return outcome.Error(VersionConflict(op.kind, op.key, op.expected_version, actual))
        if op.events:
            cursor.executemany(_INSERT_EVENT, [(op.kind, op.key, *event) for event in op.events])
        return outcome.Value(op.expected_version + 1)
    if isinstance(op, Delete):
        if op.expected_version is not None:
            row = cursor.execute(_STATE_VERSION, (op.kind, op.key)).fetchone()
            if row is not None and row[0] != op.expected_version:
                return outcome.Error(VersionConflict(op.kind, op.key, op.expected_version, row[0]))
        cursor.execute(_DELETE_STATE, (op.kind, op.key))
        cursor.execute(_DELETE_EVENTS, (op.kind, op.key))
    else:
        cursor.execute(_TRIM_EVENTS, (op.kind, op.key, op.upto))
    return outcome.Value(None)


def _connect_writer(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we write BEGIN and COMMIT ourselves. The store makes, uses and closes
    # it in its writer thread only; check_same_thread=False lets a test drive a writer itself.
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_S
    )
    _enable_wal(conn)
    conn.execute("PRAGMA synchronous = FULL")
    # Checkpoints are the Checkpointer's (engine/store/_checkpoints.py); this is the backstop.
    conn.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    # Switching a new file to WAL needs an exclusive lock, and SQLite can answer "database is
    # locked" at once, without its busy handler, while another process or store opening the
    # same new file holds a lock. Retry within the busy timeout; this runs in a worker thread.
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _connect_reader(path: Path, *, query_only: bool = True) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_S
    )
    if query_only:
        conn.execute("PRAGMA query_only = ON")
    return conn


@contextlib.asynccontextmanager
async def open_sqlite_store(path: Path, *, group_commit: bool = True) -> AsyncIterator[SqlStore]:
    """Open (creating if need be) the database file at ``path``; see ``open_sql_store``."""
    writer = SqliteWriter(path)
    reader = SqlReader(lambda: _connect_reader(path), sqlite3.Error)
    async with open_sql_store(writer, reader, _QUERIES, group_commit=group_commit) as store:
        yield store
