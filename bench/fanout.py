"""Broadcast fan-out: server CPU per delivered frame against the kernel's floor; idle memory.

For each room size, each server (bench/_raw_server.py, bench/_engine_fanout_server.py) runs in
its own subprocess on 127.0.0.1. This process is the client side: the room's members are plain
non-blocking sockets in one epoll loop that complete the handshake and then only count frames
(a full WebSocket client per member would saturate the second core before the server). A control
connection triggers broadcasts of a ~100-byte text message one at a time, each after every
member received the previous one, and reads the server's own CPU time (getrusage, reported by
the server) before and after.

The engine server goes through the engine's whole path: the broadcast is a message to a party
actor, which numbers the event in its EventStream (so each frame carries a `sequence_number`
the raw server's does not), encodes it once and offers it to every peer's WebSocket.

The floor is measured in the same server process, on the same members' sockets, in rounds
alternating with the engine's broadcasts: the party sends the same frame (same size, numbered
and encoded the same way) in a bare loop of non-blocking `send()` to every member's socket,
which is the kernel's share of a broadcast and the least any server could spend.

Figures: server CPU microseconds per delivered frame, and the time from triggering a broadcast
to its last recipient reading it (p50/p99). `fanout_ratio_vs_send_floor` is engine / floor
(target <= 1.6 in a room of 1,000) and `fanout_ratio_vs_raw` engine / trio-websocket, each
measured in the same run. `--peer-mailboxes` also measures the engine with one actor per member
between the party and the socket (`mailbox_ratio_vs_direct`: that design / the engine's).

Idle memory: `--idle` WebSocket connections (10,000 by default; 0 skips it) join an engine server
whose heartbeat pings every connection every second, and stay idle (answering pings) for a few
seconds; `rss_kb_per_connection` is the growth of the server's resident memory divided by the
number of connections (target <= 10 KB). The connections live in this process, so their
memory is not counted. With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wsproto.frame_protocol import FrameProtocol, Opcode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fanout_common import raise_fd_limit

BENCH = Path(__file__).resolve().parent

SERVERS: dict[str, tuple[str, ...]] = {
    "raw": (str(BENCH / "_raw_server.py"),),
    "engine": (str(BENCH / "_engine_fanout_server.py"),),
    "mailboxes": (str(BENCH / "_engine_fanout_server.py"), "--peer-mailboxes"),
    "heartbeat": (str(BENCH / "_engine_fanout_server.py"), "--heartbeat"),
}
HOST = "127.0.0.1"
JOIN_BATCH = 100
STEP_TIMEOUT = 30.0
# Engine and floor broadcasts alternate in this many rounds, so both see the same machine load.
FLOOR_ROUNDS = 4
IDLE_SECONDS = 3.0
_TEXT_FINAL = 0x81
_PING_FINAL = 0x89
# A client's empty pong: FIN + pong, masked, zero length, and the 4-byte mask.
_PONG = bytes((0x8A, 0x80)) + os.urandom(4)


def _handshake(path: str) -> bytes:
    key = base64.b64encode(os.urandom(16))
    return (
        (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
        ).encode()
        + key
        + b"\r\n\r\n"
    )


def _read_head(sock: socket.socket) -> bytes:
    """Read the handshake response; returns any bytes that followed it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("server closed during the handshake")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101 "):
        raise ConnectionError(f"handshake refused: {head[:80]!r}")
    return rest


class Crowd:
    """The room's members: sockets that joined and count the complete text frames they read."""

    def __init__(self, port: int, size: int) -> None:
        self.selector = selectors.EpollSelector()
        self.sockets: list[socket.socket] = []
        self.buffers: list[bytearray] = []
        self.frames: list[int] = []
        self.delivered = 0
        self.pings = 0
        request = _handshake("/room")
        for start in range(0, size, JOIN_BATCH):
            batch = [
                socket.create_connection((HOST, port), timeout=STEP_TIMEOUT)
                for _ in range(start, min(size, start + JOIN_BATCH))
            ]
            for sock in batch:
                sock.sendall(request)
            for sock in batch:
                rest = _read_head(sock)
                sock.setblocking(False)
                index = len(self.sockets)
                self.sockets.append(sock)
                self.buffers.append(bytearray(rest))
                self.frames.append(0)
                self.selector.register(sock, selectors.EVENT_READ, index)

    def wait_for(self, total: int) -> float:
        """Read until `total` frames were delivered overall; returns perf_counter() then."""
        deadline = time.perf_counter() + STEP_TIMEOUT
        while self.delivered < total:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.delivered} of {total} frames delivered")
            self._read(1.0)
        return time.perf_counter()

    def idle(self, seconds: float) -> None:
        """Read (answering pings) for `seconds`."""
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            self._read(left)

    def _read(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            index = key.data
            data = self.sockets[index].recv(65536)
            if not data:
                raise ConnectionError(f"member {index} was disconnected")
            buffer = self.buffers[index]
            buffer += data
            self._count(index, buffer)

    def _count(self, index: int, buffer: bytearray) -> None:
        offset = 0
        while len(buffer) - offset >= 2:
            length = buffer[offset + 1] & 0x7F
            header = 2
            if length == 126:
                header, length = 4, int.from_bytes(buffer[offset + 2 : offset + 4], "big")
            elif length == 127:
                header, length = 10, int.from_bytes(buffer[offset + 2 : offset + 10], "big")
            if len(buffer) - offset < header + length:
                break
            if buffer[offset] == _TEXT_FINAL:
                self.frames[index] += 1
                self.delivered += 1
            elif buffer[offset] == _PING_FINAL:
                # The heartbeat's pings carry no payload; a pong this small always fits.
                self.sockets[index].send(_PONG)
                self.pings += 1
            offset += header + length
        del buffer[:offset]

    def close(self) -> None:
        self.selector.close()
        for sock in self.sockets:
            sock.close()


class Control:
    """The driver's own WebSocket connection to the server."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=STEP_TIMEOUT)
        # Without it Nagle holds a trigger until the server's delayed ACK (40 ms) of the last one.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(_handshake("/control"))
        self.codec = FrameProtocol(client=True, extensions=[])
        self.codec.receive_bytes(_read_head(self.sock))

    def send(self, text: str) -> None:
        self.sock.sendall(self.codec.send_data(text))

    def ask(self, text: str) -> str:
        self.send(text)
        while True:
            for frame in self.codec.received_frames():
                if frame.opcode is Opcode.TEXT:
                    return str(frame.payload)
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("control connection closed")
            self.codec.receive_bytes(data)

    def close(self) -> None:
        self.sock.close()


@contextmanager
def server_process(kind: str) -> Iterator[int]:
    """Start a bench server; yields its port; closing its stdin makes it exit."""
    process = subprocess.Popen(
        [sys.executable, *SERVERS[kind], "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"{kind} server did not start: {line!r}")
        yield int(line.split()[1])
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _message(seq: int) -> str:
    message = json.dumps({"type": "tick", "seq": seq, "room": "bench", "body": ""})
    return message.replace('"body": ""', '"body": "' + "x" * (100 - len(message)) + '"')


def _broadcasts(
    control: Control, crowd: Crowd, command: str, count: int, expected: int
) -> tuple[float, list[float], int]:
    """`count` broadcasts through `command`, each after the previous one was delivered:
    (server CPU seconds, latencies, frames expected delivered overall by then)."""
    size = len(crowd.sockets)
    cpu_before = float(control.ask("cpu").split()[1])
    latencies = []
    for seq in range(count):
        sent_at = time.perf_counter()
        control.send(f"{command} {_message(seq)}")
        expected += size
        latencies.append(crowd.wait_for(expected) - sent_at)
    return float(control.ask("cpu").split()[1]) - cpu_before, latencies, expected


def _figures(cpu: float, latencies: list[float], deliveries: int) -> dict[str, float]:
    percentiles = statistics.quantiles(latencies, n=100)
    return {
        "us_per_delivery": cpu / deliveries * 1e6,
        "p50_ms": statistics.median(latencies) * 1e3,
        "p99_ms": percentiles[98] * 1e3,
    }


def measure(
    kind: str, size: int, broadcasts: int, warmup: int, *, floor: bool = False
) -> dict[str, dict[str, float]]:
    """Figures of `kind`'s broadcasts ("broadcast"), and with `floor` of the bare send loop
    ("floor") on the same sockets, in alternating rounds."""
    commands = ("broadcast", "floor") if floor else ("broadcast",)
    with server_process(kind) as port:
        control = Control(port)
        crowd = Crowd(port, size)
        try:
            while control.ask("count") != f"count {size}":
                time.sleep(0.01)
            expected = 0
            for command in commands:
                _, _, expected = _broadcasts(control, crowd, command, warmup, expected)
            cpu = dict.fromkeys(commands, 0.0)
            latencies: dict[str, list[float]] = {command: [] for command in commands}
            rounds = FLOOR_ROUNDS if floor else 1
            for _ in range(rounds):
                for command in commands:
                    spent, times, expected = _broadcasts(
                        control, crowd, command, broadcasts // rounds, expected
                    )
                    cpu[command] += spent
                    latencies[command] += times
            if set(crowd.frames) != {expected // size}:
                raise RuntimeError(f"uneven delivery: {sorted(set(crowd.frames))}")
        finally:
            crowd.close()
            control.close()
    deliveries = broadcasts // rounds * rounds * size
    return {command: _figures(cpu[command], latencies[command], deliveries) for command in commands}


def idle_memory(connections: int) -> dict[str, float]:
    """The engine server's resident memory per idle connection, its heartbeat running."""
    with server_process("heartbeat") as port:
        control = Control(port)
        try:
            before = int(control.ask("rss").split()[1])
            crowd = Crowd(port, connections)
            try:
                while control.ask("count") != f"count {connections}":
                    crowd.idle(0.1)
                crowd.idle(IDLE_SECONDS)
                after = int(control.ask("rss").split()[1])
                if crowd.pings < connections:
                    raise RuntimeError(f"{crowd.pings} pings for {connections} connections")
                pings = crowd.pings
            finally:
                crowd.close()
        finally:
            control.close()
    return {
        "rss_kb_per_connection": (after - before) * 1024 / 1000 / connections,
        "rss_mib_before": before / 1024,
        "rss_mib_after": after / 1024,
        "pings_answered": pings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--rooms", default="1000", help="comma-separated room sizes")
    parser.add_argument("--broadcasts", type=int, default=100, help="measured broadcasts per run")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--peer-mailboxes", action="store_true", help="also measure one actor per member"
    )
    parser.add_argument(
        "--idle", type=int, default=10_000, help="idle connections for the memory figure (0: skip)"
    )
    args = parser.parse_args()
    raise_fd_limit()

    rooms: dict[str, dict[str, float]] = {}
    for size in (int(size) for size in args.rooms.split(",")):
        raw = measure("raw", size, args.broadcasts, args.warmup)["broadcast"]
        measured = measure("engine", size, args.broadcasts, args.warmup, floor=True)
        engine, floor = measured["broadcast"], measured["floor"]
        ratio = engine["us_per_delivery"] / raw["us_per_delivery"]
        floor_ratio = engine["us_per_delivery"] / floor["us_per_delivery"]
        rooms[str(size)] = {
            "engine_us_per_delivery": round(engine["us_per_delivery"], 2),
            "send_floor_us_per_delivery": round(floor["us_per_delivery"], 2),
            "fanout_ratio_vs_send_floor": round(floor_ratio, 3),
            "raw_us_per_delivery": round(raw["us_per_delivery"], 2),
            "fanout_ratio_vs_raw": round(ratio, 3),
            "p50_ms": round(engine["p50_ms"], 2),
            "p99_ms": round(engine["p99_ms"], 2),
            "floor_p50_ms": round(floor["p50_ms"], 2),
            "raw_p50_ms": round(raw["p50_ms"], 2),
            "raw_p99_ms": round(raw["p99_ms"], 2),
        }
        cpu = (
            f"engine {engine['us_per_delivery']:.1f} us, floor {floor['us_per_delivery']:.1f} us"
            f" (ratio {floor_ratio:.3f}), trio-websocket {raw['us_per_delivery']:.1f} us"
            f" (engine / it {ratio:.3f})"
        )
        engine_latency = f"{engine['p50_ms']:.2f}/{engine['p99_ms']:.2f} ms"
        raw_latency = f"{raw['p50_ms']:.2f}/{raw['p99_ms']:.2f} ms"
        print(
            f"room of {size}: server CPU per delivered frame: {cpu};"
            f" send to last recipient p50/p99: engine {engine_latency}, raw {raw_latency}",
            flush=True,
        )
        if args.peer_mailboxes:
            mailboxes = measure("mailboxes", size, args.broadcasts, args.warmup)["broadcast"]
            via = mailboxes["us_per_delivery"] / engine["us_per_delivery"]
            rooms[str(size)].update(
                mailbox_us_per_delivery=round(mailboxes["us_per_delivery"], 2),
                mailbox_ratio_vs_direct=round(via, 3),
                mailbox_p50_ms=round(mailboxes["p50_ms"], 2),
                mailbox_p99_ms=round(mailboxes["p99_ms"], 2),
            )
            print(
                f"room of {size}: with an actor per member: {mailboxes['us_per_delivery']:.1f} us"
                f" per delivered frame ({via:.2f}x the direct send),"
                f" p50/p99 {mailboxes['p50_ms']:.2f}/{mailboxes['p99_ms']:.2f} ms",
                flush=True,
            )
    memory: dict[str, float] = {}
    if args.idle:
        memory = idle_memory(args.idle)
        print(
            f"{args.idle} idle connections, heartbeat running ({memory['pings_answered']:.0f}"
            f" pings answered): server RSS {memory['rss_mib_before']:.1f} MiB ->"
            f" {memory['rss_mib_after']:.1f} MiB, {memory['rss_kb_per_connection']:.2f} KB"
            " per connection",
            flush=True,
        )
    if args.json:
        largest = rooms[max(rooms, key=int)]
        summary = {
            "rooms": rooms,
            "engine_us_per_delivery": largest["engine_us_per_delivery"],
            "send_floor_us_per_delivery": largest["send_floor_us_per_delivery"],
            "fanout_ratio_vs_send_floor": largest["fanout_ratio_vs_send_floor"],
            "raw_us_per_delivery": largest["raw_us_per_delivery"],
            "fanout_ratio_vs_raw": largest["fanout_ratio_vs_raw"],
            "p50_ms": largest["p50_ms"],
            "p99_ms": largest["p99_ms"],
        }
        if memory:
            summary["rss_kb_per_connection"] = round(memory["rss_kb_per_connection"], 2)
            summary["idle_connections"] = args.idle
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
