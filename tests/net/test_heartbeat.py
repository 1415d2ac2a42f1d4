"""The run's one heartbeat task (engine/net/_heartbeat.py), on a MockClock."""

from __future__ import annotations

import weakref

import trio
import trio.testing

from engine.net._heartbeat import Beat, heartbeat


async def test_visits_come_when_due_and_as_often_as_asked(
    autojump_clock: trio.testing.MockClock,
) -> None:
    start = trio.current_time()
    visits: list[tuple[str, float]] = []

    def every(name: str, period: float, times: int) -> Beat:
        def beat(now: float) -> float | None:
            visits.append((name, now - start))
            return now + period if len([v for v in visits if v[0] == name]) < times else None

        return beat

    heartbeat().watch(every("a", 10, 3), start + 10)
    heartbeat().watch(every("b", 4, 2), start + 4)
    await trio.sleep(100)
    assert visits == [("b", 4), ("b", 8), ("a", 10), ("a", 20), ("a", 30)]


async def test_an_earlier_visit_wakes_the_sleeping_heartbeat(
    autojump_clock: trio.testing.MockClock,
) -> None:
    start = trio.current_time()
    visits: list[float] = []

    def once(now: float) -> None:
        visits.append(now - start)

    heartbeat().watch(once, start + 50)
    await trio.sleep(1)  # the heartbeat now sleeps until 50
    heartbeat().watch(once, start + 5)
    await trio.sleep(100)
    assert visits == [5, 50]


async def test_one_heartbeat_per_run() -> None:
    assert heartbeat() is heartbeat()


async def test_a_cancelled_visit_is_not_called_and_its_beat_is_let_go(
    autojump_clock: trio.testing.MockClock,
) -> None:
    start = trio.current_time()
    visits: list[str] = []

    class Connection:
        def beat(self, now: float) -> float | None:
            visits.append("closed one")
            return None

    closed = Connection()
    gone = weakref.ref(closed)
    visit = heartbeat().watch(closed.beat, start + 10)
    heartbeat().watch(lambda now: visits.append("open one"), start + 10)
    visit.cancel()
    del closed
    assert gone() is None  # freed now, not at its turn
    await trio.sleep(20)
    assert visits == ["open one"]
