"""Broadcast fan-out: server CPU per delivered frame, party-engine against bare trio-websocket.

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

Figures: server CPU microseconds per delivered frame, and the time from triggering a broadcast
to its last recipient reading it (p50/p99). `fanout_ratio_vs_raw` is engine / raw, measured in
the same run (target <= 1.2). `--peer-mailboxes` also measures the engine with one actor per
member between the party and the socket (`mailbox_ratio_vs_direct`: that design / the
engine's). With --json the last line is one JSON object.
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

BENCH = Path(__file__).resolve().parent
SERVERS: dict[str, tuple[str, ...]] = {
    "raw": (str(BENCH / "_raw_server.py"),),
    "engine": (str(BENCH / "_engine_fanout_server.py"),),
    "mailboxes": (str(BENCH / "_engine_fanout_server.py"), "--peer-mailboxes"),
}
HOST = "127.0.0.1"
JOIN_BATCH = 100
STEP_TIMEOUT = 30.0
_TEXT_FINAL = 0x81


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
            for key, _ in self.selector.select(1.0):
                index = key.data
                data = self.sockets[index].recv(65536)
                if not data:
                    raise ConnectionError(f"member {index} was disconnected")
                buffer = self.buffers[index]
                buffer += data
                self._count(index, buffer)
        return time.perf_counter()

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


def measure(kind: str, size: int, broadcasts: int, warmup: int) -> dict[str, float]:
    with server_process(kind) as port:
        control = Control(port)
        crowd = Crowd(port, size)
        try:
            while control.ask("count") != f"count {size}":
                time.sleep(0.01)
            expected = 0
            for seq in range(warmup):
                control.send(f"broadcast {_message(seq)}")
                expected += size
                crowd.wait_for(expected)
            cpu_before = float(control.ask("cpu").split()[1])
            latencies = []
            for seq in range(broadcasts):
                sent_at = time.perf_counter()
                control.send(f"broadcast {_message(seq)}")
                expected += size
                latencies.append(crowd.wait_for(expected) - sent_at)
            cpu = float(control.ask("cpu").split()[1]) - cpu_before
            if set(crowd.frames) != {warmup + broadcasts}:
                raise RuntimeError(f"uneven delivery: {sorted(set(crowd.frames))}")
        finally:
            crowd.close()
            control.close()
    percentiles = statistics.quantiles(latencies, n=100)
    return {
        "us_per_delivery": cpu / (broadcasts * size) * 1e6,
        "p50_ms": statistics.median(latencies) * 1e3,
        "p99_ms": percentiles[98] * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--rooms", default="200,1000", help="comma-separated room sizes")
    parser.add_argument("--broadcasts", type=int, default=200, help="measured broadcasts per run")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--peer-mailboxes", action="store_true", help="also measure one actor per member"
    )
    args = parser.parse_args()

    rooms: dict[str, dict[str, float]] = {}
    for size in (int(size) for size in args.rooms.split(",")):
        raw = measure("raw", size, args.broadcasts, args.warmup)
        engine = measure("engine", size, args.broadcasts, args.warmup)
        ratio = engine["us_per_delivery"] / raw["us_per_delivery"]
        rooms[str(size)] = {
            "engine_us_per_delivery": round(engine["us_per_delivery"], 2),
            "raw_us_per_delivery": round(raw["us_per_delivery"], 2),
            "fanout_ratio_vs_raw": round(ratio, 3),
            "p50_ms": round(engine["p50_ms"], 2),
            "p99_ms": round(engine["p99_ms"], 2),
            "raw_p50_ms": round(raw["p50_ms"], 2),
            "raw_p99_ms": round(raw["p99_ms"], 2),
        }
        cpu = f"engine {engine['us_per_delivery']:.1f} us, raw {raw['us_per_delivery']:.1f} us"
        engine_latency = f"{engine['p50_ms']:.2f}/{engine['p99_ms']:.2f} ms"
        raw_latency = f"{raw['p50_ms']:.2f}/{raw['p99_ms']:.2f} ms"
        print(
            f"room of {size}: server CPU per delivered frame: {cpu}, ratio {ratio:.3f};"
            f" send to last recipient p50/p99: engine {engine_latency}, raw {raw_latency}",
            flush=True,
        )
        if args.peer_mailboxes:
            mailboxes = measure("mailboxes", size, args.broadcasts, args.warmup)
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
    if args.json:
        largest = rooms[max(rooms, key=int)]
        summary = {
            "rooms": rooms,
            "engine_us_per_delivery": largest["engine_us_per_delivery"],
            "raw_us_per_delivery": largest["raw_us_per_delivery"],
            "fanout_ratio_vs_raw": largest["fanout_ratio_vs_raw"],
            "p50_ms": largest["p50_ms"],
            "p99_ms": largest["p99_ms"],
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
