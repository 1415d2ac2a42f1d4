"""The liaptui scenario plays whole games: a table of four humans, and one human with bots."""

from __future__ import annotations

from load_runs import assert_clean, run_scenario

# No pacing, and players acting within a millisecond: against bots that answer at once, a
# player's moves can come faster than the 100 a second a connection may send by default.
FAST = {
    "PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0",
    "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0",
    "PARTY_ENGINE_LIAPTUI_RATE_LIMIT": "10000/1",
}


async def test_tables_of_humans_and_of_humans_with_bots_finish_games() -> None:
    # Groups of 4 and 1: the first a table of four humans, the second (an odd group) a table
    # of one human and three bots, quick enough to finish a game in the time even on a busy
    # machine (server and players share this process).
    report = await run_scenario("liaptui", "liaptui", FAST, players=5, duration=15, rate=1000)
    assert_clean(report, "create_room", "join_room", "start_game", "declare", "play")
    assert report.histograms["join_room"].count >= 5
    assert report.histograms["start_game"].count >= 2
    assert report.counts["games started"] >= 2
    assert report.counts["games finished"] >= 1
    assert report.peak_connections == 5
