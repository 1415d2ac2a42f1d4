"""A Quipflip party in the browser: two people, each in a tab, and two AI players play the three
rounds (write, copy, vote) through the page and reach the results. AI players move at once
(``PARTY_ENGINE_QUIPFLIP_AI_DELAY=0``)."""

from __future__ import annotations

import re

from engine.apps.quipflip.app import app as quipflip

from browsing import NARROW, Browser, Tab, in_browser, served, skip_without_browser

pytestmark = skip_without_browser()

SETTINGS = {"PARTY_ENGINE_QUIPFLIP_AI_DELAY": "0"}


def _sign_in(tab: Tab, name: str) -> None:
    tab.page.get_by_label("Your name").fill(name)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.get_by_role("heading", name="Start a party").wait_for()


def _play_phase(tab: Tab, phase: str, turn: int) -> None:
    """Play every round this tab owes in ``phase``, as a person: start, read, write or pick."""
    page = tab.page
    page.wait_for_function("phase => document.body.dataset.phase === phase", arg=phase)
    done = 0
    owing = "() => [document.body.dataset.phase, document.body.dataset.owing]"
    while page.evaluate(owing) == [phase, "true"]:
        page.get_by_role("button", name=re.compile(r"^(Start|Next) \(")).click()
        page.locator("#round").wait_for()
        text = page.locator("#round-text").inner_text()
        if phase == "VOTE":
            page.keyboard.press("1")  # the first phrase offered
        else:
            # Each tab's copies differ from the other tab's: two copies of one original that
            # say the same are refused.
            copy = f"{tab.name} {'not' if done else 'so'}"
            writes = {"PROMPT": f"{tab.name} writes {turn}", "COPY": copy}
            page.locator("#phrase").fill(f"{writes[phase]} {text}"[:100])
            page.keyboard.press("Enter")
        page.locator("#round").wait_for(state="hidden")
        error = page.locator(".status.error")
        assert error.count() == 0, error.inner_text()
        done += 1
    assert done > 0, f"{tab.name} had nothing to play in {phase}"


def _party(browser: Browser) -> None:
    ada = browser.open("/quipflip/play/", "Ada")
    _sign_in(ada, "Ada")
    ada.page.get_by_label("Players needed to start").fill("4")
    ada.page.get_by_role("button", name="Create a party").click()
    ada.page.wait_for_function("document.getElementById('code').textContent.length === 8")
    code = ada.page.locator("#code").inner_text()

    bo = browser.open("/quipflip/play/", "Bo", viewport=NARROW)
    _sign_in(bo, "Bob")
    bo.page.get_by_label("Party code").fill(code.lower())
    bo.page.get_by_role("button", name="Join by code").click()
    bo.page.locator("#code", has_text=code).wait_for()

    for _ in range(2):
        ada.page.get_by_role("button", name="Add an AI player").click()
    ada.page.locator("#participants tbody tr").nth(3).wait_for()
    # Not everyone is ready: the start button waits, and says why.
    assert ada.page.get_by_role("button", name="Start the party").is_disabled()
    for tab in (ada, bo):
        tab.page.get_by_role("button", name="I'm ready").click()
    ada.page.locator("#progress", has_text="4 of 4 ready").wait_for()
    ada.shot("quipflip-1-lobby-ready")
    ada.page.get_by_role("button", name="Start the party").click()

    for turn, phase in enumerate(("PROMPT", "COPY", "VOTE")):
        for tab in (ada, bo):
            _play_phase(tab, phase, turn)
            if tab is bo:
                tab.shot(f"quipflip-{turn + 2}-{phase.lower()}-done-narrow")
    for tab in (ada, bo):
        tab.page.locator("#results-card").wait_for()
        tab.page.locator("#rankings tbody tr").nth(3).wait_for()
    ada.shot("quipflip-5-results")
    bo.shot("quipflip-6-results-narrow")


async def test_two_pages_and_ai_players_reach_the_results():
    async with served([quipflip], SETTINGS) as base_url:
        await in_browser(base_url, _party, limit=60)
