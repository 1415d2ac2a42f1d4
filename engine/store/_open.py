"""``open_store``: a store for a URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from ._memory import open_memory_store
from ._sqlite import open_sqlite_store
from ._store import Store


@contextlib.asynccontextmanager
async def open_store(url: str, *, group_commit: bool = True) -> AsyncIterator[Store]:
    """Open the store at ``url`` for the duration of the ``async with`` block.

    URLs:

    - ``memory://``: dicts in this process, empty at open, gone at close (tests).
    - ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``: a SQLite file, created
      if missing (its directory must exist).
    - ``postgresql://user:password@host:port/database`` (or ``postgres://``, or any libpq URL).

    The schema is created, or migrated, on open. ``group_commit=False`` commits each write in
    its own transaction: the baseline that benchmarks compare group commit against.

    Resource handling: the store owns a writer task (and, for SQL, its connections and worker
    threads). When the block exits normally or with an exception, the store stops taking writes
    (``StoreClosed``), commits every write already queued, then closes; the block's exception
    propagates as itself. When the block is cancelled, a commit under way still completes, and
    writes still queued fail with ``StoreClosed`` without being committed. Reads raise
    ``StoreClosed`` after the block.

    Raises ``ValueError`` for an unknown scheme or a malformed URL, and ``StoreError`` if the
    database cannot be opened or its schema is newer than this code knows.
    """
    opened: contextlib.AbstractAsyncContextManager[Store]
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ValueError(f"not a store URL: {url!r}")
    if scheme == "memory":
        if rest:
            raise ValueError(f"memory:// takes nothing after the scheme: {url!r}")
        opened = open_memory_store(group_commit=group_commit)
    elif scheme == "sqlite":
        opened = open_sqlite_store(_sqlite_path(url, rest), group_commit=group_commit)
    elif scheme in ("postgresql", "postgres"):
        # Imported here so that only deployments that ask for PostgreSQL load libpq.
        from ._postgres import open_postgres_store

        opened = open_postgres_store(url, group_commit=group_commit)
    else:
        raise ValueError(f"unknown store scheme {scheme!r} in {url!r}")
    async with opened as store:
        yield store


def _sqlite_path(url: str, rest: str) -> Path:
    # As in SQLAlchemy: "sqlite:///x.db" is relative, "sqlite:////x.db" absolute; no host part.
    if not rest.startswith("/") or rest == "/":
        raise ValueError(f"a SQLite URL is sqlite:///path (three slashes), not {url!r}")
    return Path(rest[1:])
