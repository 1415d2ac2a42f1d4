"""The P2P coordinator's page, smoke-tested in two tabs: one registers a host, creates a zone
and a session; the other opens the session's link; both join its signaling room, and the first
connects to the second: the offer, the answer and the ICE candidates go through the coordinator,
and the two tabs talk over their WebRTC data channel."""

from __future__ import annotations

from engine.apps.p2p.app import app as p2p

from browsing import NARROW, Browser, Tab, in_browser, served, skip_without_browser

pytestmark = skip_without_browser()


def _join_room(tab: Tab) -> str:
    peer = tab.page.get_by_label("Your peer id").input_value()
    tab.page.get_by_role("button", name="Join the signaling room").click()
    tab.page.get_by_text(f"You are in the room as {peer}").wait_for()
    return peer


def _signal(browser: Browser) -> None:
    host = browser.open("/p2p/play/", "host")
    host.page.get_by_role("button", name="Register").click()
    host.page.get_by_text("registered").wait_for()
    host.page.get_by_role("button", name="Create", exact=True).click()
    host.page.get_by_text("Zone prontera created").wait_for()
    host.page.get_by_role("button", name="Create a session").click()
    host.page.locator("#session-status", has_text="PENDING").wait_for()
    host.page.get_by_role("button", name="Activate").click()
    host.page.locator("#session-status", has_text="ACTIVE").wait_for()
    link = host.page.locator("#share").get_attribute("href")
    assert link is not None and "#session-" in link
    first = _join_room(host)

    guest = browser.open(link, "guest", viewport=NARROW)
    guest.page.locator("#session-status", has_text="ACTIVE").wait_for()
    guest.page.get_by_role("button", name="Add me as a player").click()
    guest.page.locator("#session-players", has_text="1 player(s)").wait_for()
    second = _join_room(guest)
    guest.page.locator("#peers li", has_text=first).wait_for()

    host.page.locator("#peers li", has_text=second).get_by_role("button", name="Connect").click()
    guest.page.locator("#log li", has_text=f"← offer from {first}").wait_for()
    host.page.locator("#log li", has_text=f"← answer from {second}").wait_for()
    host.page.locator("#log li", has_text=f"← candidate from {second}").first.wait_for()
    host.page.locator("#peers li", has_text="data channel open").wait_for()
    host.page.get_by_label("A message over the peer-to-peer data channel").fill("hello, peer")
    host.page.keyboard.press("Enter")
    guest.page.locator("#log li", has_text=f"{first} says: hello, peer").wait_for()
    host.shot("p2p-1-host-connected")
    guest.shot("p2p-2-guest-connected-narrow")


async def test_two_tabs_signal_through_a_session():
    async with served([p2p]) as base_url:
        await in_browser(base_url, _signal, limit=60)
