"""A run's report as files: JSON, two PNG charts, and one self-contained HTML page.

The charts are drawn by matplotlib with its Agg backend (no display needed); the HTML page
embeds them as data URLs, so it can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import time
from pathlib import Path

import attrs
import matplotlib

matplotlib.use("Agg")  # headless: no display, no GUI toolkit

from matplotlib.figure import Figure

from .histogram import Histogram
from .report import Report

__all__ = ["ReportFiles", "write_report"]

#: Actions drawn in each chart (the most frequent): more lines are unreadable.
_DRAWN_ACTIONS = 6


@attrs.frozen
class ReportFiles:
    json: Path
    latency_png: Path
    timeline_png: Path
    html: Path


def _latency_figure(report: Report) -> Figure:
    figure = Figure(figsize=(9, 4.5), layout="constrained")
    axes = figure.subplots()
    samples = [bin for h in report.histograms.values() for bin in h.bins()]
    if samples:
        low = min(upper for upper, _ in samples)
        high = max(upper for upper, _ in samples)
        # Ten bins a decade: the 2 % buckets regrouped, so the shape shows rather than noise.
        decades = max(math.log10(high / low), 0.1)
        edges = [1000 * low * 10 ** (i / 10) for i in range(-1, math.ceil(10 * decades) + 2)]
        for name, histogram in _busiest(report):
            bins = histogram.bins()
            axes.hist(
                [1000 * upper for upper, _ in bins],
                bins=edges,
                weights=[count for _, count in bins],
                histtype="step",
                linewidth=1.5,
                label=f"{name} ({histogram.count})",
            )
        axes.set_xscale("log")
        axes.legend(fontsize="small")
    axes.set_xlabel("latency (ms)")
    axes.set_ylabel("actions")
    axes.set_title(f"{report.plan['scenario']}: latency by action")
    return figure


def _busiest(report: Report) -> list[tuple[str, Histogram]]:
    """The actions drawn: the most frequent few, so that a chart stays readable."""
    ranked = sorted(report.histograms.items(), key=lambda item: -item[1].count)
    return sorted(ranked[:_DRAWN_ACTIONS])


def _timeline_figure(report: Report) -> Figure:
    figure = Figure(figsize=(9, 6), layout="constrained")
    load, latency = figure.subplots(2, 1, sharex=True)
    seconds = [window.second + 1 for window in report.timeline]
    load.plot(seconds, [w.action_count for w in report.timeline], label="actions/s")
    load.plot(seconds, [sum(w.errors.values()) for w in report.timeline], label="errors/s")
    load.set_ylabel("per second")
    players = load.twinx()
    players.plot(
        seconds, [w.connections for w in report.timeline], color="grey", label="connections"
    )
    players.set_ylabel("open connections")
    load.legend(loc="upper left", fontsize="small")
    players.legend(loc="upper right", fontsize="small")
    for name, _ in _busiest(report):
        values = [
            1000 * w.actions[name].percentile(0.99) if name in w.actions else None
            for w in report.timeline
        ]
        latency.plot(seconds, values, label=name, marker=".", linewidth=1)
    latency.set_ylabel("p99 latency (ms)")
    latency.set_xlabel("second of the run")
    if report.histograms:
        latency.set_yscale("log")
        latency.legend(fontsize="x-small", ncol=3)
    load.set_title(f"{report.plan['scenario']}: over time")
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _html(report: Report, latency_png: bytes, timeline_png: bytes) -> str:
    summary = report.summary()

    def row(cells: list[object], tag: str = "td") -> str:
        return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"

    plan = "".join(row([key, value]) for key, value in report.plan.items())
    actions = row(["action", "count", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms"], "th")
    for name, f in report.actions.items():
        cells = [f.count, f"{f.per_second:.1f}"]
        cells += [f"{v:.2f}" for v in (f.p50_ms, f.p90_ms, f.p99_ms, f.max_ms)]
        actions += row([name, *cells])
    examples = report.error_examples
    errors = row(["kind", "count", "first seen"], "th") + "".join(
        row([kind, count, examples.get(kind, "")]) for kind, count in report.errors.most_common()
    )
    counts = "".join(row([name, count]) for name, count in sorted(report.counts.items()))
    generator = report.generator
    busy = " (busy: its own delays are in the latencies)" if report.generator_busy else ""
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(report.started_at))

    def image(png: bytes, alt: str) -> str:
        return f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'

    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>party-engine loadtest: {html.escape(str(report.plan["scenario"]))}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 960px; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }}
td:first-child {{ text-align: left; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>Load test: {html.escape(str(report.plan["scenario"]))}</h1>
<p>Started {started}; {report.seconds:g} s; {summary["actions"]} actions
({summary["actions_per_second"]:.1f}/s), {summary["errors"]} errors; at most
{summary["peak_players"]} players and {summary["peak_connections"]} connections.</p>
<p>Generator: {generator["processes"]} process(es), {generator["mean_core_share"]:.0%} of a core
each on average, {generator["peak_core_share"]:.0%} in the busiest second{busy}.</p>
<h2>Plan</h2><table>{plan}</table>
<h2>Latency by action</h2><table>{actions}</table>
<h2>Errors by kind</h2><table>{errors}</table>
<h2>Events</h2><table>{counts}</table>
{image(latency_png, "latency histogram")}
{image(timeline_png, "time series")}
</body></html>
"""


def write_report(report: Report, directory: Path) -> ReportFiles:
    """Write the report into ``directory`` (created if need be) as
    ``<scenario>-<UTC time>.json``, ``...-latency.png``, ``...-timeline.png`` and ``.html``."""
    directory.mkdir(parents=True, exist_ok=True)
    name = str(report.plan["scenario"]).replace(":", "-").replace("/", "-")
    stem = f"{name}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(report.started_at))}"
    files = ReportFiles(
        directory / f"{stem}.json",
        directory / f"{stem}-latency.png",
        directory / f"{stem}-timeline.png",
        directory / f"{stem}.html",
    )
    latency_png, timeline_png = _png(_latency_figure(report)), _png(_timeline_figure(report))
    files.json.write_text(json.dumps(report.to_json(), indent=1) + "\n")
    files.latency_png.write_bytes(latency_png)
    files.timeline_png.write_bytes(timeline_png)
    files.html.write_text(_html(report, latency_png, timeline_png), encoding="utf-8")
    return files
