"""Two people in a watch party, each in a browser tab: the host creates it, the guest joins
through the shared link, they chat, and the guest's position follows the host's playback."""

from __future__ import annotations

from engine.apps.watchparty.app import app as watchparty

from browsing import NARROW, Browser, Tab, in_browser, served, skip_without_browser

pytestmark = skip_without_browser()


def _position(tab: Tab) -> float:
    return float(tab.page.locator("#position").get_attribute("data-seconds") or "nan")


def _watch_together(browser: Browser) -> None:
    host = browser.open("/watchparty/play/", "host")
    host.page.get_by_label("Name of the session").fill("Movie night")
    host.page.locator("#create-form").get_by_label("Password").fill("popcorn")
    host.page.get_by_role("button", name="Create; I am the host").click()
    host.page.get_by_text("Session created").wait_for()
    link = host.page.locator("#share").get_attribute("href")
    assert link is not None and "#" in link

    guest = browser.open(link, "guest", viewport=NARROW)
    guest.page.locator("#join-form").get_by_label("Password").fill("popcorn")
    guest.page.get_by_role("button", name="Join").click()
    guest.page.locator("#session-name", has_text="Movie night").wait_for()
    host.page.locator("#participants li").nth(1).wait_for()
    guest_name = guest.page.locator("#who").inner_text().removeprefix("You are ")

    host.page.get_by_label("Message (Enter sends)").fill("Popcorn ready?")
    host.page.keyboard.press("Enter")
    guest.page.locator("#chat li", has_text="Popcorn ready?").wait_for()
    guest.page.get_by_label("Message (Enter sends)").fill("Ready!")
    guest.page.get_by_role("button", name="Send").click()
    host.page.locator("#chat li", has_text=f"{guest_name}: Ready!").wait_for()

    # The host plays from 1:00 (typed), then skips 10 s with the keyboard.
    host.page.get_by_label("Position to go to").fill("1:00")
    host.page.get_by_role("button", name="Go").click()
    host.page.get_by_role("button", name="Play").click()
    host.page.locator("#chat").click()  # away from the fields: keys drive the playback
    host.page.keyboard.press("ArrowRight")
    guest.page.locator("#play-state", has_text="playing").wait_for()
    guest.page.wait_for_function(
        "() => Number(document.getElementById('position').dataset.seconds) >= 70"
    )
    assert abs(_position(guest) - _position(host)) < 2
    host.shot("watchparty-1-host-playing")
    guest.shot("watchparty-2-guest-following-narrow")

    host.page.keyboard.press(" ")
    guest.page.locator("#play-state", has_text="paused").wait_for()
    paused_at = _position(host)
    guest.page.wait_for_function(
        "at => Math.abs(Number(document.getElementById('position').dataset.seconds) - at) < 0.5",
        arg=paused_at,
    )
    # A reload keeps the seat and comes back in step with the host.
    guest.page.reload()
    guest.page.locator("#chat li", has_text="Popcorn ready?").wait_for()
    guest.page.wait_for_function(
        "at => Math.abs(Number(document.getElementById('position').dataset.seconds) - at) < 0.5",
        arg=paused_at,
    )
    assert guest.page.locator("#who").inner_text() == f"You are {guest_name}"
    guest.shot("watchparty-3-guest-after-reload")

    # A guest has no controls of the playback; a wrong password is told, in words.
    assert guest.page.locator("#host-controls").is_hidden()
    stranger = browser.open(link, "stranger")
    stranger.page.locator("#join-form").get_by_label("Password").fill("butter")
    stranger.page.get_by_role("button", name="Join").click()
    refusal = stranger.page.locator(".status.error")
    refusal.wait_for()
    assert "password" in refusal.inner_text().lower(), refusal.inner_text()
    stranger.shot("watchparty-4-wrong-password")


async def test_two_pages_chat_and_follow_the_hosts_playback():
    async with served([watchparty]) as base_url:
        await in_browser(base_url, _watch_together, limit=60)
