"""What a load generator saw, second by second: the unit every process reports and merges.

Each generating process keeps a `Recorder`; once a second it hands over a `Window` (the actions
timed, the errors and events counted during that second, the players and connections open at
its end, the CPU the process used) and starts the next. Windows of the same second from
several processes merge into one, so the run's time series and totals are the same whether the
players ran in one process or in many.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .histogram import Histogram

__all__ = ["Recorder", "Window", "merge_by_second"]


@attrs.define
class Window:
    """One second of a run (``second`` counts from the run's start), from one process or
    merged from several."""

    second: int
    players: int = 0
    connections: int = 0
    actions: dict[str, Histogram] = attrs.field(factory=dict)
    errors: Counter[str] = attrs.field(factory=Counter)
    examples: dict[str, str] = attrs.field(factory=dict)
    counts: Counter[str] = attrs.field(factory=Counter)
    cpu_seconds: float = 0.0
    processes: int = 1

    def merge(self, other: Window) -> None:
        """Add ``other`` (the same second, another process): gauges and CPU add up too."""
        if other.second != self.second:
            raise ValueError(f"cannot merge second {other.second} into second {self.second}")
        self.players += other.players
        self.connections += other.connections
        for action, histogram in other.actions.items():
            self.actions.setdefault(action, Histogram()).merge(histogram)
        self.errors.update(other.errors)
        for kind, example in other.examples.items():
            self.examples.setdefault(kind, example)
        self.counts.update(other.counts)
        self.cpu_seconds += other.cpu_seconds
        self.processes += other.processes

    @property
    def action_count(self) -> int:
        return sum(histogram.count for histogram in self.actions.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "second": self.second,
            "players": self.players,
            "connections": self.connections,
            "actions": {name: h.to_json() for name, h in sorted(self.actions.items())},
            "errors": dict(self.errors),
            "examples": self.examples,
            "counts": dict(self.counts),
            "cpu_seconds": self.cpu_seconds,
            "processes": self.processes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Window:
        return cls(
            second=int(data["second"]),
            players=int(data["players"]),
            connections=int(data["connections"]),
            actions={name: Histogram.from_json(h) for name, h in data["actions"].items()},
            errors=Counter(data["errors"]),
            examples=dict(data["examples"]),
            counts=Counter(data["counts"]),
            cpu_seconds=float(data["cpu_seconds"]),
            processes=int(data["processes"]),
        )


def merge_by_second(windows: Iterable[Window]) -> list[Window]:
    """One window per second, every process's merged into it, in time order (copies: the
    windows given are left as they are)."""
    merged: dict[int, Window] = {}
    for window in windows:
        into = merged.get(window.second)
        if into is None:
            merged[window.second] = Window.from_json(window.to_json())
        else:
            into.merge(window)
    return [merged[second] for second in sorted(merged)]


@attrs.define
class Recorder:
    """The current second's window of one process, and its live gauges.

    Everything is synchronous and cheap: it is called from every player's task on every action.
    """

    players: int = 0
    connections: int = 0
    _window: Window = attrs.field(factory=lambda: Window(0))

    def action(self, name: str, seconds: float) -> None:
        """Action ``name`` got its answer ``seconds`` after it was sent."""
        histogram = self._window.actions.get(name)
        if histogram is None:
            histogram = self._window.actions[name] = Histogram()
        histogram.record(seconds)

    def error(self, kind: str, example: str = "") -> None:
        """A failure of ``kind``; the first ``example`` (a message) of each kind is kept."""
        self._window.errors[kind] += 1
        self._window.examples.setdefault(kind, example[:500])

    def count(self, event: str, amount: int = 1) -> None:
        """A scenario's own event (a game finished, a party disbanded)."""
        self._window.counts[event] += amount

    def take(self, second: int, cpu_seconds: float) -> Window:
        """Close the window as second ``second`` (with the CPU the process used in it) and
        start the next."""
        window = self._window
        window.second, window.cpu_seconds = second, cpu_seconds
        window.players, window.connections = self.players, self.connections
        self._window = Window(second + 1)
        return window
