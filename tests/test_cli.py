"""``party-engine serve`` as a user runs it: a real process, real sockets, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import trio

from engine.cli import APPS, available_apps, parse_args
from engine.net.client import WebSocketClosed, open_client

HELPERS = Path(__file__).parent / "helpers"


def test_options_come_from_the_environment_and_flags_win():
    environ = {
        "PARTY_ENGINE_PORT": "9001",
        "PARTY_ENGINE_STORE": "memory://",
        "PARTY_ENGINE_APPS": "liaptui",
    }
    args = parse_args(["serve"], environ)
    assert (args.port, args.store, args.apps, args.host) == (
        9001,
        "memory://",
        ["liaptui"],
        "127.0.0.1",
    )
    args = parse_args(["serve", "--port", "9002", "--app", "watchparty"], environ)
    assert (args.port, args.apps) == (9002, ["watchparty"])
    assert not args.through_quart
    assert parse_args(["serve", "--through-quart"], environ).through_quart
    assert parse_args(["serve"], {"PARTY_ENGINE_THROUGH_QUART": "true"}).through_quart


def test_an_unusable_variable_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["serve"], {"PARTY_ENGINE_PORT": "70000"})
    assert "PARTY_ENGINE_PORT: cannot use '70000'" in capsys.readouterr().err


def test_dev_mode_from_the_flag_or_the_variable():
    assert not parse_args(["serve"], {}).dev
    assert parse_args(["serve", "--dev"], {}).dev
    assert parse_args(["serve"], {"PARTY_ENGINE_DEV": "1"}).dev


def run(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """``python -m engine ARGS`` to its end (it must not start serving)."""
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PARTY_ENGINE_LOG": "ERROR", **environ},
    )


def test_version():
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip().startswith("party-engine ")


def test_help_lists_every_option_its_default_its_variable_and_the_apps():
    # Wide enough that argparse wraps no line (it would break sqlite:///party-engine.db).
    done = run("serve", "--help", COLUMNS="1000")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for option, variable, default in [
        ("--host", "PARTY_ENGINE_HOST", "127.0.0.1"),
        ("--port", "PARTY_ENGINE_PORT", "8000"),
        ("--store", "PARTY_ENGINE_STORE", "sqlite:///party-engine.db"),
        ("--app", "PARTY_ENGINE_APPS", "every shipped app"),
        ("--through-quart", "PARTY_ENGINE_THROUGH_QUART", "off"),
        ("--dev", "PARTY_ENGINE_DEV", "off"),
        ("--cluster", "PARTY_ENGINE_CLUSTER", "none: a single node"),
    ]:
        assert option in text and variable in text and f"default: {default}" in text
    assert all(name in text for name in APPS)
    assert "PARTY_ENGINE_LOG" in text and "PARTY_ENGINE_LOG_FORMAT" in text
    assert "``" not in done.stdout


@pytest.fixture
def ports():
    """A port something listens on, and one nothing does (bound, so that it stays free)."""
    with socket.socket() as taken, socket.socket() as refusing:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        refusing.bind(("127.0.0.1", 0))
        yield {"PORT": str(taken.getsockname()[1]), "CLOSED": str(refusing.getsockname()[1])}


@pytest.mark.parametrize(
    ("args", "environ", "line"),
    [
        (
            ["--port", "PORT"],
            {},
            "party-engine: cannot listen on 127.0.0.1:PORT: the address is already in use",
        ),
        (
            [],
            {"PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "99"},
            "party-engine: PARTY_ENGINE_WATCHPARTY_BCRYPT_COST: cannot use '99': "
            "'bcrypt_cost' must be <= 31: 99",
        ),
        (
            [],
            {"PARTY_ENGINE_TRUSTED_PROXIES": "10.0.0.0/8, proxy"},
            "party-engine: PARTY_ENGINE_TRUSTED_PROXIES: cannot use '10.0.0.0/8, proxy': "
            "'proxy' is not an address or a network",
        ),
        (
            [],
            {"PARTY_ENGINE_LOG": "loud"},
            "party-engine: PARTY_ENGINE_LOG: cannot use 'loud': unknown log level 'loud': "
            "one of debug, info, warning, error, critical",
        ),
        (
            ["--store", "mysql://db/party"],
            {},
            "party-engine: cannot open the store mysql://db/party: "
            "unknown store scheme 'mysql' in 'mysql://db/party'",
        ),
        (
            ["--store", "sqlite:///no/such/directory/party.db"],
            {},
            "party-engine: cannot open the store sqlite:///no/such/directory/party.db: "
            "cannot open the database: unable to open database file",
        ),
        (
            ["--store", "postgresql://nobody@127.0.0.1:CLOSED/party"],
            {},
            "party-engine: cannot open the store postgresql://nobody@127.0.0.1:CLOSED/party: "
            "cannot open the database: connection failed:",
        ),
        (
            ["--cluster", "redis://127.0.0.1:CLOSED"],
            {},
            "party-engine: cannot join the cluster: cannot reach redis://127.0.0.1:CLOSED: "
            "Unable to establish a connection to 127.0.0.1:CLOSED",
        ),
        (
            ["--cluster", "redis://127.0.0.1:six"],
            {},
            "party-engine: cannot join the cluster: 'redis://127.0.0.1:six' is not a Redis URL: "
            "Port could not be cast to integer value as 'six'",
        ),
        (
            [],
            {"PARTY_ENGINE_CLUSTER": "127.0.0.1:6379"},
            "party-engine: cannot join the cluster: '127.0.0.1:6379' is not a Redis URL (redis://",
        ),
        (
            ["--app", "chess"],
            {},
            "party-engine: unknown app 'chess': the apps are lanrage, liaptui, p2p, quipflip, "
            "watchparty, or give package.module:attribute",
        ),
        (
            ["--app", "no_such_package.app:app"],
            {},
            "party-engine: --app no_such_package.app:app: no module named 'no_such_package'",
        ),
        (
            ["--app", "engine.cli:APPS"],
            {},
            "party-engine: --app engine.cli:APPS: dict is not an AppSpec",
        ),
        (
            ["--app", "engine.cli:no_such_app"],
            {},
            "party-engine: --app engine.cli:no_such_app: engine.cli has no 'no_such_app'",
        ),
    ],
    ids=[
        "port in use",
        "bad app setting",
        "bad engine setting",
        "bad log level",
        "unknown store scheme",
        "store directory missing",
        "store unreachable",
        "cluster unreachable",
        "cluster port malformed",
        "cluster URL without a scheme",
        "unknown app",
        "app module missing",
        "not an app",
        "no such attribute",
    ],
)
def test_a_start_up_failure_is_one_line_naming_its_cause(
    args: list[str], environ: dict[str, str], line: str, ports: dict[str, str]
) -> None:
    for name, port in ports.items():
        args = [arg.replace(name, port) for arg in args]
        line = line.replace(name, port)
    done = run("serve", "--app", "watchparty", "--store", "memory://", *args, **environ)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(line)


def test_a_bad_command_line_is_argparses_usage_and_status_2():
    done = run("serve", "--port", "eighty")
    assert done.returncode == 2
    assert "invalid int value: 'eighty'" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_shipped_app_is_available():
    assert set(available_apps()) == set(APPS)


async def start_server(*args: str, **environ: str) -> tuple[trio.Process, int]:
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "engine", "serve", "--port", "0", "--store", "memory://", *args],
        stdout=-1,
        env={**os.environ, "PARTY_ENGINE_LOG": "WARNING", **environ},
    )
    line = b""
    assert process.stdout is not None
    with trio.fail_after(30):
        while not line.endswith(b"\n"):
            chunk = await process.stdout.receive_some(256)
            assert chunk, "the server exited before it was ready"
            line += chunk
    return process, int(line.decode().rsplit(":", 1)[1])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_closes_websockets_with_1001_and_exits_0(sig):
    process, port = await start_server("--app", "liaptui")
    try:
        async with open_client(f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/health")).status_code == 200
            async with client.websocket("/ws/lobby") as ws:
                process.send_signal(sig)
                with pytest.raises(WebSocketClosed) as closed:
                    with trio.fail_after(10):
                        while True:
                            await ws.receive_json(timeout=10)
                assert closed.value.code == 1001
        with trio.fail_after(15):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_prefixed_when_serving_every_app():
    process, port = await start_server()
    try:
        async with open_client(f"http://127.0.0.1:{port}") as client:
            assert set((await client.get("/health")).json()["apps"]) == set(APPS)
            document = (await client.get("/openapi.json")).json()
            assert any(path.startswith("/liaptui/") for path in document["paths"])
    finally:
        process.send_signal(signal.SIGTERM)
        with trio.fail_after(15):
            assert await process.wait() == 0


async def test_an_app_of_ones_own_is_served_by_its_import_path():
    process, port = await start_server("--app", "notes_app:app", PYTHONPATH=str(HELPERS))
    try:
        async with open_client(f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/health")).json()["apps"] == ["notes"]
            created = await client.post("/notes", json={"text": "mine"})
            assert created.status_code == 201
    finally:
        process.send_signal(signal.SIGINT)
        with trio.fail_after(15):
            assert await process.wait() == 0


async def test_the_json_log_of_a_session():
    """A request, a WebSocket connection and a party's life, as one JSON object a line."""
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "engine", "serve", "--app", "party_app:app", "--port", "0"],
        stdout=-1,
        stderr=-1,
        env={
            **os.environ,
            "PYTHONPATH": str(HELPERS),
            "PARTY_ENGINE_STORE": "memory://",
            "PARTY_ENGINE_LOG": "info",
            "PARTY_ENGINE_LOG_FORMAT": "JSON",
            "PARTY_ENGINE_EXAMPLE_TTL": "1",  # the party finishes a second after it begins
        },
    )
    assert process.stdout is not None and process.stderr is not None
    stderr = process.stderr
    lines: list[dict[str, object]] = []
    buffer = b""

    async def read_until(predicate: Callable[[dict[str, object]], bool]) -> dict[str, object]:
        nonlocal buffer
        with trio.fail_after(30):
            while True:
                for line in lines:
                    if predicate(line):
                        return line
                chunk = await stderr.receive_some(65536)
                assert chunk, b"the server exited: " + buffer
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                lines.extend(json.loads(line) for line in complete)

    try:
        serving = b""
        with trio.fail_after(30):
            while not serving.endswith(b"\n"):
                serving += await process.stdout.receive_some(256)
        port = int(serving.decode().rsplit(":", 1)[1])
        async with open_client(f"http://127.0.0.1:{port}") as client:
            created = await client.post("/api/parties", json={"user": "ann", "title": "t"})
            code = created.json()["code"]
            async with client.websocket(f"/ws/{code}", params={"user": "ann"}) as ws:
                await ws.receive_until("welcome", timeout=10)
                await ws.write_json({"type": "say", "text": "hi"})
                await ws.receive_until("said", timeout=10)
        access = await read_until(lambda line: line["logger"] == "engine.access")
        assert access["level"] == "INFO"
        assert (access["method"], access["path"], access["status"]) == ("POST", "/api/parties", 201)
        assert access["request_id"] == created.headers["X-Request-ID"]
        assert access["client"] == "127.0.0.1"
        assert isinstance(access["duration_ms"], float)
        closed = await read_until(lambda line: line["logger"] == "engine.websocket")
        assert (closed["route"], closed["code"], closed["messages_in"]) == (f"/ws/{code}", 1000, 1)
        assert closed["messages_out"] == 2  # welcome, said
        created_line = await read_until(lambda line: "created" in str(line["message"]))
        finished = await read_until(lambda line: "finished" in str(line["message"]))
        for line in (created_line, finished):
            assert (line["logger"], line["kind"]) == ("engine.parties", "example.party")
            assert line["party"] == created_line["party"]
        assert all(line.keys() >= {"time", "level", "logger", "message"} for line in lines)
    finally:
        process.send_signal(signal.SIGINT)
        with trio.fail_after(15):
            assert await process.wait() == 0
