"""What the SQL backends add: a schema made on first use, data that outlives the store, and
several stores (engines) sharing one database."""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import outcome
import psycopg
import pytest
import trio

from engine.store import Record, StoreError, VersionConflict, _postgres, open_store
from engine.store._checkpoints import BACKSTOP_PAGES, EVERY
from engine.store._json import rows_parameter
from engine.store._ops import Op, make_save
from engine.store._postgres import PostgresWriter
from engine.store._sql import SqlWriter
from engine.store._sqlite import SqliteWriter


def schema_version(url: str) -> int:
    """The schema version this engine brings a database of ``url``'s backend to."""
    writer = SqliteWriter if url.startswith("sqlite:") else PostgresWriter
    return len(writer.migrations)


async def test_schema_is_created_on_first_use(durable_url: str, run_sql) -> None:
    async with open_store(durable_url):
        pass
    assert run_sql(durable_url, "SELECT version FROM schema_version") == [
        (schema_version(durable_url),)
    ]
    assert run_sql(durable_url, "SELECT count(*) FROM states") == [(0,)]
    assert run_sql(durable_url, "SELECT count(*) FROM events") == [(0,)]


async def test_reopening_keeps_states_and_events(durable_url: str, run_sql) -> None:
    async with open_store(durable_url) as store:
        await store.save(
            "party", "p1", {"phase": "lobby"}, expected_version=0, events=[(1, {"e": 1})]
        )
        await store.save(
            "party", "p1", {"phase": "vote"}, expected_version=1, events=[(2, {"e": 2})]
        )
    async with open_store(durable_url) as store:
        assert await store.load("party", "p1") == Record(2, {"phase": "vote"})
        assert await store.read_events("party", "p1", 0) == [(1, {"e": 1}), (2, {"e": 2})]
        assert await store.save("party", "p1", {}, expected_version=2) == 3
    assert run_sql(durable_url, "SELECT version FROM schema_version") == [
        (schema_version(durable_url),)
    ]


async def test_a_newer_schema_is_refused(durable_url: str, run_sql) -> None:
    async with open_store(durable_url):
        pass
    run_sql(durable_url, "UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="schema version 99"):
        async with open_store(durable_url):
            pass


async def test_stores_sharing_a_database_migrate_once_and_conflict(
    durable_url: str, run_sql
) -> None:
    async def writer(n: int, results: list[object]) -> None:
        async with open_store(durable_url) as store:
            try:
                results.append(await store.save("party", "p1", {"n": n}, expected_version=0))
            except VersionConflict as exc:
                results.append(exc)

    results: list[object] = []
    async with trio.open_nursery() as nursery:
        for n in range(3):
            nursery.start_soon(writer, n, results)
    assert results.count(1) == 1
    assert sum(isinstance(result, VersionConflict) for result in results) == 2
    assert run_sql(durable_url, "SELECT count(*) FROM schema_version") == [(1,)]


async def test_sqlite_keeps_events_in_a_rowid_table_and_migrates_an_older_file(
    tmp_path: Path, run_sql
) -> None:
    # A file of schema version 1, events in a WITHOUT ROWID table (as before migration 2).
    url = f"sqlite:///{tmp_path / 'old.db'}"
    for statement in (
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        "INSERT INTO schema_version (version) VALUES (1)",
        *SqliteWriter.migrations[0],
        """INSERT INTO states VALUES ('party', 'p1', 2, '{"phase":"vote"}')""",
        """INSERT INTO events VALUES ('party', 'p1', 1, '{"e":1}')""",
        """INSERT INTO events VALUES ('party', 'p1', 2, '{"e":2}')""",
    ):
        run_sql(url, statement)
    async with open_store(url) as store:
        assert await store.read_events("party", "p1", 0) == [(1, {"e": 1}), (2, {"e": 2})]
        big = {"text": "x" * 3000}  # more than a WITHOUT ROWID leaf keeps: no overflow page now
        assert await store.save("party", "p1", {}, expected_version=2, events=[(3, big)]) == 3
        assert await store.read_events("party", "p1", 2) == [(3, big)]
    assert run_sql(url, "SELECT version FROM schema_version") == [(2,)]
    [(sql,)] = run_sql(url, "SELECT sql FROM sqlite_schema WHERE name = 'events'")
    assert "WITHOUT ROWID" not in sql and "PRIMARY KEY (kind, key, seq)" in sql
    assert run_sql(url, "SELECT count(*) FROM dbstat WHERE pagetype = 'overflow'") == [(0,)]


async def test_sqlite_uses_wal(tmp_path, run_sql) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    async with open_store(url) as store:
        await store.save("party", "p1", {}, expected_version=0)
    assert run_sql(url, "PRAGMA journal_mode") == [("wal",)]


async def test_postgres_reconnects_after_losing_its_connections(postgres) -> None:
    with postgres.database() as url:
        async with open_store(url) as store:
            await store.save("party", "p1", {}, expected_version=0)
            assert await store.load("party", "p1") == Record(1, {})
            terminate = functools.partial(_terminate_store_connections, url)
            await trio.to_thread.run_sync(terminate)
            # The operation that finds the connection dead fails; the next one reconnects.
            with pytest.raises(StoreError):
                await store.save("party", "p1", {}, expected_version=1)
            assert await store.save("party", "p1", {"again": True}, expected_version=1) == 2
            with pytest.raises(StoreError):
                await store.load("party", "p1")
            assert await store.load("party", "p1") == Record(2, {"again": True})


def _terminate_store_connections(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'party-engine' AND datname = current_database()"
        )


@pytest.fixture
def sql_writer(durable_url: str) -> Iterator[SqlWriter]:
    if durable_url.startswith("sqlite"):
        path = Path(durable_url.removeprefix("sqlite:///"))
        writer: SqlWriter = SqliteWriter(path)
    else:
        writer = PostgresWriter(lambda: _postgres._connect(durable_url))
    writer.migrate()
    yield writer
    writer.close()


def test_a_failed_batch_is_replayed_write_by_write(sql_writer: SqlWriter) -> None:
    """Batches that start with a failing write, over and over: only that write ever fails.

    (Once psycopg's statement cache went wrong after an aborted pipeline, this failed on
    PostgreSQL with "prepared statement ... does not exist" for the good writes.)
    """
    assert sql_writer.commit([make_save("party", "bad", {}, 0, [(1, {})])]) == (
        [outcome.Value(1)],
        1,
    )
    versions = dict.fromkeys(range(5), 0)
    for _ in range(10):
        bad = make_save("party", "bad", {}, 1, [(1, {})])
        good = [
            make_save("party", str(n), {}, version, [(version + 1, {})])
            for n, version in versions.items()
        ]
        results, commits = sql_writer.commit([bad, *good])
        assert isinstance(results[0], outcome.Error) and isinstance(results[0].error, StoreError)
        versions = {n: result.unwrap() for n, result in enumerate(results[1:])}
        assert commits == 5
    assert versions == dict.fromkeys(range(5), 10)


def test_a_batch_of_saves_reports_each_outcome(
    sql_writer: SqlWriter, durable_url: str, run_sql
) -> None:
    """One batch of saves of distinct keys (PostgreSQL commits it as one statement): each save
    gets its own outcome, and only the saves written log their events."""
    assert sql_writer.commit(
        [make_save("party", key, {"v": 1}, 0, [(1, {})]) for key in ("a", "b", "c")]
    ) == ([outcome.Value(1)] * 3, 1)
    results, commits = sql_writer.commit(
        [
            make_save("party", "a", {"v": 2}, 1, [(2, {"a": 2})]),
            make_save("party", "b", {"v": 9}, 5, [(2, {"b": 2})]),  # stale: b is at 1
            make_save("party", "c", {"v": 9}, 0, []),  # a creation of an existing key
            make_save("party", "d", {"v": 1}, 0, [(1, {"d": 1}), (2, {"d": 2})]),
            make_save("party", "e", {"v": 9}, 3, []),  # an update of a missing key
        ]
    )
    assert commits == 1
    assert results[0] == outcome.Value(2) and results[3] == outcome.Value(1)
    conflicts = [
        result.error
        for result in results
        if isinstance(result, outcome.Error) and isinstance(result.error, VersionConflict)
    ]
    assert [(c.key, c.expected_version, c.actual_version) for c in conflicts] == [
        ("b", 5, 1),
        ("c", 0, 1),
        ("e", 3, 0),
    ]
    states = run_sql(durable_url, "SELECT key, version FROM states ORDER BY key")
    assert states == [("a", 2), ("b", 1), ("c", 1), ("d", 1)]
    events = run_sql(durable_url, "SELECT key, seq FROM events ORDER BY key, seq")
    assert events == [("a", 1), ("a", 2), ("b", 1), ("c", 1), ("d", 1), ("d", 2)]


def test_saves_of_one_key_in_one_batch_apply_in_order(sql_writer: SqlWriter) -> None:
    results, commits = sql_writer.commit(
        [
            make_save("party", "a", {"v": 1}, 0, [(1, {})]),
            make_save("party", "a", {"v": 2}, 1, [(2, {})]),
            make_save("party", "a", {"v": 2}, 1, [(2, {})]),
        ]
    )
    assert commits == 1
    assert results[:2] == [outcome.Value(1), outcome.Value(2)]
    assert isinstance(results[2], outcome.Error)
    assert isinstance(results[2].error, VersionConflict) and results[2].error.actual_version == 2


@pytest.mark.parametrize(
    "value",
    [
        [["party", "é 😀 \x00", '{"s":"é"}', 2**63 - 2, ((-(2**63), "{}"), (1, '{"a":[1]}'))]],
        [["party", "\ud800", "{}", 0, ()]],  # rapidjson refuses it: json writes it
    ],
)
def test_json_parameters_read_as_jsons_would(value: list[object]) -> None:
    assert json.loads(rows_parameter(value)) == json.loads(json.dumps(value))


async def test_the_writer_thread_ends_with_the_store(durable_url: str) -> None:
    before = set(threading.enumerate())
    async with open_store(durable_url) as store:
        await store.save("party", "p1", {}, expected_version=0)
        (writer,) = [
            thread
            for thread in set(threading.enumerate()) - before
            if thread.name.endswith(f"{store.backend} writer")
        ]
    await trio.to_thread.run_sync(writer.join, 10)
    assert not writer.is_alive()


def test_sqlite_writes_a_batch_of_saves_in_a_few_statements(tmp_path: Path) -> None:
    """Statement by statement, the writer thread waited for the GIL after each one (three or
    four per save); a batch of saves of distinct keys is three statements however many."""
    writer = SqliteWriter(tmp_path / "x.db")
    writer.migrate()
    statements: list[str] = []
    writer._connection.get().set_trace_callback(statements.append)
    try:
        saves: list[Op] = [
            make_save("party", str(n), {"v": 1}, 0, [(1, {"n": n})]) for n in range(50)
        ]
        assert writer.commit(saves) == ([outcome.Value(1)] * 50, 1)
        updates: list[Op] = [
            make_save("party", str(n), {"v": 2}, 1, [(2, {"é": "\x00"}), (3, {})])
            for n in range(50)
        ]
        statements.clear()
        assert writer.commit(updates) == ([outcome.Value(2)] * 50, 1)
        assert len(statements) <= 6, statements
    finally:
        writer.close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("SELECT count(*), min(version) FROM states").fetchone() == (50, 2)
        events = conn.execute("SELECT seq, data FROM events WHERE key = '7' ORDER BY seq")
        assert [(seq, json.loads(data)) for seq, data in events] == [
            (1, {"n": 7}),
            (2, {"é": "\x00"}),
            (3, {}),
        ]


def test_sqlite_checkpoints_in_a_thread_of_its_own(tmp_path: Path) -> None:
    """The writer's commits leave the log to the checkpointer's thread, which copies it into
    the database every EVERY commits (the writer's own checkpoint waits for 40 MB of log)."""
    path = tmp_path / "x.db"
    writer = SqliteWriter(path)
    writer.migrate()
    try:
        pragma = writer._connection.get().execute("PRAGMA wal_autocheckpoint")
        assert pragma.fetchone() == (BACKSTOP_PAGES,)
        data = {"blob": "x" * 20_000}
        for n in range(2 * EVERY):
            assert writer.commit([make_save("party", str(n), data, 0, [])]) == (
                [outcome.Value(1)],
                1,
            )
        deadline = time.monotonic() + 10
        while path.stat().st_size < EVERY * 20_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert path.stat().st_size >= EVERY * 20_000
        assert writer._checkpointer.checkpoints >= 1
    finally:
        writer.close()
    assert not writer._checkpointer._thread.is_alive()
