"""The fuzz tests' tally: what they sent and what came back, printed after the run.

The counts are the evidence a fuzz run gives (how many requests and frames, how many 5xx,
1011 closes and restarts: all zero), so they are kept for the whole session and printed in
pytest's terminal summary, one line, whatever the verbosity.
"""

from __future__ import annotations

from collections import Counter

import attrs
import pytest

_TALLY = pytest.StashKey["FuzzTally"]()


@attrs.define
class FuzzTally:
    """Counts across every fuzz test of the session."""

    requests: int = 0
    statuses: Counter[int] = attrs.field(factory=Counter)
    frames: int = 0
    close_codes: Counter[int | None] = attrs.field(factory=Counter)
    routes: set[str] = attrs.field(factory=set)
    without_control: set[str] = attrs.field(factory=set)
    restarts: int = 0

    def answered(self, status: int) -> None:
        self.requests += 1
        self.statuses[status] += 1

    def summary(self) -> str:
        server_errors = sum(n for status, n in self.statuses.items() if status >= 500)
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        closes = ", ".join(f"{c}: {n}" for c, n in sorted(self.close_codes.items(), key=str))
        line = (
            f"fuzz: {self.requests} HTTP requests ({statuses}), 5xx: {server_errors}; "
            f"{self.frames} WebSocket frames on {len(self.routes)} routes "
            f"(closes {closes or 'none'}), 1011: {self.close_codes[1011]}; restarts: {self.restarts}"
        )
        if self.without_control:
            line += f"; no control member on {', '.join(sorted(self.without_control))}"
        return line


@pytest.fixture(scope="session")
def tally(pytestconfig: pytest.Config) -> FuzzTally:
    return pytestconfig.stash.setdefault(_TALLY, FuzzTally())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if _TALLY in config.stash:
        terminalreporter.write_line(config.stash[_TALLY].summary())
