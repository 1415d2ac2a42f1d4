"""The PostgreSQL backend: psycopg 3, synchronous, in threads, with pipeline mode.

Same design as SQLite: one writer connection commits each batch in one transaction; a second
connection (autocommit) serves reads. Durability is the server's ``synchronous_commit`` (``on``
by default: COMMIT returns once the WAL is flushed, and on sync standbys if configured). The
database's encoding should be UTF8 (the usual default): the JSON text the store writes is UTF-8,
not ASCII-escaped, and another encoding may not hold every character.

A batch goes to the server as one pipeline, ``BEGIN``, its statements, ``COMMIT``, and the
results come back together: one round trip per batch. A batch of saves of distinct keys (the
usual one: many parties saving at once) is one statement, ``_SAVE_BATCH``, which takes every save
as one JSON parameter and does set-wise what ``_SAVE`` does for one: write each state whose
version matches, append the events of the states written, and report each save's outcome.
Measured with 1,000 saves per batch (same runs, loaded machine), it committed in 100-320 ms
against 370-1,080 ms with a statement per save (parse, plan and executor start-up per
statement), and the driver adapts one parameter instead of a thousand. Every reply waits for
the commit, so its time is what separates durable from in-memory saves (bench/store.py,
``durable_ratio_vs_memory``).
Any other batch (a delete, a trim, two saves of one key, whose order matters) goes as one
statement per write: each save is a single statement (``_SAVE``) that writes the state only if
the version matches and appends the events only if the state was written, so no statement
depends on the result of another.

Why psycopg and not asyncpg: measured on this project's 2-core machine (shared, so figures
vary by about a third between runs) against a local server with fsync on, 1,000 concurrent tasks
each saving its own key with one event, group commit with one writer in every case (saves
acknowledged per second, best of two runs):

======================================================  ==========
psycopg 3, worker thread, pipeline, ``_SAVE`` per save      ~9,000
psycopg 3, worker thread, one round trip per statement      ~3,500
asyncpg via trio-asyncio, ``_SAVE`` per save                ~5,000
asyncpg via trio-asyncio, one round trip per statement      ~2,700
======================================================  ==========

A lone saver is fsync-bound with either driver. Reads cost about the same (point reads ~4,000/s
with psycopg in a thread, ~3,600/s with asyncpg through trio-asyncio; ``load_all`` of 1,000 rows
6 ms against 12 ms). asyncpg has no pipeline for different statements, and each of its awaits
crosses from Trio into trio-asyncio's loop and back; psycopg also keeps one design for both SQL
backends and no asyncio loop in the process. Events travel as one JSON parameter, not as arrays:
psycopg's list adaptation cost more than the statement itself (110 ms against 180 ms per batch
of 1,000).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, cast

import outcome
import psycopg
import psycopg.conninfo

from ._errors import VersionConflict
from ._json import rows_parameter
from ._ops import Delete, Op, Save
from ._sql import Queries, SqlReader, SqlStore, SqlWriter, open_sql_store

#: Used unless the URL says otherwise. A connect that hangs would hold the writer (and closing)
#: until TCP gives up; the name shows in pg_stat_activity.
_CONNECT_DEFAULTS: dict[str, Any] = {"connect_timeout": 10, "application_name": "party-engine"}
#: Serialises schema migrations of several engines sharing one database.
_MIGRATION_LOCK_ID = 0x70617274795F6573  # "party_es"

_QUERIES = Queries(
    load="SELECT version, data FROM states WHERE kind = %s AND key = %s",
    load_all="SELECT key, version, data FROM states WHERE kind = %s ORDER BY key",
    keys="SELECT key FROM states WHERE kind = %s ORDER BY key",
    read_events=(
        "SELECT seq, data FROM events WHERE kind = %s AND key = %s"
        " AND seq > %s::bigint AND seq <= %s::bigint ORDER BY seq"
    ),
)
# Sub-statements of one statement share a snapshot: the final SELECT sees the version from
# before this save, which is the actual version when the save conflicted.
_SAVE = """
WITH inserted AS (
    INSERT INTO states (kind, key, version, data)
    SELECT %(kind)s, %(key)s, 1, %(data)s WHERE %(expected)s::bigint = 0
    ON CONFLICT (kind, key) DO NOTHING
    RETURNING 1
), updated AS (
    UPDATE states SET version = %(expected)s::bigint + 1, data = %(data)s
    WHERE %(expected)s::bigint > 0 AND kind = %(kind)s AND key = %(key)s
      AND version = %(expected)s::bigint
    RETURNING 1
), written AS (
    SELECT 1 FROM inserted UNION ALL SELECT 1 FROM updated
), logged AS (
    INSERT INTO events (kind, key, seq, data)
    SELECT %(kind)s, %(key)s, (event ->> 0)::bigint, event ->> 1
    FROM json_array_elements(%(events)s::json) AS event
    WHERE EXISTS (SELECT FROM written)
)
SELECT EXISTS (SELECT FROM written),
       (SELECT version FROM states WHERE kind = %(kind)s AND key = %(key)s)
"""
# The batch form of _SAVE, for saves of distinct (kind, key): one JSON array of
# [kind, key, data, expected_version, [[seq, event], ...]]. One row per save, in order: whether it
# was written, and the version before this statement (the actual one when the save conflicted).
_SAVE_BATCH = """
WITH batch AS (
    SELECT ord, op ->> 0 AS kind, op ->> 1 AS key, op ->> 2 AS data,
           (op ->> 3)::bigint AS expected, op -> 4 AS events
    FROM json_array_elements(%s::json) WITH ORDINALITY AS input (op, ord)
), inserted AS (
    INSERT INTO states (kind, key, version, data)
    SELECT kind, key, 1, data FROM batch WHERE expected = 0
    ON CONFLICT (kind, key) DO NOTHING
    RETURNING kind, key
), updated AS (
    UPDATE states SET version = batch.expected + 1, data = batch.data
    FROM batch
    WHERE batch.expected > 0 AND states.kind = batch.kind AND states.key = batch.key
      AND states.version = batch.expected
    RETURNING states.kind, states.key
), written AS (
    SELECT kind, key FROM inserted UNION ALL SELECT kind, key FROM updated
), logged AS (
    INSERT INTO events (kind, key, seq, data)
    SELECT batch.kind, batch.key, (event ->> 0)::bigint, event ->> 1
    FROM batch JOIN written USING (kind, key), json_array_elements(batch.events) AS event
)
SELECT written.key IS NOT NULL, states.version
FROM batch LEFT JOIN written USING (kind, key) LEFT JOIN states USING (kind, key)
ORDER BY batch.ord
"""
# A missing state deletes the events (there is no version to conflict with); a stored one is
# deleted, its events with it, only if its version is the expected one (any, when NULL). The
# final SELECT sees the version from before this statement.
_DELETE = """
WITH state AS (
    DELETE FROM states WHERE kind = %(kind)s AND key = %(key)s
      AND (%(expected)s::bigint IS NULL OR version = %(expected)s::bigint)
    RETURNING 1
), before AS (
    SELECT version FROM states WHERE kind = %(kind)s AND key = %(key)s
), logged AS (
    DELETE FROM events WHERE kind = %(kind)s AND key = %(key)s
      AND (EXISTS (SELECT FROM state) OR NOT EXISTS (SELECT FROM before))
)
SELECT (SELECT version FROM before), EXISTS (SELECT FROM state)
"""
_TRIM_EVENTS = "DELETE FROM events WHERE kind = %s AND key = %s AND seq <= %s::bigint"


class PostgresWriter(SqlWriter):
    backend = "postgresql"
    driver_error = psycopg.Error
    unavailable_error = psycopg.OperationalError
    schema_lock = ("BEGIN", f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_ID})")
    migrations = (
        (
            "CREATE TABLE states (kind text NOT NULL, key text NOT NULL,"
            " version bigint NOT NULL, data text NOT NULL, PRIMARY KEY (kind, key))",
            "CREATE TABLE events (kind text NOT NULL, key text NOT NULL,"
            " seq bigint NOT NULL, data text NOT NULL, PRIMARY KEY (kind, key, seq))",
        ),
    )

    def apply(self, conn: psycopg.Connection[Any], ops: list[Op]) -> list[outcome.Outcome[Any]]:
        saves = _distinct_saves(ops)
        with conn.pipeline():
            conn.execute("BEGIN")
            if saves is not None:
                batch = conn.execute(_SAVE_BATCH, (_batch_parameter(saves),))
            else:
                cursors = [_send(conn, op) for op in ops]
            conn.execute("COMMIT")
        # Leaving the pipeline waited for every result, COMMIT's included, or raised.
        if saves is not None:
            rows = batch.fetchall()
            return [_save_result(save, *row) for save, row in zip(saves, rows, strict=True)]
        return [_result(op, cursor) for op, cursor in zip(ops, cursors, strict=True)]

    def recover(self, conn: psycopg.Connection[Any]) -> None:
        # Start a new session instead of rolling back: when a pipeline aborts, psycopg's cache
        # of prepared statements can list one whose PREPARE the server skipped (psycopg 3.3),
        # and every later use of it would fail. Failed batches are rare; reconnecting is cheap.
        self._connection.drop()


def _distinct_saves(ops: list[Op]) -> list[Save] | None:
    """``ops`` if they are several saves of distinct keys (``_SAVE_BATCH``'s case), else None."""
    if len(ops) < 2 or not all(isinstance(op, Save) for op in ops):
        return None
    saves = cast("list[Save]", ops)
    if len({(save.kind, save.key) for save in saves}) != len(saves):
        return None
    return saves


def _batch_parameter(saves: list[Save]) -> str:
    # The events' data is already JSON text: it travels as a string, like the state's.
    return rows_parameter(
        [[save.kind, save.key, save.data, save.expected_version, save.events] for save in saves]
    )


def _send(conn: psycopg.Connection[Any], op: Op) -> psycopg.Cursor[Any]:
    if isinstance(op, Save):
        return conn.execute(
            _SAVE,
            {
                "kind": op.kind,
                "key": op.key,
                "data": op.data,
                "expected": op.expected_version,
                "events": rows_parameter(op.events),
            },
        )
    if isinstance(op, Delete):
        return conn.execute(
            _DELETE, {"kind": op.kind, "key": op.key, "expected": op.expected_version}
        )
    return conn.execute(_TRIM_EVENTS, (op.kind, op.key, op.upto))


def _result(op: Op, cursor: psycopg.Cursor[Any]) -> outcome.Outcome[Any]:
    if isinstance(op, Delete):
        row = cursor.fetchone()
        assert row is not None  # the delete statement always returns one row
        actual, deleted = row
        if actual is not None and not deleted:
            assert op.expected_version is not None  # only an expected version keeps a state
            return outcome.Error(VersionConflict(op.kind, op.key, op.expected_version, actual))
        return outcome.Value(None)
    if not isinstance(op, Save):
        return outcome.Value(None)
    row = cursor.fetchone()
    assert row is not None  # the save statement always returns one row
    return _save_result(op, *row)


def _save_result(save: Save, written: bool, actual: int | None) -> outcome.Outcome[Any]:
    if not written:
        return outcome.Error(
            VersionConflict(save.kind, save.key, save.expected_version, actual or 0)
        )
    return outcome.Value(save.expected_version + 1)


def _connect(url: str) -> psycopg.Connection[Any]:
    # autocommit: the writer spells out BEGIN and COMMIT (so they ride in the pipeline), and the
    # reader's statements each see the latest commit without holding a transaction open.
    given = psycopg.conninfo.conninfo_to_dict(url)
    defaults = {name: value for name, value in _CONNECT_DEFAULTS.items() if name not in given}
    return psycopg.connect(url, autocommit=True, **defaults)


@contextlib.asynccontextmanager
async def open_postgres_store(url: str, *, group_commit: bool = True) -> AsyncIterator[SqlStore]:
    """Connect to the server at ``url`` (a libpq URL); see ``open_sql_store``."""
    writer = PostgresWriter(lambda: _connect(url))
    reader = SqlReader(lambda: _connect(url), psycopg.Error)
    async with open_sql_store(writer, reader, _QUERIES, group_commit=group_commit) as store:
        yield store
