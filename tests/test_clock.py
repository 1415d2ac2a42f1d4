"""engine.clock: wall time driven by Trio's clock."""

from __future__ import annotations

import time

import trio
import trio.testing

from engine import clock


async def test_now_follows_the_mock_clock(
    autojump_clock: trio.testing.MockClock,
) -> None:
    clock.set_wall_source(lambda: 1_700_000_000.0)
    assert clock.now() == 1_700_000_000.0
    await trio.sleep(86_400)
    assert clock.now() == 1_700_086_400.0


async def test_the_wall_clock_is_read_once_per_run(
    autojump_clock: trio.testing.MockClock,
) -> None:
    readings = iter([100.0, 5_000.0])
    clock.set_wall_source(lambda: next(readings))
    await trio.sleep(1)
    # Later wall readings (an NTP step) do not move it: only Trio's clock does.
    assert clock.now() == 101.0


async def test_a_run_without_a_source_starts_near_the_real_time() -> None:
    before = time.time()
    assert before <= clock.now() <= time.time()


def test_rfc3339_is_utc_to_the_whole_second() -> None:
    assert clock.rfc3339(1_762_509_600.0) == "2025-11-07T10:00:00Z"
    assert clock.rfc3339(1_762_509_600.999) == "2025-11-07T10:00:00Z"
