"""The session's throwaway PostgreSQL server (``engine.store.testing.postgres_server``) as a
fixture, for any test directory that imports it; tests using it skip when no PostgreSQL server
binaries are installed (``.ci/run`` installs them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.store.testing import PostgresServer, find_postgres_bindir, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if find_postgres_bindir() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, postgres): apt-get install postgresql")
    with postgres_server() as server:
        yield server
