"""The lanrage scenario: nodes creating a party, joining, beating, leaving."""

from __future__ import annotations

import pytest

from load_runs import assert_clean, run_scenario

TOKEN = "load-test-control-token"


async def test_parties_are_created_joined_and_disbanded(monkeypatch: pytest.MonkeyPatch) -> None:
    # The simulated nodes read the token from the variable a node reads.
    monkeypatch.setenv("PARTY_ENGINE_LANRAGE_CONTROL_TOKEN", TOKEN)
    environ = {"PARTY_ENGINE_LANRAGE_CONTROL_TOKEN": TOKEN}
    report = await run_scenario("lanrage", "lanrage", environ, players=4, duration=3, rate=10)
    assert_clean(report, "create", "join", "heartbeat", "leave")
    assert report.counts["parties disbanded"] >= 1
    assert report.histograms["leave"].count >= 4 * report.counts["parties disbanded"]


async def test_without_the_token_every_party_is_refused() -> None:
    environ = {"PARTY_ENGINE_LANRAGE_CONTROL_TOKEN": TOKEN}
    report = await run_scenario("lanrage", "lanrage", environ, players=1, duration=1.5)
    assert set(report.errors) == {"create: HTTP 401"}
    assert not report.histograms
