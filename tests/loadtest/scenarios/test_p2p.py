"""The p2p scenario: a host heart-beating, its session's peers signaling each other."""

from __future__ import annotations

from load_runs import assert_clean, run_scenario


async def test_hosts_beat_and_peers_signal() -> None:
    report = await run_scenario("p2p", "p2p", players=3, duration=3, rate=5)
    assert_clean(report, "register", "zone", "session", "activate", "add_player", "join")
    assert report.histograms["heartbeat"].count >= 5
    assert report.histograms["signal"].count >= 3
    assert report.peak_connections == 2
