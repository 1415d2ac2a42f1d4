"""The watchparty scenario: a session of ten chatting, its host sending playback."""

from __future__ import annotations

from load_runs import assert_clean, run_scenario

CHEAP_PASSWORDS = {"PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4"}


async def test_a_session_of_ten_chats() -> None:
    report = await run_scenario(
        "watchparty", "watchparty", CHEAP_PASSWORDS, players=10, duration=3, rate=1.5
    )
    assert_clean(report, "create", "join", "connect", "chat")
    assert report.histograms["create"].count == 1
    assert report.histograms["join"].count == 9
    assert report.histograms["chat"].count >= 10
    assert report.peak_connections == 10
