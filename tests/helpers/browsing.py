"""Playable pages in a real browser: the engine served in this test's Trio loop, Chromium driven
by Playwright from a worker thread.

Playwright's synchronous API runs an event loop of its own, so it cannot run on the test's Trio
thread; the server can, and does (``serve_apps``), so a page test is an ordinary Trio test,
bounded with ``trio.fail_after``. Debian's ``chromium`` is used (``.ci/run`` installs it);
Playwright downloads nothing. `skip_without_browser` skips, saying why, when either is missing.

Every tab records the page's uncaught errors, console errors and assets (not API calls) answered
with an error; `in_browser` fails the test if there were any. Screenshots go to
``test-artifacts/browser/`` (gitignored), named by the test.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio

from engine.testing import serve_apps
from engine.web import AppSpec

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
#: A phone's width: every page must work on it.
NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
#: Every tab is someone's foreground tab: none is throttled as a background one would be.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
#: How long one wait of Playwright's may take (a page's step, not a whole game).
STEP_TIMEOUT_MS = 15_000


def skip_without_browser() -> Any:
    """A mark skipping a test when Playwright or Chromium is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return pytest.mark.skip(reason="Playwright for Python is not installed")
    return pytest.mark.skipif(
        CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"
    )


@attrs.define(eq=False)
class Tab:
    """One person's tab: its Playwright page, and what went wrong in it."""

    page: Any
    name: str
    problems: list[str] = attrs.field(factory=list)

    def console(self, message: Any) -> None:
        # The browser logs every answer >= 400 as "Failed to load resource": an API's refusal
        # is the page's business (it shows it); a missing asset is caught by `response`.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")

    def response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type not in ("fetch", "xhr"):
            self.problems.append(f"{response.status} for {response.url}")

    def shot(self, name: str) -> None:
        """Save a screenshot as ``test-artifacts/browser/<name>.png``."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@attrs.define(eq=False)
class Browser:
    """A Chromium whose tabs are separate people (a browser context each: own storage)."""

    browser: Any
    base_url: str
    tabs: list[Tab] = attrs.field(factory=list)

    def open(self, path: str, name: str, *, viewport: Mapping[str, int] = WIDE) -> Tab:
        context = self.browser.new_context(base_url=self.base_url, viewport=dict(viewport))
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        tab = Tab(page, name)
        page.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))
        # Lambdas: Playwright marks its handlers, which a bound method cannot carry.
        page.on("console", lambda message: tab.console(message))
        page.on("response", lambda response: tab.response(response))
        page.goto(path)
        self.tabs.append(tab)
        return tab

    def problems(self) -> list[str]:
        return [f"{tab.name}: {problem}" for tab in self.tabs for problem in tab.problems]


def _drive(base_url: str, work: Callable[[Browser], None]) -> list[str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        browser = Browser(chromium, base_url)
        try:
            work(browser)
            return browser.problems()
        except Exception:
            for tab in browser.tabs:  # what each person saw when the test failed
                tab.shot(f"failed-{tab.name}")
            raise
        finally:
            chromium.close()


@asynccontextmanager
async def served(
    apps: Sequence[AppSpec], environ: Mapping[str, str] | None = None
) -> AsyncIterator[str]:
    """``apps`` served under their prefixes on a loopback port; its base URL."""
    async with serve_apps(apps, environ=environ, prefixed=True) as server:
        yield server.base_url


async def in_browser(base_url: str, work: Callable[[Browser], None], *, limit: float) -> None:
    """Run ``work`` with a fresh Chromium, in a worker thread, within ``limit`` seconds; fail if
    a page logged an error. Past the limit the thread is abandoned: each of its waits is bounded
    (`STEP_TIMEOUT_MS`), so it ends by itself soon after the server stops."""
    with trio.fail_after(limit):
        problems = await trio.to_thread.run_sync(
            partial(_drive, base_url, work), abandon_on_cancel=True
        )
    assert problems == [], problems
