"""The fan-out scenario: one sender, every other member of the room timing each delivery."""

from __future__ import annotations

from load_runs import assert_clean, run_scenario

CHEAP_PASSWORDS = {"PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4"}


async def test_each_message_reaches_every_other_member() -> None:
    report = await run_scenario(
        "watchparty", "fanout", CHEAP_PASSWORDS, players=5, group_size=5, duration=4, rate=1.5
    )
    assert_clean(report, "delivery")
    sent = report.counts["sent"]
    assert sent >= 2
    # Four receivers each; the last messages may still be on their way when the run stops.
    deliveries = report.histograms["delivery"].count
    assert max(4, 4 * (sent - 2)) <= deliveries <= 4 * sent
