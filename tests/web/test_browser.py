"""A real browser opens the index and the API explorer (headless Chromium driven by
Playwright), and saves screenshots of both under ``test-artifacts/browser/`` (gitignored).

Debian's ``chromium`` is used (``.ci/run`` installs it); Playwright downloads nothing. Skipped,
saying why, when either is missing. The server is ``party-engine serve`` in a subprocess, as a
user runs it: Playwright's synchronous API runs its own event loop, so this test is not a Trio
one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"
)


@pytest.fixture
def server() -> Iterator[str]:
    """``party-engine serve`` on a free port with every app; its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "serve", "--port", "0", "--store", "memory://"],
        stdout=subprocess.PIPE,
        env={**os.environ, "PARTY_ENGINE_LOG": "WARNING"},
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()  # "party-engine serving ... on http://127.0.0.1:PORT"
        assert " on http://" in ready, f"the server did not start: {ready!r}"
        yield ready.rsplit(" on ", 1)[1].strip()
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0


@pytest.fixture
def page(server: str) -> Iterator[object]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(base_url=server, viewport={"width": 1280, "height": 900})
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            yield page
            assert failed == [], f"requests that failed: {failed}"
        finally:
            browser.close()


def test_the_index_and_the_explorer_render(page) -> None:
    page.goto("/")
    apps = page.locator("#apps")
    playwright_api.expect(apps).to_contain_text("Liap Tui")
    playwright_api.expect(apps).to_contain_text("WatchParty")
    page.screenshot(path=ARTIFACTS / "index.png", full_page=True)

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.locator("#apps tr", has_text="WatchParty").get_by_role("link", name="API explorer").click()
    operation = page.locator(".opblock-summary-path", has_text="/watchparty/api/sessions/create")
    playwright_api.expect(operation).to_be_visible(timeout=15_000)
    page.screenshot(path=ARTIFACTS / "explorer.png", full_page=True)
    origin = page.url.split("/docs")[0]
    assert requested and all(url.startswith(origin) for url in requested), requested
