"""The idle scenario holds its connections, a heartbeat now and then."""

from __future__ import annotations

from load_runs import assert_clean, run_scenario


async def test_connections_are_held_and_heartbeats_answered() -> None:
    report = await run_scenario("liaptui", "idle", players=20, duration=2, rate=2)
    assert_clean(report, "connect", "ping")
    assert report.histograms["connect"].count == 20
    assert report.peak_connections == 20
    assert report.histograms["ping"].count >= 20
