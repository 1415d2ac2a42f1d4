"""What watching costs: server CPU with 1,000 connected players, the dashboard open and closed.

    python bench/dashboard.py [--json] [--players N] [--window SECONDS]

``party-engine serve --app liaptui`` runs in a subprocess (memory store, the dashboard on with
a token). This process creates rooms through the lobby and connects the players, four to a
room, each a WebSocket that sends Liap Tui's ``ping`` once a second (answered by a ``pong``):
a thousand messages a second in and out. Players are plain non-blocking sockets in one epoll
loop that only send and drain, so that the client side stays light on a shared machine.

The server's CPU time (utime + stime from /proc) is read over five windows of equal length,
alternating: nobody watching, then one dashboard viewer connected (authenticated, reading
every update), and so on, starting and ending closed, so that a drift of the machine's load
weighs on both sides. ``ratio`` is the mean CPU of the open windows over that of the closed
ones (1.0: watching is free); ``cpu_per_update_ms`` is the extra CPU spread over the updates
the viewer received. On a shared machine the ratio moves by several percent from run to run.
With ``--json`` the last line is one JSON object. About 40 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fanout import HOST, STEP_TIMEOUT, _handshake, _read_head
from wsproto.frame_protocol import FrameProtocol, Opcode

PLAYERS = 1000
PER_ROOM = 4
WINDOW = 6.0
WINDOWS = ("closed", "open", "closed", "open", "closed")
WARM_UP = 2.0
PING_EVERY = 1.0
TOKEN = "bench-dashboard-token"


class Socket:
    """One client WebSocket over a plain socket, with wsproto framing its messages."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=STEP_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(_handshake(path))
        self.codec = FrameProtocol(client=True, extensions=[])
        self.codec.receive_bytes(_read_head(self.sock))

    def send_json(self, value: Any) -> None:
        self.sock.sendall(self.codec.send_data(json.dumps(value)))

    def receive_json(self) -> Any:
        """The next text message (blocking)."""
        while True:
            for frame in self.codec.received_frames():
                if frame.opcode is Opcode.TEXT:
                    return json.loads(str(frame.payload))
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            self.codec.receive_bytes(data)

    def feed(self, data: bytes) -> list[str]:
        """The text messages completed by ``data``."""
        self.codec.receive_bytes(data)
        return [str(f.payload) for f in self.codec.received_frames() if f.opcode is Opcode.TEXT]


def server_cpu(pid: int) -> float:
    """Seconds of CPU the process has used (user + system)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serving() -> Iterator[tuple[int, int]]:
    """``party-engine serve --app liaptui`` with the dashboard on; its pid and port."""
    environ = {**os.environ, "PARTY_ENGINE_LOG": "WARNING", "PARTY_ENGINE_DASHBOARD_TOKEN": TOKEN}
    command = [sys.executable, "-m", "engine", "serve", "--app", "liaptui"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--store", "memory://"],
        stdout=subprocess.PIPE,
        env=environ,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"http://[^\s:]+:(\d+)", line)
        if found is None:
            raise RuntimeError(f"the server did not start: {line!r}")
        yield process.pid, int(found.group(1))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def create_rooms(port: int, count: int) -> list[str]:
    lobby = Socket(port, "/ws/lobby")
    rooms: list[str] = []
    while len(rooms) < count:
        data = {"room_name": f"Room {len(rooms)}", "player_name": "Host"}
        lobby.send_json({"event": "create_room", "data": data})
        while (message := lobby.receive_json())["event"] not in ("room_created", "error"):
            pass  # the lobby's list of rooms, updated
        if message["event"] == "room_created":
            rooms.append(message["data"]["room_id"])
        elif "retry_after" in message["error"].get("details", {}):
            time.sleep(message["error"]["details"]["retry_after"])  # the lobby's rate limit
        else:
            raise RuntimeError(f"the lobby refused a room: {message}")
    lobby.sock.close()
    return rooms


class Players:
    """Sockets connected to rooms that each ping once per ``PING_EVERY`` and drain the rest."""

    def __init__(self, port: int, rooms: list[str], count: int) -> None:
        self.selector = selectors.EpollSelector()
        self.sockets = [Socket(port, f"/ws/{rooms[i // PER_ROOM]}").sock for i in range(count)]
        for index, sock in enumerate(self.sockets):
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ, index)
        frame = FrameProtocol(client=True, extensions=[])
        self.ping = frame.send_data(json.dumps({"event": "ping", "data": {"client_time": 0}}))
        self.received = 0
        self.viewer: Socket | None = None
        self.updates: list[int] = []

    def watch(self, port: int) -> None:
        """Open the dashboard: a viewer that sends the token and reads every update."""
        viewer = Socket(port, "/dashboard/ws")
        viewer.send_json({"token": TOKEN})
        viewer.sock.setblocking(False)
        self.selector.register(viewer.sock, selectors.EVENT_READ, -1)
        self.viewer = viewer

    def unwatch(self) -> None:
        assert self.viewer is not None
        self.selector.unregister(self.viewer.sock)
        self.viewer.sock.close()
        self.viewer = None

    def run(self, seconds: float) -> None:
        """Ping and drain for ``seconds``: each player once per ``PING_EVERY``, spread out."""
        start = time.perf_counter()
        sent = 0
        while (elapsed := time.perf_counter() - start) < seconds:
            due = int(elapsed / PING_EVERY * len(self.sockets))
            while sent < due:
                self.sockets[sent % len(self.sockets)].send(self.ping)
                sent += 1
            for key, _ in self.selector.select(0.005):
                data = key.fileobj.recv(262144)  # type: ignore[union-attr]
                if not data:
                    raise ConnectionError(f"connection {key.data} was closed")
                if key.data == -1:
                    assert self.viewer is not None
                    self.updates += [len(update) for update in self.viewer.feed(data)]
                else:
                    self.received += len(data)

    def close(self) -> None:
        self.selector.close()
        for sock in self.sockets:
            sock.close()


def measure(players_count: int, window: float) -> dict[str, Any]:
    with serving() as (pid, port):
        rooms = create_rooms(port, -(-players_count // PER_ROOM))
        players = Players(port, rooms, players_count)
        try:
            players.run(WARM_UP)
            cpu: dict[str, list[float]] = {"closed": [], "open": []}
            for state in WINDOWS:
                if state == "open":
                    players.watch(port)
                before, received = server_cpu(pid), players.received
                players.run(window)
                cpu[state].append(server_cpu(pid) - before)
                if state == "open":
                    players.unwatch()
                if players.received == received:
                    raise RuntimeError("the players heard nothing back")
        finally:
            players.close()
    closed, opened = statistics.mean(cpu["closed"]), statistics.mean(cpu["open"])
    updates = players.updates
    update_cpu = sum(cpu["open"]) - closed * len(cpu["open"])
    return {
        "players": players_count,
        "rooms": len(rooms),
        "window_s": window,
        "server_cpu_closed_percent": round(100 * closed / window, 1),
        "server_cpu_open_percent": round(100 * opened / window, 1),
        "ratio": round(opened / closed, 3),
        "updates": len(updates),
        "update_bytes_mean": round(statistics.mean(updates)) if updates else 0,
        "cpu_per_update_ms": round(1000 * update_cpu / len(updates), 2) if updates else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--players", type=int, default=PLAYERS)
    parser.add_argument("--window", type=float, default=WINDOW, help="seconds per window")
    args = parser.parse_args()
    result = measure(args.players, args.window)
    print(
        f"{result['players']} players in {result['rooms']} rooms; server CPU "
        f"{result['server_cpu_closed_percent']}% with the dashboard closed, "
        f"{result['server_cpu_open_percent']}% open: ratio {result['ratio']} "
        f"({result['updates']} updates of ~{result['update_bytes_mean']} bytes, "
        f"{result['cpu_per_update_ms']} ms of CPU each)"
    )
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
