"""The run's one schedule (engine/actors/_schedule.py), which serves the WebSocket heartbeat and
the actors' timers: visits at their times on a MockClock, cancelled ones never (and let go at
once); the heap is swept of cancelled visits, so an actor re-arming its next timer on every
message does not grow it."""

from __future__ import annotations

import weakref

import attrs
import trio
import trio.testing

from engine.actors import Actor, Beat, on, schedule
from engine.supervisors import open_actor_system


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

    schedule().watch(every("a", 10, 3), start + 10)
    schedule().watch(every("b", 4, 2), start + 4)
    await trio.sleep(100)
    assert visits == [("b", 4), ("b", 8), ("a", 10), ("a", 20), ("a", 30)]


async def test_an_earlier_visit_wakes_the_sleeping_schedule(
    autojump_clock: trio.testing.MockClock,
) -> None:
    start = trio.current_time()
    visits: list[float] = []

    def once(now: float) -> None:
        visits.append(now - start)

    schedule().watch(once, start + 50)
    await trio.sleep(1)  # the schedule now sleeps until 50
    schedule().watch(once, start + 5)
    await trio.sleep(100)
    assert visits == [5, 50]


async def test_one_schedule_per_run() -> None:
    assert schedule() is schedule()


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
    visit = schedule().watch(closed.beat, start + 10)
    schedule().watch(lambda now: visits.append("open one"), start + 10)
    visit.cancel()
    del closed
    assert gone() is None  # freed now, not at its turn
    await trio.sleep(20)
    assert visits == ["open one"]


async def test_cancelled_visits_are_swept_out_of_the_heap() -> None:
    runs = schedule()
    far = trio.current_time() + 3600
    kept = [runs.watch(lambda now: None, far) for _ in range(100)]
    for _ in range(20_000):
        runs.watch(lambda now: None, far).cancel()
    assert len(runs) < 3 * 1024
    assert all(visit.beat is not None for visit in kept)


@attrs.frozen
class Move:
    number: int


class Table(Actor):
    """Re-arms its turn timer on every move, as a game room does."""

    def __init__(self) -> None:
        self.moves = 0

    @on(Move)
    def move(self, message: Move) -> int:
        self.moves += 1
        self.start_timer("turn", 30.0 + message.number * 1e-3, Move(-1))
        return self.moves


async def test_an_actor_re_arming_on_every_message_does_not_grow_the_schedule(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_actor_system() as system:
        table = await system.spawn(Table)
        for number in range(10_000):
            assert await table.ask(Move(number)) == number + 1
        assert len(schedule()) < 3 * 1024
        # The last timer set still fires.
        await trio.sleep(40)
        assert await table.ask(Move(0)) == 10_002
