"""An open-loop HTTP/1.1 load generator: requests at a fixed rate, whatever the servers do.

A closed-loop tool (wrk) sends a connection's next request only once the previous answer is
in, so a server that stalls is asked less while it stalls, and a 100 ms pause shows in one
sample per connection instead of in every request that should have gone out meanwhile
(coordinated omission). Here request ``i`` is due at ``start + i / rate``: it goes out at that
moment on a free keep-alive connection, or as soon as one is free, and its latency counts from
then, as wrk2's does, the wait for a free connection included. (From the moment the loop saw
it due, rather than the due time itself: epoll sleeps in whole milliseconds, so the loop wakes
up to a millisecond late, which is the generator's lateness, not the server's.)

Several servers are driven in the same run, each with its own connections and the same
schedule: request ``i`` goes to every one of them at the same moment, so they all meet the
same background load (on a shared machine, other processes' bursts dwarf the differences
between two servers' tails when the servers are measured one after the other).

It is one thread of plain non-blocking sockets in one epoll loop, responses parsed by
httptools (C). That it is not the bottleneck is measured in every run: ``client_lag_ms`` is
how late the loop itself saw requests due (p99; not counted in the latencies), and
``client_busy`` its CPU time over the run's wall time, well under one core.
"""

from __future__ import annotations

import collections
import selectors
import socket
import time
from collections.abc import Sequence
from typing import Any, final

import attrs
import httptools

__all__ = ["Result", "Target", "open_loop"]

_RECEIVE_SIZE = 65536
# Answers still missing this long after the last request was due are counted as errors.
_GRACE = 5.0


@attrs.frozen
class Target:
    """A server, the request it is sent (whole, keep-alive) and the status it must answer."""

    address: tuple[str, int]
    request: bytes
    status: int


@attrs.frozen
class Result:
    """One server's latencies (from when each request was due to its complete answer) and the
    run's health."""

    sent: int
    answered: int
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    client_lag_ms: float
    client_busy: float
    reconnects: int  # idle keep-alive connections the server closed, replaced

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@final
class _Server:
    """One target's connections, requests waiting for a free one, and answers."""

    def __init__(self, target: Target, connections: int, selector: selectors.BaseSelector):
        self.target = target
        self.idle = [_Connection(self, target.address) for _ in range(connections)]
        for connection in self.idle:
            selector.register(connection.sock, selectors.EVENT_READ, connection)
        self.waiting: collections.deque[float] = collections.deque()
        self.latencies: list[float] = []
        self.sent = 0
        self.errors = 0
        self.reconnects = 0

    def send_waiting(self) -> None:
        request = self.target.request
        while self.waiting and self.idle:
            connection = self.idle.pop()
            connection.due = self.waiting.popleft()
            connection.busy = True
            if connection.sock.send(request) != len(request):
                raise RuntimeError("the request did not fit the socket's send buffer")
            self.sent += 1

    def answered(self, connection: _Connection, status: int) -> None:
        self.latencies.append(time.perf_counter() - connection.due)
        self.errors += status != self.target.status
        connection.busy = False
        self.idle.append(connection)

    def closed(self, connection: _Connection, selector: selectors.BaseSelector) -> None:
        """The server closed ``connection``: replace it. Closing an idle keep-alive connection
        is the server's right (uvicorn's keep-alive timeout is 5 s, and a slow pace leaves the
        connections at the bottom of ``idle`` unused that long); the request of one carrying a
        request stays unanswered, an error."""
        selector.unregister(connection.sock)
        connection.sock.close()
        fresh = _Connection(self, self.target.address)
        selector.register(fresh.sock, selectors.EVENT_READ, fresh)
        if connection.busy:
            self.idle.append(fresh)
        else:
            self.idle[self.idle.index(connection)] = fresh
        self.reconnects += 1


@final
class _Connection:
    """One keep-alive connection carrying one request at a time."""

    def __init__(self, server: _Server, address: tuple[str, int]) -> None:
        self.server = server
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.due = 0.0  # when its request was due
        self.busy = False  # carrying a request
        self.parser = httptools.HttpResponseParser(self)

    def on_message_complete(self) -> None:
        self.server.answered(self, self.parser.get_status_code())


def open_loop(
    targets: Sequence[Target], *, rate: float, duration: float, connections: int
) -> list[Result]:
    """Send each target its request `rate` times a second for `duration` seconds over at most
    `connections` connections of its own; an answer with another status, or none, is an
    error. One `Result` per target, in order."""
    selector = selectors.DefaultSelector()
    servers = [_Server(target, connections, selector) for target in targets]
    lags: list[float] = []
    total = int(rate * duration)
    cpu_before = time.process_time()
    start = time.perf_counter() + 0.01
    due_count = 0
    while any(len(server.latencies) < total for server in servers):
        now = time.perf_counter()
        while due_count < total and (due := start + due_count / rate) <= now:
            lags.append(now - due)
            for server in servers:
                server.waiting.append(now)
            due_count += 1
        # Alternately first: a send takes a few microseconds, charged to the servers after it.
        for server in servers[:: 1 if due_count % 2 else -1]:
            server.send_waiting()
        if due_count < total:
            timeout = max(0.0, start + due_count / rate - time.perf_counter())
        elif now > start + duration + _GRACE:
            break
        else:
            timeout = 0.1
        for key, _ in selector.select(timeout):
            connection = key.data
            try:
                data = connection.sock.recv(_RECEIVE_SIZE)
            except ConnectionResetError:
                data = b""
            if data:
                connection.parser.feed_data(data)
            else:
                connection.server.closed(connection, selector)
    busy = (time.process_time() - cpu_before) / (time.perf_counter() - start)
    for key in list(selector.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    selector.close()
    lags.sort()
    return [_result(server, total, lag=_percentile(lags, 0.99), busy=busy) for server in servers]


def _result(server: _Server, total: int, *, lag: float, busy: float) -> Result:
    latencies = sorted(server.latencies)
    return Result(
        sent=server.sent,
        answered=len(latencies),
        errors=server.errors + total - len(latencies),
        p50_ms=_ms(_percentile(latencies, 0.50)),
        p90_ms=_ms(_percentile(latencies, 0.90)),
        p99_ms=_ms(_percentile(latencies, 0.99)),
        max_ms=_ms(latencies[-1] if latencies else 0.0),
        client_lag_ms=_ms(lag),
        client_busy=round(busy, 3),
        reconnects=server.reconnects,
    )


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1e3, 3)
