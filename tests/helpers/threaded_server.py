"""Serve apps from a background thread, for clients that are not on the test's Trio loop.

Schemathesis calls a server synchronously (``requests``), and Hypothesis runs each example of an
async test in a fresh ``trio.run`` (pytest-trio): neither can share the loop the engine runs
on. Here the engine runs on its own loop in a thread, for as long as the block lasts, so one
server keeps its state across every example, as a real one would across clients.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TypeVar

import attrs
import trio
from serving import serve_apps
from supervision import crashes

from engine.web import AppSpec, Engine

T = TypeVar("T")

#: Seconds the server may take to start or to stop before the test fails.
_WITHIN = 30.0


@attrs.frozen
class ThreadedServer:
    """A served engine on another thread's Trio loop; `call` runs code on that loop."""

    engine: Engine
    port: int
    token: trio.lowlevel.TrioToken

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, function: Callable[[], T]) -> T:
        """``function()`` run on the server's loop (the engine's state is that loop's alone)."""
        return trio.from_thread.run_sync(function, trio_token=self.token)

    def crashes(self) -> int:
        """Every crash the engine recovered from so far (`supervision.crashes`)."""
        return self.call(lambda: crashes(self.engine))


@contextmanager
def serve_in_thread(
    apps: Sequence[AppSpec], *, environ: Mapping[str, str] | None = None
) -> Iterator[ThreadedServer]:
    """Serve ``apps`` (each under its prefix, as ``party-engine serve`` does) on a loopback
    port from a new thread, on a memory store; stop the engine and join the thread on exit.

    Raises whatever the server's loop raised, when it fails to start or fails while serving.
    """
    started: list[ThreadedServer] = []
    failed: list[BaseException] = []
    ready = threading.Event()
    stop: list[Callable[[], None]] = []

    async def run() -> None:
        async with serve_apps(apps, environ=environ, prefixed=True) as served:
            stopping = trio.Event()
            stop.append(stopping.set)
            started.append(
                ThreadedServer(served.engine, served.port, trio.lowlevel.current_trio_token())
            )
            ready.set()
            await stopping.wait()

    def main() -> None:
        try:
            trio.run(run)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread, which raises it
            failed.append(exc)
        finally:
            ready.set()

    thread = threading.Thread(target=main, name="fuzz-server", daemon=True)
    thread.start()
    ready.wait(_WITHIN)
    try:
        if not started:
            raise RuntimeError("the server did not start") from (failed[0] if failed else None)
        server = started[0]
        yield server
    finally:
        if stop:
            trio.from_thread.run_sync(stop[0], trio_token=started[0].token)
        thread.join(_WITHIN)
    if failed:
        raise failed[0]
