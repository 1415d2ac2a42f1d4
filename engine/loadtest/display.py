"""The live view of a run in the terminal (rich): players, actions a second, errors, latencies.

Redrawn twice a second on standard error, so that standard output keeps only the results
(``--json`` prints its object there). Off a terminal, rich draws only the last view.
"""

from __future__ import annotations

import time

import trio
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from .run import Progress

__all__ = ["show_progress"]

_REFRESH = 0.5


def _view(progress: Progress) -> Group:
    plan = progress.plan
    latest = progress.latest()
    elapsed = min(max(time.time() - progress.started_at, 0.0), plan.duration)
    head = Table.grid(padding=(0, 2))
    head.add_row(
        f"[bold]{plan.scenario}[/] {elapsed:5.0f}/{plan.duration:g} s",
        f"players {latest.players if latest else 0}/{plan.players}",
        f"connections {latest.connections if latest else 0}",
        f"actions/s {latest.action_count if latest else 0}",
        f"errors {sum(progress.errors.values())}",
    )
    if latest is not None and latest.processes:
        head.add_row(f"generator CPU {latest.cpu_seconds / latest.processes:.0%} of a core")
    actions = Table("action", "count", "p50 ms", "p90 ms", "p99 ms", "max ms", box=None)
    for name, histogram in sorted(progress.histograms.items()):
        actions.add_row(
            name,
            str(histogram.count),
            *(f"{1000 * histogram.percentile(f):.1f}" for f in (0.5, 0.9, 0.99)),
            f"{1000 * histogram.maximum:.1f}",
        )
    parts: list[Table] = [head, actions]
    if progress.errors:
        errors = Table("error", "count", box=None, style="red")
        for kind, count in progress.errors.most_common(10):
            errors.add_row(kind, str(count))
        parts.append(errors)
    if progress.counts:
        events = Table("event", "count", box=None)
        for event, count in sorted(progress.counts.items()):
            events.add_row(event, str(count))
        parts.append(events)
    return Group(*parts)


async def show_progress(progress: Progress) -> None:
    """Draw ``progress`` until cancelled (at the end of the run), then once more."""
    console = Console(stderr=True)
    with Live(_view(progress), console=console, auto_refresh=False) as live:
        try:
            while True:
                await trio.sleep(_REFRESH)
                live.update(_view(progress), refresh=True)
        finally:
            live.update(_view(progress), refresh=True)
            if not console.is_terminal:
                console.line()  # rich ends its last view without one
