"""The fuzz tests' tally: what they sent and what came back, printed after the run.

The counts are the evidence a fuzz run gives (how many requests and frames, how many 5xx,
1011 closes and crashes: all zero), so they are kept for the whole session and printed in
pytest's terminal summary, one line, whatever the verbosity.
"""

from __future__ import annotations

import pytest

from fuzzing import FuzzTally

_TALLY = pytest.StashKey[FuzzTally]()


@pytest.fixture(scope="session")
def tally(pytestconfig: pytest.Config) -> FuzzTally:
    return pytestconfig.stash.setdefault(_TALLY, FuzzTally())


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if _TALLY in config.stash:
        terminalreporter.write_line(config.stash[_TALLY].summary())
