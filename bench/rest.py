"""HTTP benchmark: party-engine's declared routes against FastAPI + uvicorn doing the same work.

    python bench/rest.py [--json] [--duration S] [--through-quart]

Both servers run as child processes on loopback, and `wrk` (1 thread, 50 keep-alive
connections) drives each case for ``--duration`` seconds after a one-second warm-up, on one
server and then at once on the other (alternating which goes first), so that both meet the
same background load:

- ``hello``: ``GET /hello``, a constant JSON object;
- ``read``: ``GET /items/1``, answered by an actor ask (FastAPI: a dict lookup);
- ``create``: ``POST /items`` with a JSON body validated into a record and stored, 201;
- ``missing``: ``GET /items/999999999``, 404 in the server's error format.

Figures per case and server: ``cpu_us_per_request`` (the server process's user + system CPU
over the run, from /proc, divided by the requests wrk completed), ``requests_per_s``,
``p50_ms``/``p99_ms`` (wrk's latency distribution) and ``errors`` (socket errors plus
responses with another status than the case's). ``ratios`` are party-engine over FastAPI:
the targets are ``cpu_per_request`` and ``p99`` at or under 1.0. Last, ``connections_1000``
holds 1,000 keep-alive connections on party-engine's ``hello`` and counts errors.

``--through-quart`` serves party-engine with every request through Quart-Trio (the engine's
setting for users who want Quart's middleware), for the before/after figures. Requires
``wrk`` (Debian package) and the ``bench`` extra. With ``--json`` the last line is one JSON
object. The run takes about 45 s with the default duration.
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

HERE = Path(__file__).resolve().parent
CONNECTIONS = 50
MANY_CONNECTIONS = 1000
WARM_UP = 1
START_TIMEOUT = 20.0


@attrs.frozen
class Case:
    name: str
    method: str
    path: str
    status: int
    body: bytes = b""


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


def run_case(server: Server, case: Case, duration: int, connections: int) -> dict[str, Any]:
    """One wrk run of `case` against `server` (after a warm-up), with the server's CPU."""
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
        _wrk(server, case, script.name, WARM_UP, connections)
        before = server.cpu_seconds()
        output = _wrk(server, case, script.name, duration, connections)
        cpu = server.cpu_seconds() - before
    figures = _parse_wrk(output)
    requests = figures.pop("requests")
    figures["cpu_us_per_request"] = round(cpu / max(requests, 1) * 1e6, 1)
    figures["requests"] = requests
    return figures


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
        "p50_ms": latency(50),
        "p99_ms": latency(99),
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
    parser.add_argument("--duration", type=int, default=4, help="seconds per case")
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
    with contextlib.ExitStack() as stack:
        running = [stack.enter_context(Server(name, argv)) for name, argv in servers.items()]
        for number, case in enumerate(CASES):
            # Back to back, first one then the other, so both meet the same background load.
            for server in running[:: 1 if number % 2 == 0 else -1]:
                results[case.name][server.name] = run_case(server, case, args.duration, CONNECTIONS)
        many = run_case(running[0], CASES[0], min(args.duration, 3), MANY_CONNECTIONS)
    for figures in results.values():
        engine, fastapi = figures["party_engine"], figures["fastapi"]
        figures["ratios"] = {
            "cpu_per_request": round(
                engine["cpu_us_per_request"] / fastapi["cpu_us_per_request"], 2
            ),
            "p99": round(engine["p99_ms"] / fastapi["p99_ms"], 2),
        }
    report = {
        "connections": CONNECTIONS,
        "duration_s": args.duration,
        "through_quart": args.through_quart,
        "cases": results,
        "connections_1000": {
            "errors": many["errors"],
            "requests_per_s": many["requests_per_s"],
            "p99_ms": many["p99_ms"],
        },
    }
    for name, figures in results.items():
        ours, theirs, ratios = figures["party_engine"], figures["fastapi"], figures["ratios"]
        print(
            f"{name:8} cpu/request {ours['cpu_us_per_request']:7.1f} us vs "
            f"{theirs['cpu_us_per_request']:7.1f} us ({ratios['cpu_per_request']:.2f}x), "
            f"p99 {ours['p99_ms']:.2f} vs {theirs['p99_ms']:.2f} ms "
            f"({ratios['p99']:.2f}x), req/s {ours['requests_per_s']} vs "
            f"{theirs['requests_per_s']}"
        )
    print(f"1000 connections: {many['errors']} errors, {many['requests_per_s']} req/s")
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
