"""What the SQL backends share: a writer connection, a reader connection, and the store over them.

Each backend (``_sqlite``, ``_postgres``) subclasses ``SqlWriter`` with how it applies a batch
in one transaction, and gives its read statements as ``Queries``; everything else is here.

Threads: the writer connection is used only by the writer task (``GroupCommitter``), one batch at
a time, each batch in the store's own writer thread (``WriterThread``: never abandoned, a batch
that started always finishes), which also migrates and closes it. The reader connection runs
one read at a time in a worker thread, so reads never wait behind a commit's fsync; rows are
decoded to dicts in that thread too, so a 10,000-record ``load_all`` does not stall the event
loop.

Failures: a driver error in a batch rolls it back and replays it one write per transaction, so
only the faulty write fails (``StoreError``), unless the database itself failed (unreachable,
locked by another process past the busy timeout, full): then the whole batch fails. After a
failed transaction the connection is rolled back or, if that fails (or on PostgreSQL, always),
dropped; the next batch or read connects again.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any, ClassVar, TypeVar

import attrs
import outcome
import trio

from ._errors import StoreClosed, StoreError
from ._group_commit import GroupCommitStore
from ._json import decode
from ._ops import MAX_SEQ, Op, clamp_seq
from ._record import Record
from ._writer_thread import WriterThread

T = TypeVar("T")
Row = tuple[Any, ...]

_SCHEMA_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"


def store_error(message: str, cause: BaseException) -> StoreError:
    """A ``StoreError`` for a driver's exception; each caller gets its own instance."""
    error = StoreError(f"{message}: {cause}")
    error.__cause__ = cause
    return error


class _Connection:
    """A DB-API connection, made on first use and again after it was dropped.

    Connecting raises the driver's own error: the caller translates it.
    """

    def __init__(self, connect: Callable[[], Any], driver_error: type[Exception]) -> None:
        self._connect = connect
        self._driver_error = driver_error
        self._conn: Any = None

    def get(self) -> Any:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(self._driver_error):
                self._conn.close()
            self._conn = None


class SqlWriter(abc.ABC):
    """The writer connection: schema migration, and batches committed in one transaction each.

    Subclasses set the class attributes and implement ``apply``. Used by one thread at a time.
    """

    #: ``Store.backend`` of the stores it writes.
    backend: ClassVar[str]
    #: The driver's base exception.
    driver_error: ClassVar[type[Exception]]
    #: The driver's error for a database that cannot work right now (DB-API OperationalError).
    unavailable_error: ClassVar[type[Exception]]
    #: Statements that begin the migration transaction and keep other processes from migrating.
    schema_lock: ClassVar[tuple[str, ...]]
    #: ``migrations[n]`` takes the schema from version n to n + 1.
    migrations: ClassVar[tuple[tuple[str, ...], ...]]

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connection = _Connection(connect, self.driver_error)

    @abc.abstractmethod
    def apply(self, conn: Any, ops: list[Op]) -> list[outcome.Outcome[Any]]:
        """Begin, apply ``ops`` in order, commit. On a driver error just raise: ``recover`` runs."""

    def migrate(self) -> None:
        """Create or upgrade the schema in one transaction; refuse a newer database."""
        target = len(self.migrations)
        try:
            conn = self._connection.get()
            for statement in self.schema_lock:
                conn.execute(statement)
            conn.execute(_SCHEMA_VERSION_TABLE)
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            current = 0 if row is None else row[0]
            if current > target:
                self.recover(conn)
                raise StoreError(f"the database has schema version {current}, newer than {target}")
            for migration in self.migrations[current:]:
                for statement in migration:
                    conn.execute(statement)
            # Our own integer, formatted in: the two drivers spell parameters differently.
            if row is None:
                conn.execute(f"INSERT INTO schema_version (version) VALUES ({target})")
            else:
                conn.execute(f"UPDATE schema_version SET version = {target}")
            conn.execute("COMMIT")
        except self.driver_error as exc:
            self._connection.drop()
            raise store_error("cannot open the database", exc) from exc

    def commit(self, ops: list[Op]) -> tuple[list[outcome.Outcome[Any]], int]:
        """Commit ``ops`` in one transaction, or else one per transaction; never raises.

        Returns one outcome per operation and the number of transactions committed.
        """
        try:
            return self._transaction(ops), 1
        except self.driver_error as exc:
            cause = exc
        results: list[outcome.Outcome[Any]] = []
        commits = 0
        for op in ops:
            # Replaying isolates one write's own failure (a logged seq). When the database
            # itself failed (unreachable, locked, full) it would fail each write again, slowly.
            if len(ops) > 1 and not isinstance(cause, self.unavailable_error):
                try:
                    results += self._transaction([op])
                    commits += 1
                    continue
                except self.driver_error as exc:
                    cause = exc
            results.append(outcome.Error(store_error("commit failed", cause)))
        return results, commits

    def close(self) -> None:
        self._connection.drop()

    def _transaction(self, ops: list[Op]) -> list[outcome.Outcome[Any]]:
        conn = self._connection.get()
        try:
            return self.apply(conn, ops)
        except self.driver_error:
            self.recover(conn)
            raise

    def recover(self, conn: Any) -> None:
        """Make the connection usable after a failed transaction: roll back, or drop it."""
        try:
            conn.execute("ROLLBACK")
        except self.driver_error:
            # No transaction was open (BEGIN itself failed) or the connection is gone.
            self._connection.drop()


class SqlReader:
    """The reader connection; ``query`` runs one statement and converts its rows."""

    def __init__(self, connect: Callable[[], Any], driver_error: type[Exception]) -> None:
        self._connection = _Connection(connect, driver_error)
        self._driver_error = driver_error
        self._closed = False

    def query(self, sql: str, params: tuple[Any, ...], convert: Callable[[list[Row]], T]) -> T:
        if self._closed:
            raise StoreClosed("the store is closed")
        try:
            rows = self._connection.get().execute(sql, params).fetchall()
        except self._driver_error as exc:
            self._connection.drop()
            raise store_error("read failed", exc) from exc
        return convert(rows)

    def close(self) -> None:
        self._closed = True
        self._connection.drop()


@attrs.frozen
class Queries:
    """A backend's read statements, in its own parameter style."""

    load: str  #: (kind, key) -> version, data
    load_all: str  #: (kind,) -> key, version, data; ordered by key
    keys: str  #: (kind,) -> key; ordered by key
    read_events: str  #: (kind, key, after, upto) -> seq, data; after < seq <= upto, by seq


class SqlStore(GroupCommitStore):
    # Batches commit in a worker thread, while the event loop is free.
    commits_off_loop = True

    def __init__(
        self,
        writer: SqlWriter,
        thread: WriterThread,
        reader: SqlReader,
        queries: Queries,
        *,
        group_commit: bool,
    ) -> None:
        super().__init__(group_commit=group_commit)
        self.backend = writer.backend
        self._sql_writer = writer
        self._thread = thread
        self._reader = reader
        self._queries = queries
        self._read_limiter = trio.CapacityLimiter(1)

    async def load(self, kind: str, key: str) -> Record | None:
        return await self._read(self._queries.load, (kind, key), _first_record)

    async def load_all(self, kind: str) -> list[tuple[str, Record]]:
        return await self._read(self._queries.load_all, (kind,), _keyed_records)

    async def keys(self, kind: str) -> list[str]:
        return await self._read(self._queries.keys, (kind,), _first_column)

    async def read_events(
        self, kind: str, key: str, after: int, upto: int | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        bounds = (clamp_seq(after), MAX_SEQ if upto is None else clamp_seq(upto))
        return await self._read(self._queries.read_events, (kind, key, *bounds), _events)

    async def _commit(self, ops: list[Op]) -> tuple[list[outcome.Outcome[Any]], int]:
        return await self._thread.run(partial(self._sql_writer.commit, ops))

    async def _read(
        self, sql: str, params: tuple[Any, ...], convert: Callable[[list[Row]], T]
    ) -> T:
        self._check_open()
        return await trio.to_thread.run_sync(
            self._reader.query, sql, params, convert, limiter=self._read_limiter
        )


@contextlib.asynccontextmanager
async def open_sql_store(
    writer: SqlWriter, reader: SqlReader, queries: Queries, *, group_commit: bool
) -> AsyncIterator[SqlStore]:
    """Migrate the schema, run the store for the block, then flush and close both connections.

    Raises ``StoreError`` if the database cannot be opened or its schema is newer than ours.
    """
    thread = WriterThread(f"party-engine {writer.backend} writer")
    store = SqlStore(writer, thread, reader, queries, group_commit=group_commit)
    try:
        await thread.run(writer.migrate)
        async with store._running():
            yield store
    finally:
        # Closing must happen even when cancelled, and is short: it waits only for a read under
        # way to finish and for the connections to close.
        with trio.CancelScope(shield=True):
            try:
                await trio.to_thread.run_sync(reader.close, limiter=store._read_limiter)
                await thread.run(writer.close)
            finally:
                thread.stop()


def _first_record(rows: list[Row]) -> Record | None:
    return Record(rows[0][0], decode(rows[0][1])) if rows else None


def _keyed_records(rows: list[Row]) -> list[tuple[str, Record]]:
    return [(key, Record(version, decode(data))) for key, version, data in rows]


def _first_column(rows: list[Row]) -> list[str]:
    return [row[0] for row in rows]


def _events(rows: list[Row]) -> list[tuple[int, dict[str, Any]]]:
    return [(seq, decode(data)) for seq, data in rows]
