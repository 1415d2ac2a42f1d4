import math

import pytest

from engine.actors._timers import Timers


def test_fires_in_deadline_order_and_once():
    timers = Timers()
    timers.start("b", 2.0, "B", now=0.0)
    timers.start("a", 1.0, "A", now=0.0)
    assert timers.next_deadline() == 1.0
    assert timers.pop_due(1.5) == ["A"]
    assert timers.pop_due(5.0) == ["B"]
    assert timers.pop_due(10.0) == []
    assert timers.next_deadline() == math.inf


def test_replace_and_cancel_never_fire_the_old_one():
    timers = Timers()
    timers.start("k", 1.0, "old", now=0.0)
    timers.start("k", 3.0, "new", now=0.0)
    assert timers.pop_due(2.0) == []
    assert timers.pop_due(3.0) == ["new"]
    timers.start("k", 1.0, "gone", now=0.0)
    assert timers.cancel("k")
    assert not timers.cancel("k")
    assert timers.pop_due(5.0) == []


def test_repeat_and_remaining():
    timers = Timers()
    timers.start("tick", 1.0, "t", now=0.0, repeat=True)
    assert timers.pop_due(3.0) == ["t", "t", "t"]
    assert timers.remaining("tick", now=3.5) == 0.5
    with pytest.raises(ValueError):
        timers.start("bad", 0.0, "x", now=0.0, repeat=True)
