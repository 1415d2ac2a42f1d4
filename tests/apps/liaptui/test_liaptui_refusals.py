"""Liap Tui's error format: the reader's own errors, in the spec's shape, on the engine clock."""

from __future__ import annotations

import trio.testing

from engine import clock
from engine.apps.liaptui.refusals import LiaptuiErrors


async def test_the_reader_errors(mock_clock: trio.testing.MockClock) -> None:
    clock.set_wall_source(lambda: 7.0)
    wire = LiaptuiErrors()
    assert wire.malformed("malformed JSON: x")["error"]["code"] == "3001"
    too_big = wire.too_big(1024)
    assert (too_big["event"], too_big["error"]["code"]) == ("validation_error", "3004")
    assert too_big["error"]["details"] == {"max_bytes": 1024}
    limited = wire.rate_limited(0.25)
    assert (limited["event"], limited["error"]["code"]) == ("error", "4001")
    assert (
        limited["error"]["details"] == {"retry_after": 0.25}
        and limited["error"]["timestamp"] == 7.0
    )
