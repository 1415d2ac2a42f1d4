"""The README's programs run as a reader would run them: the embedding example as a process
stopped with Ctrl-C, the example test module of an app of one's own under pytest.

Fenced blocks whose info string is ``python program`` are programs that serve until SIGINT and
print ``serving on http://...`` once listening; ``python pytest`` blocks are test modules,
run by pytest with the engine's plugin as installed (``trio_mode = true``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import trio

from engine.net.client import open_client

README = Path(__file__).resolve().parents[2] / "README.md"


def blocks(kind: str) -> list[str]:
    fence = re.compile(rf"^```python {kind}[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
    found = fence.findall(README.read_text(encoding="utf-8"))
    assert found, f"the README has no python {kind} block"
    return found


async def test_the_embedding_example_serves_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    (program,) = blocks("program")
    script = tmp_path / "embedded.py"
    script.write_text(program)
    process = await trio.lowlevel.open_process(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        output = b""
        with trio.fail_after(30):
            while b"\n" not in output:
                chunk = await process.stdout.receive_some(256)
                assert chunk, "the example exited before serving"
                output += chunk
        serving = output.decode().splitlines()[0]
        assert serving.startswith("serving on http://127.0.0.1:")
        async with open_client(serving.removeprefix("serving on ")) as client:
            answer = await client.get("/api/hello", params={"name": "you"})
            assert answer.json() == {"hello": "you"}
        process.send_signal(signal.SIGINT)
        with trio.fail_after(15):
            while chunk := await process.stdout.receive_some(256):
                output += chunk
            errors = b""
            while chunk := await process.stderr.receive_some(4096):
                errors += chunk
            assert await process.wait() == 0
        assert output.decode().splitlines()[1:] == ["stopped"]
        assert errors == b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_the_example_test_module_passes(tmp_path: Path) -> None:
    (module,) = blocks("pytest")
    (tmp_path / "test_notes.py").write_text(module)
    (tmp_path / "pytest.ini").write_text("[pytest]\ntrio_mode = true\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("PARTY_ENGINE_")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
