"""``party-engine serve`` as a real process, for the tests that kill or restart it."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import trio


async def start_serving(
    app: str, store: str, environ: Mapping[str, str]
) -> tuple[trio.Process, int]:
    """Start ``python -m engine serve --app APP`` on a free loopback port with ``environ`` added
    to this process's environment; the process and its port once it says it is serving.

    Raises ``trio.TooSlowError`` if it has not said so within 30 s, and AssertionError if it
    exits first. The caller kills or stops the process.
    """
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "engine", "serve", "--app", app, "--port", "0", "--store", store],
        stdout=-1,  # subprocess.PIPE
        env={**os.environ, "PARTY_ENGINE_LOG": "WARNING", **environ},
    )
    assert process.stdout is not None
    line = b""
    with trio.fail_after(30):
        while not line.endswith(b"\n"):
            chunk = await process.stdout.receive_some(256)
            assert chunk, f"the {app} server exited before it was ready"
            line += chunk
    return process, int(line.decode().rsplit(":", 1)[1])
