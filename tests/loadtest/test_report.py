"""Reports: figures from the windows of several processes, JSON, and comparisons."""

from __future__ import annotations

from collections import Counter

from engine.loadtest import Histogram, Report, compare
from engine.loadtest.metrics import Window

PLAN = {"scenario": "idle", "players": 2, "duration": 2.0, "rate": 1.0, "workers": 2}


def window(second: int, latencies: list[float], errors: int = 0) -> Window:
    histogram = Histogram()
    for latency in latencies:
        histogram.record(latency)
    return Window(
        second,
        players=1,
        connections=1,
        actions={"ping": histogram},
        errors=Counter({"ping: ReceiveTimeout": errors} if errors else {}),
        cpu_seconds=0.25,
    )


def test_the_windows_of_two_processes_add_up_by_second() -> None:
    report = Report.of(PLAN, 0.0, [window(0, [0.01]), window(0, [0.02]), window(1, [0.03], 2)])
    summary = report.summary()
    assert [w.second for w in report.timeline] == [0, 1]
    assert report.timeline[0].players == 2 and report.peak_connections == 2
    assert summary["actions"] == 3 and summary["actions_per_second"] == 1.5
    assert summary["errors_by_kind"] == {"ping: ReceiveTimeout": 2}
    assert summary["by_action"]["ping"]["max_ms"] == 30.0
    assert report.generator["cpu_seconds"] == 0.75
    assert report.generator["mean_core_share"] == 0.75 / 2 / 2


def test_json_round_trip_keeps_the_figures() -> None:
    report = Report.of(PLAN, 5.0, [window(0, [0.01, 0.02]), window(1, [0.04], 1)])
    again = Report.from_json(report.to_json())
    assert again.summary() == report.summary()


def test_compare_names_what_changed() -> None:
    before = Report.of(PLAN, 0.0, [window(0, [0.010] * 10)])
    after = Report.of({**PLAN, "players": 4}, 0.0, [window(0, [0.020] * 10, errors=3)])
    lines = compare(before, after)
    assert "players: 2 -> 4" in lines
    assert "errors: 0 -> 3" in lines
    assert "  ping: ReceiveTimeout: 0 -> 3" in lines
    p50 = next(line for line in lines if line.startswith("ping p50: "))
    assert p50.endswith("worse") and "(+100%)" in p50
