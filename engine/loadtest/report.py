"""The figures of a run, from its windows: throughput, errors, latencies, the generator's load.

A `Report` is what ``party-engine loadtest`` prints, writes as JSON, draws (`charts`) and
compares with an earlier run's JSON (`compare`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .histogram import Histogram
from .metrics import Window, merge_by_second

__all__ = ["BUSY_GENERATOR", "ActionFigures", "Report", "compare"]

#: A generating process using more than this share of a core may be slowing its own players
#: down: its latencies then include its own queueing, and the report says so.
BUSY_GENERATOR = 0.8
PERCENTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))


@attrs.frozen
class ActionFigures:
    """One action's count, rate and latencies (milliseconds)."""

    count: int
    per_second: float
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, histogram: Histogram, seconds: float) -> ActionFigures:
        p50, p90, p99 = (1000 * histogram.percentile(f) for _, f in PERCENTILES)
        return cls(
            count=histogram.count,
            per_second=histogram.count / seconds,
            mean_ms=1000 * histogram.mean,
            p50_ms=p50,
            p90_ms=p90,
            p99_ms=p99,
            max_ms=1000 * histogram.maximum,
        )


@attrs.frozen
class Report:
    """A finished run. ``timeline`` holds one merged window per second; ``histograms`` every
    action's latencies over the whole run."""

    plan: Mapping[str, Any]
    started_at: float
    seconds: float
    timeline: Sequence[Window]
    histograms: Mapping[str, Histogram]

    @classmethod
    def of(cls, plan: Mapping[str, Any], started_at: float, windows: Sequence[Window]) -> Report:
        timeline = merge_by_second(windows)
        histograms: dict[str, Histogram] = {}
        for window in timeline:
            for action, histogram in window.actions.items():
                histograms.setdefault(action, Histogram()).merge(histogram)
        seconds = max(float(plan["duration"]), 1.0)
        return cls(plan, started_at, seconds, timeline, histograms)

    @property
    def actions(self) -> dict[str, ActionFigures]:
        return {
            name: ActionFigures.of(histogram, self.seconds)
            for name, histogram in sorted(self.histograms.items())
        }

    @property
    def action_count(self) -> int:
        return sum(histogram.count for histogram in self.histograms.values())

    @property
    def errors(self) -> Counter[str]:
        return sum((window.errors for window in self.timeline), Counter())

    @property
    def error_examples(self) -> dict[str, str]:
        examples: dict[str, str] = {}
        for window in self.timeline:
            for kind, example in window.examples.items():
                examples.setdefault(kind, example)
        return examples

    @property
    def counts(self) -> Counter[str]:
        return sum((window.counts for window in self.timeline), Counter())

    @property
    def peak_players(self) -> int:
        return max((window.players for window in self.timeline), default=0)

    @property
    def peak_connections(self) -> int:
        return max((window.connections for window in self.timeline), default=0)

    @property
    def generator(self) -> dict[str, float]:
        """How busy the generating processes were: CPU seconds over wall seconds, per process
        (1.0 is one core), on average over the run and in its busiest second."""
        shares = [w.cpu_seconds / w.processes for w in self.timeline if w.processes]
        cpu = sum(w.cpu_seconds for w in self.timeline)
        return {
            "processes": int(self.plan["workers"]),
            "cpu_seconds": cpu,
            "mean_core_share": cpu / self.seconds / int(self.plan["workers"]),
            "peak_core_share": max(shares, default=0.0),
        }

    @property
    def generator_busy(self) -> bool:
        return self.generator["mean_core_share"] > BUSY_GENERATOR

    def summary(self) -> dict[str, Any]:
        """The figures, without the per-second detail."""
        return {
            "scenario": self.plan["scenario"],
            "seconds": self.seconds,
            "players": self.plan["players"],
            "peak_players": self.peak_players,
            "peak_connections": self.peak_connections,
            "actions": self.action_count,
            "actions_per_second": self.action_count / self.seconds,
            "errors": sum(self.errors.values()),
            "by_action": {name: attrs.asdict(f) for name, f in self.actions.items()},
            "errors_by_kind": dict(self.errors.most_common()),
            "counts": dict(self.counts),
            "generator": self.generator,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": dict(self.plan),
            "started_at": self.started_at,
            "summary": self.summary(),
            "error_examples": self.error_examples,
            "histograms": {name: h.to_json() for name, h in sorted(self.histograms.items())},
            "timeline": [window.to_json() for window in self.timeline],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        return cls(
            plan=data["plan"],
            started_at=float(data["started_at"]),
            seconds=float(data["summary"]["seconds"]),
            timeline=[Window.from_json(window) for window in data["timeline"]],
            histograms={name: Histogram.from_json(h) for name, h in data["histograms"].items()},
        )


def _change(before: float, after: float, unit: str, *, lower_is_better: bool) -> str:
    delta = after - before
    percent = f" ({delta / before:+.0%})" if before else ""
    better = (delta < 0) == lower_is_better
    verdict = "" if abs(delta) < 1e-9 else ("  better" if better else "  worse")
    return f"{before:.2f} -> {after:.2f} {unit}{percent}{verdict}"


def compare(before: Report, after: Report) -> list[str]:
    """The differences between two runs, one line each: throughput, errors, and every
    action's latencies (actions found in one run only are named as such)."""
    lines = []
    if before.plan["scenario"] != after.plan["scenario"]:
        lines.append(f"scenario: {before.plan['scenario']} -> {after.plan['scenario']}")
    for key in ("players", "duration", "rate", "workers"):
        if before.plan[key] != after.plan[key]:
            lines.append(f"{key}: {before.plan[key]} -> {after.plan[key]}")
    b, a = before.summary(), after.summary()
    rate = _change(b["actions_per_second"], a["actions_per_second"], "/s", lower_is_better=False)
    lines.append(f"actions per second: {rate}")
    lines.append(f"errors: {b['errors']} -> {a['errors']}")
    for kind in sorted(set(b["errors_by_kind"]) | set(a["errors_by_kind"])):
        was, now = b["errors_by_kind"].get(kind, 0), a["errors_by_kind"].get(kind, 0)
        if was != now:
            lines.append(f"  {kind}: {was} -> {now}")
    old, new = before.actions, after.actions
    for name in sorted(set(old) | set(new)):
        if name not in new:
            lines.append(f"{name}: only in the earlier run")
        elif name not in old:
            lines.append(f"{name}: only in this run")
        else:
            for figure in ("p50_ms", "p90_ms", "p99_ms", "max_ms"):
                was, now = getattr(old[name], figure), getattr(new[name], figure)
                change = _change(was, now, "ms", lower_is_better=True)
                lines.append(f"{name} {figure[:-3]}: {change}")
    return lines
