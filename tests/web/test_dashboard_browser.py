"""The dashboard in a real browser: a party appears, restarts after a crash, and goes.

Headless Chromium (Debian's ``chromium``: Playwright downloads nothing) opens ``/dashboard``
while a second tab, a member of a party, crashes the party and then ends it. Screenshots go to
``test-artifacts/browser/`` (gitignored): ``dashboard-login.png`` (the token form after a wrong
token), ``dashboard-room.png`` (the party with its member), ``dashboard-crash.png`` (its
restart and the crash's reason), ``dashboard-gone.png`` (no party left, the crash still shown on
its supervisor) and ``dashboard-narrow.png`` (the same on a phone's width).

The server runs in this test's Trio loop; Playwright's synchronous API has an event loop of its
own, so it runs in a worker thread. Every wait is bounded, and the whole test too.
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio

from engine.testing import serve_apps

import crash_app
import party_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
TOKEN = "browser-test-token"
STEP_TIMEOUT_MS = 15_000

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"
)

# Creates a party as "ann"; its join code.
CREATE = """async () => {
  const response = await fetch("/rooms/api/parties", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({user: "ann", title: "Table"}),
  });
  return (await response.json()).code;
}"""
# Opens the member's socket in the page and resolves once the party welcomed it.
JOIN = """(url) => new Promise((resolve, reject) => {
  window.member = new WebSocket(url);
  window.member.onmessage = (event) => {
    if (JSON.parse(event.data).type === "welcome") resolve();
  };
  window.member.onerror = () => reject(new Error("the member's socket failed"));
})"""


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def drive(base_url: str) -> list[str]:
    """Watch the party's life on the dashboard; what went wrong in the pages, if anything."""
    expect = playwright_api.expect
    problems: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(base_url=base_url, viewport={"width": 1280, "height": 900})
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.goto("/")
            page.get_by_role("link", name="dashboard").click()
            expect(page.get_by_label("This dashboard needs its token")).to_be_focused()
            # From here on (the index's missing favicon is not the dashboard's business).
            page.on(
                "console",
                lambda message: (
                    problems.append(f"console: {message.text}") if message.type == "error" else None
                ),
            )

            # No token yet: the form. A wrong one is refused, the right one opens the board.
            page.get_by_label("This dashboard needs its token").fill("wrong")
            page.get_by_role("button", name="Open").click()
            expect(page.get_by_role("alert")).to_have_text("That token was refused.")
            shot(page, "dashboard-login")
            page.get_by_label("This dashboard needs its token").fill(TOKEN)
            page.get_by_role("button", name="Open").click()
            expect(page.locator("#status")).to_contain_text("live")
            expect(page.locator("#login")).to_be_hidden()
            app = page.locator('[data-app="rooms"]')
            expect(app).to_contain_text("0 parties")

            member = browser.new_page(base_url=base_url)
            member.set_default_timeout(STEP_TIMEOUT_MS)
            member.goto("/health")
            code = member.evaluate(CREATE)
            party_id = party_app.CODES.parse(code)
            assert party_id is not None, code
            ws_url = base_url.replace("http", "ws", 1) + f"/rooms/ws/{code}?user=ann"
            member.evaluate(JOIN, ws_url)

            party = app.locator(f'tr[data-party="{party_id}"]')
            expect(party).to_contain_text("ann")
            expect(app).to_contain_text("1 party")
            expect(page.locator("#routes")).to_contain_text("/rooms/ws/{code}")
            expect(page.locator('tr[data-kind="CrashyParty"]')).to_be_visible()
            shot(page, "dashboard-room")

            member.evaluate("() => window.member.send(JSON.stringify({type: 'crash'}))")
            reason = f"RuntimeError: party {party_id} crashed on demand"
            expect(party).to_contain_text(reason)
            cells = party.locator("td")
            expect(cells.nth(5)).to_have_text("1")  # restarts
            expect(cells.nth(6)).to_have_text("1")  # crashes
            expect(party).to_contain_text("ann")  # the member stayed
            shot(page, "dashboard-crash")

            member.evaluate("() => window.member.send(JSON.stringify({type: 'finish'}))")
            expect(party).to_have_count(0)
            expect(app).to_contain_text("0 parties")
            supervisor = page.locator('[data-supervisor="crashy.room.parties"]')
            expect(supervisor.locator(":scope > .crash")).to_contain_text(reason)
            shot(page, "dashboard-gone")

            page.set_viewport_size({"width": 390, "height": 844})
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"the page is {width} px wide on a 390 px screen"
            shot(page, "dashboard-narrow")
        finally:
            browser.close()
    return problems


async def test_the_dashboard_shows_a_party_appear_restart_and_go() -> None:
    environ = {"PARTY_ENGINE_DASHBOARD_TOKEN": TOKEN}
    async with serve_apps([crash_app.rooms], environ=environ, prefixed=True) as served:
        with trio.fail_after(90):
            problems = await trio.to_thread.run_sync(
                partial(drive, served.base_url), abandon_on_cancel=True
            )
    assert problems == []
