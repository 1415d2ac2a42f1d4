"""A throwaway PostgreSQL server for tests, benchmarks and embedders.

::

    with postgres_server() as server:
        with server.database() as url:            # a fresh, empty database
            async with open_store(url) as store:
                ...

``postgres_server`` runs ``initdb`` into a new temporary directory and starts ``postgres`` on a
free loopback port (127.0.0.1 only, trust authentication, user ``postgres``); on exit it stops
the server and deletes the directory. It needs the server binaries: ``initdb`` and ``postgres``
on ``PATH`` or in Debian's ``/usr/lib/postgresql/<version>/bin`` (``apt-get install
postgresql``); ``find_postgres_bindir()`` returns None when there are none, so a test suite can
skip.

The server is a child of the calling thread, started through util-linux's ``setpriv`` so that
it dies with that thread: a test run killed before its cleanup (``kill -9``, a timeout) leaves no
server behind, only its directory under the system temporary directory. PostgreSQL refuses to
run as root, so when the caller is root the server runs as ``nobody``.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import attrs
import psycopg

_DEBIAN_BINDIRS = Path("/usr/lib/postgresql")
_UNPRIVILEGED_USER = "nobody"
_START_ATTEMPTS = 3  # a free port found by bind(0) can be taken by someone else before we use it
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 30.0
_INITDB_OPTIONS = (
    "--username=postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",  # also keeps the server's log in English, for _READY
    "--no-sync",
    "--no-instructions",
)
# The server logs this once it accepts connections.
_READY = "database system is ready to accept connections"


def find_postgres_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``postgres``, newest version first; None if absent."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).parent] if on_path else []
    if _DEBIAN_BINDIRS.is_dir():
        versions = sorted(
            (d for d in _DEBIAN_BINDIRS.iterdir() if re.fullmatch(r"\d+(\.\d+)?", d.name)),
            key=lambda d: tuple(int(part) for part in d.name.split(".")),
            reverse=True,
        )
        candidates += [d / "bin" for d in versions]
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    return None


@attrs.frozen
class PostgresServer:
    """A running throwaway server; ``url`` reaches its ``postgres`` database as superuser."""

    host: str
    port: int
    pid: int  #: the server's (postmaster's) process id
    directory: Path  #: holds its data and ``server.log``; deleted when the server stops
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

    Raises ``RuntimeError`` if the binaries or ``setpriv`` are missing, or if the server does
    not start within a minute; the message includes the server's log.
    """
    bindir = find_postgres_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, postgres) found")
    launcher = _launcher()
    base = Path(tempfile.mkdtemp(prefix="party-engine-pg-"))
    try:
        if os.geteuid() == 0:
            account = pwd.getpwnam(_UNPRIVILEGED_USER)
            os.chown(base, account.pw_uid, account.pw_gid)
        data = base / "data"
        initdb = subprocess.run(
            [*launcher, str(bindir / "initdb"), "-D", str(data), *_INITDB_OPTIONS],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd="/",
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}")
        with _running_server(launcher, bindir, base, fsync) as server:
            yield server
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def _running_server(
    launcher: list[str], bindir: Path, base: Path, fsync: bool
) -> Iterator[PostgresServer]:
    with (base / "server.log").open("w") as log:
        for _ in range(_START_ATTEMPTS):
            port = _free_loopback_port()
            settings = {
                "port": port,
                "listen_addresses": "127.0.0.1",
                "unix_socket_directories": base,
                "fsync": "on" if fsync else "off",
            }
            options = [arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")]
            process = subprocess.Popen(
                [*launcher, str(bindir / "postgres"), "-D", str(base / "data"), *options],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                cwd="/",
            )
            if _copy_log_until_ready(process, log):
                break
        else:
            log.flush()
            raise RuntimeError(f"PostgreSQL did not start:\n{(base / 'server.log').read_text()}")
        # Keep copying, so that the server never blocks on a full pipe.
        copier = threading.Thread(
            target=shutil.copyfileobj, args=(process.stderr, log), daemon=True
        )
        copier.start()
        try:
            yield PostgresServer(host="127.0.0.1", port=port, pid=process.pid, directory=base)
        finally:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: disconnect everyone, stop
            try:
                process.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            copier.join(_STOP_TIMEOUT_S)


def _copy_log_until_ready(process: subprocess.Popen[str], log: IO[str]) -> bool:
    """Copy the server's log until it is ready (True) or has exited (False)."""
    assert process.stderr is not None
    watchdog = threading.Timer(_START_TIMEOUT_S, process.kill)
    watchdog.start()
    try:
        for line in process.stderr:
            log.write(line)
            if _READY in line:
                return True
    finally:
        watchdog.cancel()
    process.wait()
    return False


def _launcher() -> list[str]:
    """The ``setpriv`` prefix: die with the calling thread, and as root, become ``nobody``."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("setpriv (util-linux) is needed to run a throwaway PostgreSQL server")
    command = [setpriv, "--pdeathsig", "SIGQUIT"]  # SIGQUIT: the server's immediate shutdown
    if os.geteuid() == 0:
        group = grp.getgrgid(pwd.getpwnam(_UNPRIVILEGED_USER).pw_gid).gr_name
        command += ["--reuid", _UNPRIVILEGED_USER, "--regid", group, "--clear-groups"]
    return [*command, "--"]


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
