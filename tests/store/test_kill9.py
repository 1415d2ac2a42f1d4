"""SIGKILL mid-burst: every update acknowledged before the kill is there after a restart."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import trio

SERVER = Path(__file__).parents[1] / "helpers" / "persistent_tally.py"
BURST = 2000
KILL_AFTER = 300


async def start_server(url: str) -> tuple[trio.Process, int]:
    process = await trio.lowlevel.open_process(
        [sys.executable, str(SERVER), url],
        stdout=-1,  # subprocess.PIPE
    )
    line = b""
    assert process.stdout is not None
    while not line.endswith(b"\n"):
        line += await process.stdout.receive_some(64)
    return process, int(line)


async def test_kill_9_loses_nothing_acknowledged(durable_url):
    with trio.fail_after(60):  # a broken server must fail the test, not hang the suite
        await kill_mid_burst_and_recover(durable_url)


async def kill_mid_burst_and_recover(durable_url: str) -> None:
    process, port = await start_server(durable_url)
    acknowledged: set[int] = set()
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    await stream.send_all(b"".join(b"%d\n" % n for n in range(BURST)))
    buffer = b""
    while len(acknowledged) < KILL_AFTER:
        data = await stream.receive_some(65536)
        assert data, "the server closed the connection before the kill"
        buffer += data
        *lines, buffer = buffer.split(b"\n")
        acknowledged.update(int(line) for line in lines)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    await stream.aclose()
    assert process.returncode == -signal.SIGKILL

    process, port = await start_server(durable_url)
    try:
        async with await trio.open_tcp_stream("127.0.0.1", port) as stream:
            await stream.send_all(b"?\n")
            reply = b""
            while not reply.endswith(b"\n"):
                reply += await stream.receive_some(1 << 20)
        recovered = set(json.loads(reply))
    finally:
        process.kill()
        await process.wait()
    assert len(acknowledged) >= KILL_AFTER
    assert acknowledged <= recovered, f"lost {len(acknowledged - recovered)} acknowledged updates"
    assert len(recovered) < BURST, "the kill should have landed mid-burst"
