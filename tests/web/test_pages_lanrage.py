"""LANrage's page, smoke-tested on two nodes (two engines in this process, the second using the
first's control plane): one tab hosts a party on the first node, another joins it through the
second, both see the two peers; a wrong party id is refused in words; leaving and disbanding
show on both pages."""

from __future__ import annotations

from engine.apps.lanrage.app import app as lanrage

from browsing import NARROW, Browser, in_browser, served, skip_without_browser

pytestmark = skip_without_browser()

FAST = {
    "PARTY_ENGINE_LANRAGE_HEARTBEAT_INTERVAL": "0.2",
    "PARTY_ENGINE_LANRAGE_CONTROL_TOKEN": "t0k",
}


def _party_night(browser: Browser, second_url: str) -> None:
    host = browser.open("/lanrage/play/", "host")
    host.page.locator("#node", has_text="no party").wait_for()
    host.page.get_by_label("Party name").fill("Gaming Night")
    host.page.get_by_role("button", name="Create the party").click()
    host.page.locator("#party-name", has_text="Gaming Night").wait_for()
    party_id = host.page.locator("#party-id").inner_text()
    assert len(party_id) == 12

    guest = browser.open(f"{second_url}/lanrage/play/", "guest", viewport=NARROW)
    guest.page.get_by_label("Party id").fill("0123456789ab")
    guest.page.get_by_label("Your name in the party").fill("Alice")
    guest.page.get_by_role("button", name="Join").click()
    guest.page.locator(".status.error", has_text="Party not found").wait_for()
    guest.page.get_by_label("Party id").fill(party_id)
    guest.page.get_by_role("button", name="Join").click()
    guest.page.get_by_text("your address is 10.66.0.2").wait_for()
    guest.page.locator("#peers tr", has_text="Alice (you)").wait_for()
    host.page.locator("#peers tr", has_text="Alice").wait_for()  # within a heartbeat
    host.page.locator("#peers tr", has_text="Host (host) (you)").wait_for()
    host.shot("lanrage-1-host-with-a-guest")
    guest.shot("lanrage-2-guest-joined-narrow")

    guest.page.get_by_role("button", name="Leave").click()
    guest.page.locator("#node", has_text="no party").wait_for()
    host.page.locator("#peer-count", has_text="1 peer(s)").wait_for()
    host.page.get_by_role("button", name="Disband the party").click()
    host.page.locator("#node", has_text="no party").wait_for()
    host.shot("lanrage-3-after-disbanding")


async def test_a_party_is_created_joined_and_left_from_the_page():
    async with served([lanrage], FAST) as first_url:
        second = {**FAST, "PARTY_ENGINE_LANRAGE_CONTROL_URL": f"{first_url}/lanrage"}
        async with served([lanrage], second) as second_url:
            await in_browser(first_url, lambda browser: _party_night(browser, second_url), limit=60)
