"""``party-engine loadtest`` as a user runs it: a real process against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import trio

from served_process import start_serving


async def loadtest(*arguments: str) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "engine", "loadtest", *arguments]
    return await trio.run_process(command, capture_stdout=True, capture_stderr=True, check=False)


def summary(run: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    assert run.returncode == 0, run.stderr.decode()
    parsed: dict[str, Any] = json.loads(run.stdout.decode().splitlines()[-1])
    return parsed


async def test_a_target_off_this_machine_is_refused_without_allow_remote(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    run = await loadtest(
        "idle", "--url", "http://192.0.2.1/", "--players", "1", "--duration", "1",
        "--report", str(reports),
    )  # fmt: skip
    assert run.returncode != 0
    assert b"192.0.2.1 is not this machine: give --allow-remote" in run.stderr
    assert not reports.exists()


async def test_a_bad_plan_is_refused_before_anything_runs(tmp_path: Path) -> None:
    run = await loadtest(
        "idle", "--url", "http://127.0.0.1:9/", "--players", "0", "--duration", "1",
        "--report", str(tmp_path),
    )  # fmt: skip
    assert run.returncode != 0
    assert b"players must be from 1 to 200000, not 0" in run.stderr
    unknown = await loadtest("nope", "--url", "http://127.0.0.1:9/", "--players", "1",
                             "--duration", "1")  # fmt: skip
    assert b"no scenario 'nope'" in unknown.stderr


async def test_a_run_over_two_workers_writes_its_report_and_compares(tmp_path: Path) -> None:
    server, port = await start_serving("liaptui", "memory://", {})
    try:
        arguments = ["idle", "--url", f"http://127.0.0.1:{port}", "--players", "10"]
        arguments += ["--rate", "2", "--duration", "2", "--report", str(tmp_path), "--json"]
        first = summary(await loadtest(*arguments, "--workers", "2"))
        assert first["errors"] == 0
        assert first["peak_connections"] == 10
        assert first["by_action"]["ping"]["count"] >= 10
        assert first["generator"]["processes"] == 2
        report, latency, timeline, page = (Path(name) for name in first["files"])
        assert json.loads(report.read_text())["summary"]["actions"] == first["actions"]
        for png in (latency, timeline):
            assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert "data:image/png;base64," in page.read_text()

        await trio.sleep(1)  # the report's name has the second it started in
        second = summary(await loadtest(*arguments, "--compare", str(report)))
        assert "errors: 0 -> 0" in second["compared"]
        assert any(line.startswith("ping p99: ") for line in second["compared"])
    finally:
        server.terminate()
        await server.wait()
