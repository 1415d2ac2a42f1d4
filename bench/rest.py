"""HTTP benchmark: party-engine's declared routes against FastAPI + uvicorn doing the same work.

    python bench/rest.py [--json] [--duration S] [--rate R] [--through-quart]

Both servers run as child processes on loopback. Four cases:

- ``hello``: ``GET /hello``, a constant JSON object;
- ``read``: ``GET /items/1``, answered by an actor ask (FastAPI: a dict lookup);
- ``create``: ``POST /items`` with a JSON body validated into a record and stored, 201;
- ``missing``: ``GET /items/999999999``, 404 in the server's error format.

Each case is measured twice on each server, one server right after the other (alternating
which goes first), so that both meet the same background load:

1. Flat out: `wrk` (1 thread, 50 keep-alive connections) for ``--duration`` seconds, after a
   one-second warm-up for the first case (the servers are warm for the others).
   ``cpu_us_per_request`` is the server process's user + system CPU over the run (from
   /proc) divided by the requests wrk completed; ``requests_per_s``, ``wrk_p50_ms`` and
   ``wrk_p99_ms`` are wrk's. A closed loop: a stall delays only the
   requests in flight, so its latencies say little about the tail.
2. At a fixed rate, both servers at once: an open-loop generator (`_open_loop`: requests due
   at a fixed pace, each sent to both servers at the same moment on up to 50 keep-alive
   connections per server, latency counted from when it was due, the wait for a free
   connection included) sends ``--rate`` requests a second for ``--latency-duration``
   seconds, by default 30% of the slower server's flat-out rate in this case: ``p50_ms``,
   ``p90_ms``, ``p99_ms``, ``max_ms``, and the generator's own lateness and CPU
   (``client_lag_ms``, ``client_busy``) to show it is not the bottleneck. Both servers meet
   the same bursts of the machine's other processes. Where the system allows it (root,
   ``priorities_raised``), the generator runs ahead of every other process (real-time
   priority) and both servers at nice -10 meanwhile, so that the machine's other tenants
   delay them less: on a shared machine they otherwise make most of the tail.

``errors`` counts socket errors and answers with another status than the case's. ``ratios`` are
party-engine over FastAPI: ``cpu_per_request``, and ``p50`` and ``p99`` at the fixed rate; the
targets are CPU and p99 at or under 1.0. Last, ``connections_1000`` holds 1,000 keep-alive
connections on party-engine's ``hello`` with wrk and counts errors. ``load_average`` is the
machine's 1-minute load average before and after the run: other processes share the cores.

``--through-quart`` serves party-engine with every request through Quart-Trio (the engine's
setting for users who want Quart's middleware), for the before/after figures. Requires
``wrk`` (Debian package) and the ``bench`` extra. With ``--json`` the last line is one JSON
object. The run takes about 100 s with the default durations. The fixed-rate run lasts 15 s: at
about 2,000 requests a second its p99 is then the 300th slowest answer, so that one stall of the
machine does not decide it (with 5 s runs party-engine's p99 was above FastAPI's in 1 of 12
cases in each of two sets of three runs, by 1.03x and 1.45x, and below it by 0.02-0.85x in
the others).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Self

import attrs
from _open_loop import Target, open_loop

HERE = Path(__file__).resolve().parent
CONNECTIONS = 50
MANY_CONNECTIONS = 1000
WARM_UP = 1
START_TIMEOUT = 20.0
# The fixed rate, as a share of the slower server's flat-out rate, when --rate is not given:
# well below what either takes, so that the figures are latencies rather than queues.
RATE_SHARE = 0.3
# The servers' niceness during the fixed-rate run (see _raise_priorities).
SERVER_NICENESS = -10


@attrs.frozen
class Case:
    name: str
    method: str
    path: str
    status: int
    body: bytes = b""

    def request(self) -> bytes:
        """The request as wrk sends it (keep-alive, with a JSON content type)."""
        return (
            f"{self.method} {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(self.body)}\r\n\r\n"
        ).encode() + self.body


CASES = (
    Case("hello", "GET", "/hello", 200),
    Case("read", "GET", "/items/1", 200),
    Case("create", "POST", "/items", 201, b'{"name":"widget","price":9.5}'),
    Case("missing", "GET", "/items/999999999", 404),
)

# wrk counts every response; this script counts the ones with another status than expected.
_WRK_SCRIPT = """
wrk.method = "{method}"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
local wrong = 0
function response(status, headers, body)
  if status ~= {status} then wrong = wrong + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("WRONG_STATUS %d\\n", wrong))
end
"""


@attrs.define
class Server:
    """A server child process on a free loopback port."""

    name: str
    argv: list[str]
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.port = _free_port()
        self.process = subprocess.Popen(
            # -P: the servers must not import this file as `http` either.
            [sys.executable, "-P", *self.argv[:1], str(self.port), *self.argv[1:]],
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        while self.process.stdout.readline().strip() != b"ready":
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])
        return (utime + stime) / os.sysconf("SC_CLK_TCK")


def run_case(
    server: Server, case: Case, duration: int, connections: int, *, warm_up: bool
) -> dict[str, Any]:
    """One wrk run of `case` against `server` (after a `warm_up` if asked), with the server's
    CPU."""
    _check_answer(server, case)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(
            _WRK_SCRIPT.format(
                method=case.method,
                body=json.dumps(case.body.decode()) if case.body else "nil",
                status=case.status,
            )
        )
        script.flush()
        if warm_up:
            _wrk(server, case, script.name, WARM_UP, connections)
        before = server.cpu_seconds()
        output = _wrk(server, case, script.name, duration, connections)
        cpu = server.cpu_seconds() - before
    figures = _parse_wrk(output)
    requests = figures.pop("requests")
    figures["cpu_us_per_request"] = round(cpu / max(requests, 1) * 1e6, 1)
    figures["requests"] = requests
    return figures


def run_at_rate(
    servers: list[Server], case: Case, rate: int, duration: float
) -> list[dict[str, Any]]:
    """Latencies of `case` on every server at once, at a fixed `rate` (see `_open_loop`)."""
    targets = [Target(("127.0.0.1", s.port), case.request(), case.status) for s in servers]
    with contextlib.ExitStack() as stack:
        raised = _raise_priorities(stack, servers)
        results = open_loop(targets, rate=rate, duration=duration, connections=CONNECTIONS)
    return [result.as_dict() | {"priorities_raised": raised} for result in results]


def _raise_priorities(stack: contextlib.ExitStack, servers: list[Server]) -> bool:
    """Until `stack` closes, if the system allows it (root): this process ahead of every
    ordinary one (SCHED_FIFO), so that it sees requests due and answers in on time (it sleeps
    between requests: a few percent of a core); the servers, both alike, at nice
    `SERVER_NICENESS`, so that the machine's other processes delay them less. False if not."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    except PermissionError:
        return False
    stack.callback(os.sched_setscheduler, 0, os.SCHED_OTHER, os.sched_param(0))
    for server in servers:
        assert server.process is not None
        os.setpriority(os.PRIO_PROCESS, server.process.pid, SERVER_NICENESS)
        stack.callback(os.setpriority, os.PRIO_PROCESS, server.process.pid, 0)
    return True


def _wrk(server: Server, case: Case, script: str, duration: int, connections: int) -> str:
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
        "-s", script, f"http://127.0.0.1:{server.port}{case.path}",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return done.stdout


def _check_answer(server: Server, case: Case) -> None:
    """Both servers must answer the case as intended before it is timed."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        headers = {"Content-Type": "application/json"} if case.body else {}
        connection.request(case.method, case.path, body=case.body or None, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != case.status:
        raise RuntimeError(f"{server.name} {case.name}: {response.status} {body[:200]!r}")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _parse_wrk(output: str) -> dict[str, Any]:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match[1]) if match else 0.0

    def latency(percent: int) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no {percent}% latency in wrk's output:\n{output}")
        return round(float(match[1]) * _UNITS[match[2]], 3)

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return {
        "requests": int(number(r"(\d+) requests in")),
        "requests_per_s": round(number(r"Requests/sec:\s+([\d.]+)")),
        "wrk_p50_ms": latency(50),
        "wrk_p99_ms": latency(99),
        "errors": errors + int(number(r"WRONG_STATUS (\d+)")),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _raise_fd_limit() -> None:
    """Room for 1,000 connections at both ends: the servers and wrk inherit the limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--duration", type=int, default=2, help="seconds of wrk per case")
    parser.add_argument(
        "--rate", type=int, help="requests/s of the fixed-rate run (default: see above)"
    )
    parser.add_argument(
        "--latency-duration", type=float, default=15.0, help="seconds of the fixed-rate run"
    )
    parser.add_argument(
        "--through-quart", action="store_true", help="serve party-engine through Quart-Trio"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required: apt-get install wrk")
    _raise_fd_limit()
    engine_argv = [str(HERE / "_http_engine_server.py")]
    if args.through_quart:
        engine_argv.append("--through-quart")
    servers = {
        "party_engine": engine_argv,
        "fastapi": [str(HERE / "_http_fastapi_server.py")],
    }
    results: dict[str, dict[str, Any]] = {case.name: {} for case in CASES}
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        running = [stack.enter_context(Server(name, argv)) for name, argv in servers.items()]
        for number, case in enumerate(CASES):
            # Back to back, first one then the other, so both meet the same background load.
            order = running[:: 1 if number % 2 == 0 else -1]
            figures = results[case.name]
            for server in order:
                figures[server.name] = run_case(
                    server, case, args.duration, CONNECTIONS, warm_up=number == 0
                )
            rate = args.rate or int(
                RATE_SHARE * min(figures[server.name]["requests_per_s"] for server in order)
            )
            figures["rate"] = rate
            at_rate = run_at_rate(order, case, rate, args.latency_duration)
            for server, latencies in zip(order, at_rate, strict=True):
                figures[server.name]["at_rate"] = latencies
        many = run_case(running[0], CASES[0], min(args.duration, 2), MANY_CONNECTIONS, warm_up=True)
    load_after = os.getloadavg()[0]
    for figures in results.values():
        engine, fastapi = figures["party_engine"], figures["fastapi"]
        figures["ratios"] = {
            "cpu_per_request": _ratio(engine["cpu_us_per_request"], fastapi["cpu_us_per_request"]),
            "p50": _ratio(engine["at_rate"]["p50_ms"], fastapi["at_rate"]["p50_ms"]),
            "p99": _ratio(engine["at_rate"]["p99_ms"], fastapi["at_rate"]["p99_ms"]),
            "wrk_p99": _ratio(engine["wrk_p99_ms"], fastapi["wrk_p99_ms"]),
        }
    report = {
        "connections": CONNECTIONS,
        "duration_s": args.duration,
        "latency_duration_s": args.latency_duration,
        "through_quart": args.through_quart,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "cpus": os.cpu_count(),
        "cases": results,
        "connections_1000": {
            "errors": many["errors"],
            "requests_per_s": many["requests_per_s"],
            "wrk_p99_ms": many["wrk_p99_ms"],
        },
    }
    for name, figures in results.items():
        ours, theirs, ratios = figures["party_engine"], figures["fastapi"], figures["ratios"]
        print(
            f"{name:8} cpu/request {ours['cpu_us_per_request']:6.1f} vs "
            f"{theirs['cpu_us_per_request']:6.1f} us ({ratios['cpu_per_request']:.2f}x), "
            f"req/s {ours['requests_per_s']} vs {theirs['requests_per_s']}; "
            f"at {figures['rate']}/s p50 {ours['at_rate']['p50_ms']:.2f} vs "
            f"{theirs['at_rate']['p50_ms']:.2f} ms ({ratios['p50']:.2f}x), "
            f"p99 {ours['at_rate']['p99_ms']:.2f} vs {theirs['at_rate']['p99_ms']:.2f} ms "
            f"({ratios['p99']:.2f}x)"
        )
    print(
        f"1000 connections: {many['errors']} errors, {many['requests_per_s']} req/s; "
        f"load average {load_before:.2f} -> {load_after:.2f} on {os.cpu_count()} CPUs"
    )
    if args.json:
        print(json.dumps(report))


def _ratio(ours: float, theirs: float) -> float:
    return round(ours / theirs, 2) if theirs else float("inf")


if __name__ == "__main__":
    main()
