"""What both fan-out bench servers share: the control protocol and their lifetime.

A server is started by bench/fanout.py as a subprocess, with `--serve`. It listens on
127.0.0.1 port 0 and prints `PORT <n>` on stdout. WebSocket clients on `/room` join the room;
one client on `/control` drives it with text messages:

    broadcast <text>   send <text> to every room member (no reply)
    floor <text>       the engine server only: the same delivery as a bare loop of non-blocking
                       `send()` of the frame to the members' sockets (no reply)
    count              reply `count <members>`
    cpu                reply `cpu <seconds>`: this process's user + system CPU time
    rss                reply `rss <KiB>`: this process's resident memory

The server exits when its stdin closes (the driver is done or gone) or after `--max-seconds`,
so it stops by itself even if the driver is killed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from collections.abc import Awaitable, Callable

import trio

ROOM_PATH = "/room"
CONTROL_PATH = "/control"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_kib() -> int:
    """This process's resident set size (KiB)."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") // 1024


def raise_fd_limit() -> None:
    """Allow as many open files as the hard limit does (ten thousand connections need them)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def control_reply(command: str, members: int) -> str | None:
    """The reply to a non-broadcast control command, or None for unknown commands."""
    if command == "count":
        return f"count {members}"
    if command == "cpu":
        return f"cpu {cpu_seconds():.6f}"
    if command == "rss":
        return f"rss {rss_kib()}"
    return None


async def _until_stdin_closes() -> None:
    stdin = trio.lowlevel.FdStream(sys.stdin.fileno())
    while await stdin.receive_some():
        pass


def run_server(
    serve: Callable[[Callable[[int], None], Callable[[], Awaitable[None]]], Awaitable[None]],
) -> None:
    """Run `serve(announce, stop_requested)` at most `--max-seconds`.

    `serve` calls `announce(port)` once it listens and returns some time after
    `stop_requested()` returns, which it does when stdin closes.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", action="store_true", help="what bench/fanout.py passes")
    parser.add_argument("--max-seconds", type=float, default=170.0)
    args, _ = parser.parse_known_args()
    if not args.serve:
        # `make bench` runs every bench/*.py with --json; this one is only a part of fanout.py.
        print(f"{sys.argv[0]} is started by bench/fanout.py; nothing to do alone", file=sys.stderr)
        return

    raise_fd_limit()

    def announce(port: int) -> None:
        print(f"PORT {port}", flush=True)

    async def main() -> None:
        with trio.move_on_after(args.max_seconds):
            await serve(announce, _until_stdin_closes)

    trio.run(main)
