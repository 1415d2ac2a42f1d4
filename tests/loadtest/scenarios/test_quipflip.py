"""The quipflip scenario plays parties from the lobby to the results."""

from __future__ import annotations

from load_runs import assert_clean, run_scenario

FAST_AI = {"PARTY_ENGINE_QUIPFLIP_AI_DELAY": "0"}


async def test_parties_reach_their_results() -> None:
    report = await run_scenario("quipflip", "quipflip", FAST_AI, players=3, duration=6, rate=200)
    assert_clean(report, "guest", "create", "join", "ready", "start", "prompt", "copy", "vote")
    assert report.counts["parties finished"] >= 1
    assert report.histograms["results"].count == report.counts["parties finished"]
