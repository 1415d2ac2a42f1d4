"""Wall-clock time that follows Trio's clock."""

from __future__ import annotations

import pytest
import trio

from engine.apps.watchparty.clock import TrioWallClock


async def test_epoch_seconds_advance_with_a_mock_clock(autojump_clock):
    clock = TrioWallClock(wall=lambda: 1_000.0)
    assert clock.now() == 1_000.0
    await trio.sleep(86_400)
    assert clock.now() == pytest.approx(87_400.0)


async def test_the_wall_clock_is_read_once():
    readings = iter([5_000.0, 0.0])
    clock = TrioWallClock(wall=lambda: next(readings))
    first = clock.now()
    assert first == 5_000.0
    assert clock.now() >= first  # a second wall reading (0.0) would have gone back in time
