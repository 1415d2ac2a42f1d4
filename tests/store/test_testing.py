"""engine.store.testing: the throwaway PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import signal
import sys

import psycopg
import pytest
import trio

from engine.store.testing import PostgresServer

_KILLED_MID_TEST = """
import os, signal
from engine.store.testing import postgres_server

with postgres_server() as server:
    print(server.pid, server.directory, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


async def test_databases_are_fresh_and_dropped(postgres: PostgresServer) -> None:
    with postgres.database() as first, postgres.database() as second:
        assert first != second
        with psycopg.connect(first, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (x int)")
        with psycopg.connect(second, autocommit=True) as conn:
            assert conn.execute(
                "SELECT count(*) FROM pg_tables WHERE tablename = 't'"
            ).fetchone() == (0,)
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        names = [first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]]
        found = conn.execute("SELECT count(*) FROM pg_database WHERE datname = ANY(%s)", (names,))
        assert found.fetchone() == (0,)


@pytest.mark.usefixtures("postgres")  # skips without PostgreSQL binaries
async def test_the_server_dies_with_the_process_that_started_it() -> None:
    """A test run killed before its cleanup leaves no server running."""
    killed = await trio.run_process(
        [sys.executable, "-c", _KILLED_MID_TEST], capture_stdout=True, check=False
    )
    assert killed.returncode == -signal.SIGKILL
    pid, directory = killed.stdout.decode().split()
    try:
        server = os.pidfd_open(int(pid))
    except ProcessLookupError:
        pass  # already gone
    else:
        try:
            with trio.fail_after(30):
                await trio.lowlevel.wait_readable(server)  # readable once the process has exited
        finally:
            os.close(server)
    finally:
        shutil.rmtree(directory)
