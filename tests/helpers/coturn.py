"""coturn's ``turnserver`` (Debian package ``coturn``), a STUN server nobody here wrote, started
by a test on a free loopback port with its own temporary configuration (STUN only) and stopped
at the end. Tests using ``coturn`` skip when it is not installed (``.ci/run`` installs it).
"""

import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from engine.net import StunTimeout, open_udp_socket, stun_binding

TURNSERVER = shutil.which("turnserver")

#: Mark a test module that needs coturn.
needs_coturn = pytest.mark.skipif(
    TURNSERVER is None, reason="coturn's turnserver is not installed (apt-get install coturn)"
)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _wait_until_answering(process: trio.Process, address: tuple[str, int], log: Path) -> None:
    # Up to 20 s: the machine may be busy. A server that exited (its port taken, say) fails
    # the test at once with its log.
    async with open_udp_socket("127.0.0.1") as sock:
        for _ in range(200):
            if process.poll() is not None:
                raise RuntimeError(f"turnserver exited ({process.returncode}):\n{_tail(log)}")
            try:
                await stun_binding(sock, address, rto=0.1, attempts=1, final_wait=1)
                return
            except StunTimeout:
                continue
    raise RuntimeError(f"turnserver did not answer on {address}:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return "\n".join(log.read_text().splitlines()[-20:]) if log.exists() else "(no log)"


@pytest.fixture
async def coturn(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    port = _free_udp_port()
    log = tmp_path / "turnserver.log"
    config = tmp_path / "turnserver.conf"
    config.write_text(
        "\n".join(
            [
                "listening-ip=127.0.0.1",
                f"listening-port={port}",
                "stun-only",
                "no-tls",
                "no-dtls",
                "no-cli",
                "no-rfc5780",
                f"pidfile={tmp_path / 'turnserver.pid'}",
                f"log-file={log}",
                "simple-log",
                f"userdb={tmp_path / 'turndb'}",
                "",
            ]
        )
    )
    assert TURNSERVER is not None
    process = await trio.lowlevel.open_process(
        [TURNSERVER, "-c", str(config), "--no-stdout-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_until_answering(process, ("127.0.0.1", port), log)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        with trio.move_on_after(5) as waited:
            await process.wait()
        if waited.cancelled_caught:
            process.kill()
            await process.wait()
