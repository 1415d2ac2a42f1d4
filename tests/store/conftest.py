"""Store fixtures: every behaviour test runs on memory, SQLite and a real PostgreSQL server.

The PostgreSQL server is started once per session by ``engine.store.testing.postgres_server``
(initdb into a temporary directory, then postgres on a free loopback port, through ``setpriv``
so that it dies with the test run, as ``nobody`` when run as root); each test gets its own fresh
database. Tests that need it skip only when no PostgreSQL server binaries are installed.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from postgres import postgres as postgres

from engine.store.testing import PostgresServer

BACKENDS = ["memory", "sqlite", "postgresql"]
DURABLE_BACKENDS = ["sqlite", "postgresql"]


def _url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "memory":
        yield "memory://"
    elif backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        with server.database() as url:
            yield url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL on each backend."""
    yield from _url(request, request.param, tmp_path)


@pytest.fixture(params=DURABLE_BACKENDS)
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL on each backend that outlives the process."""
    yield from _url(request, request.param, tmp_path)


@pytest.fixture
def run_sql() -> Callable[[str, str], list[tuple[Any, ...]]]:
    """``run_sql(url, statement)`` on a durable store's database, behind the store's back."""
    return _run_sql


def _run_sql(url: str, sql: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            rows = conn.execute(sql).fetchall()
            conn.commit()
            return rows
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []
