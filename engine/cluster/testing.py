"""A throwaway Redis server for tests, benchmarks and embedders.

::

    with redis_server() as server:
        async with open_cluster(server.url, ...) as node:
            ...

``redis_server`` starts ``redis-server`` on a free loopback port with no persistence (no RDB
snapshot, no append-only file) in a new temporary directory, and stops it and deletes the
directory on exit. It needs Debian's ``redis-server`` (``apt-get install redis-server``);
``find_redis_server()`` returns None when it is missing, so a test suite can skip.

Like the throwaway PostgreSQL server it is started through util-linux's ``setpriv`` so that it
dies with the calling thread: a test run killed before its cleanup leaves no server behind.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs

__all__ = ["RedisServer", "find_redis_server", "redis_server"]

_START_ATTEMPTS = 3  # a free port found by bind(0) can be taken by someone else before we use it
_START_TIMEOUT_S = 30.0
# The server logs this once it accepts connections.
_READY = "Ready to accept connections"


def find_redis_server() -> str | None:
    """The path of ``redis-server``, or None if it is not installed."""
    return shutil.which("redis-server")


@attrs.frozen
class RedisServer:
    """A running throwaway server at ``url`` (``redis://127.0.0.1:PORT``)."""

    host: str
    port: int
    pid: int
    directory: Path  #: its working directory and ``server.log``; deleted when it stops

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}"


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Run a throwaway Redis server for the duration of the ``with`` block.

    Raises ``RuntimeError`` if ``redis-server`` or ``setpriv`` is missing, or if the server has
    not started within 30 s; the message includes the server's log.
    """
    binary = find_redis_server()
    setpriv = shutil.which("setpriv")
    if binary is None or setpriv is None:
        raise RuntimeError("a throwaway Redis needs redis-server and setpriv (util-linux)")
    base = Path(tempfile.mkdtemp(prefix="party-engine-redis-"))
    try:
        for _ in range(_START_ATTEMPTS):
            port = _free_loopback_port()
            log_path = base / "server.log"
            command = [
                *(setpriv, "--pdeathsig", "SIGKILL", "--", binary),
                *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(base)),
                *("--save", "", "--appendonly", "no", "--logfile", str(log_path)),
            ]
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, cwd="/")
            if _wait_ready(process, log_path):
                break
        else:
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
            raise RuntimeError(f"redis-server did not start:\n{log}")
        try:
            yield RedisServer("127.0.0.1", port, process.pid, base)
        finally:
            process.terminate()
            try:
                process.wait(timeout=_START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> bool:
    """Whether the server came up; a server that exited (its port was taken) is reaped."""
    for _ in range(int(_START_TIMEOUT_S / 0.02)):
        if process.poll() is not None:
            return False
        if log_path.exists() and _READY in log_path.read_text(errors="replace"):
            return True
        # Polling a log file from a synchronous context manager: there is no event to wait on.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.02)
    process.kill()
    process.wait()
    return False


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
