"""``party-engine serve`` as a user runs it: a real process, real sockets, real signals."""

from __future__ import annotations

import os
import signal
import sys

import pytest
import trio

from engine.cli import APPS, available_apps, parse_args
from engine.net.client import WebSocketClosed, open_client


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


def test_every_shipped_app_is_available():
    assert set(available_apps()) == set(APPS)


async def start_server(*args: str) -> tuple[trio.Process, int]:
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "engine", "serve", "--port", "0", "--store", "memory://", *args],
        stdout=-1,
        env={**os.environ, "PARTY_ENGINE_LOG": "WARNING"},
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
