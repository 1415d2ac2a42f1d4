"""A throwaway PostgreSQL server for tests, benchmarks and embedders.

::

    with postgres_server() as server:
        with server.database() as url:            # a fresh, empty database
            async with open_store(url) as store:
                ...

``postgres_server`` runs ``initdb`` into a new temporary directory and ``pg_ctl start`` on a free
loopback port (127.0.0.1 only, trust authentication, user ``postgres``), and on exit stops the
server (``pg_ctl stop -m immediate``) and deletes the directory. It needs the server binaries:
``initdb`` and ``pg_ctl`` on ``PATH`` or in Debian's ``/usr/lib/postgresql/<version>/bin``
(``apt-get install postgresql``); ``find_postgres_bindir()`` returns None when there are none,
so a test suite can skip.

PostgreSQL refuses to run as root, so when the caller is root the server runs as ``nobody``: the
directory is made under the system temporary directory and handed to that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import attrs
import psycopg

_DEBIAN_BINDIRS = Path("/usr/lib/postgresql")
_UNPRIVILEGED_USER = "nobody"
_START_ATTEMPTS = 3  # a free port found by bind(0) can be taken by someone else before we use it


def find_postgres_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, newest version first; None if absent."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).parent] if on_path else []
    if _DEBIAN_BINDIRS.is_dir():
        versions = sorted(
            (d for d in _DEBIAN_BINDIRS.iterdir() if re.fullmatch(r"\d+(\.\d+)?", d.name)),
            key=lambda d: tuple(int(part) for part in d.name.split(".")),
            reverse=True,
        )
        candidates += [d / "bin" for d in versions]
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


@attrs.frozen
class PostgresServer:
    """A running throwaway server; ``url`` reaches its ``postgres`` database as superuser."""

    host: str
    port: int
    user: str = "postgres"

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{name}"

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """Create an empty database with a unique name, yield its URL, then drop it.

        Dropping closes any connection still open to it.
        """
        name = f"test_{uuid.uuid4().hex}"
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.database_url(name)
        finally:
            with psycopg.connect(self.url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def postgres_server(*, fsync: bool = False) -> Iterator[PostgresServer]:
    """Run a throwaway PostgreSQL server for the duration of the ``with`` block.

    ``fsync=False`` (the default, for tests) lets the server skip flushing to disk: it is much
    faster and loses data only on an OS crash, which a throwaway server does not care about.
    Benchmarks of durable commits pass ``fsync=True``.

    Raises ``RuntimeError`` if the binaries are missing or the server does not start; the
    message includes the server's log.
    """
    bindir = find_postgres_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found")
    run_as = _UNPRIVILEGED_USER if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="party-engine-pg-"))
    try:
        if run_as is not None:
            account = pwd.getpwnam(run_as)
            os.chown(base, account.pw_uid, account.pw_gid)
        data = base / "data"
        _run(run_as, [
            bindir / "initdb", "-D", data, "--username=postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
        ])  # fmt: skip
        port = _start(run_as, bindir, base, data, fsync)
        try:
            yield PostgresServer(host="127.0.0.1", port=port)
        finally:
            _run(run_as, [bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _start(run_as: str | None, bindir: Path, base: Path, data: Path, fsync: bool) -> int:
    log = base / "server.log"
    for _ in range(_START_ATTEMPTS):
        port = _free_loopback_port()
        options = (
            f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{base}'"
            f" -c fsync={'on' if fsync else 'off'}"
        )
        started = _run(
            run_as,
            [bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start"],
            check=False,
        )
        if started.returncode == 0:
            return port
    server_log = log.read_text(errors="replace") if log.exists() else ""
    raise RuntimeError(f"PostgreSQL did not start:\n{started.stdout}\n{server_log}")


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(
    run_as: str | None, argv: list[object], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    # user= switches identity in the child only; extra_groups=[] drops root's supplementary groups.
    identity = {"user": run_as, "group": pwd.getpwnam(run_as).pw_gid, "extra_groups": []} if run_as else {}
    result = subprocess.run(
        [str(arg) for arg in argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd="/",
        **identity,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({result.returncode}):\n{result.stdout}")
    return result
