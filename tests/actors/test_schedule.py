"""The run's schedule: visits at their times on a MockClock, cancelled ones never; the heap
is swept of cancelled visits, so an actor re-arming its next timer on every message does not
grow it."""

from __future__ import annotations

import attrs
import trio
import trio.testing

from engine.actors import Actor, Beat, on, schedule
from engine.supervisors import open_actor_system


async def test_visits_come_at_their_times_again_when_asked_and_never_once_cancelled(
    autojump_clock: trio.testing.MockClock,
) -> None:
    start = trio.current_time()
    calls: list[tuple[str, float]] = []

    def visit(name: str, every: float | None = None) -> Beat:
        def beat(now: float) -> float | None:
            calls.append((name, round(now - start, 3)))
            return None if every is None or len(calls) > 4 else now + every

        return beat

    runs = schedule()
    runs.watch(visit("late"), start + 5)
    runs.watch(visit("every 2", every=2), start + 1)
    runs.watch(visit("cancelled"), start + 2).cancel()
    assert schedule() is runs  # one per run
    await trio.sleep(10)
    assert calls == [("every 2", 1), ("every 2", 3), ("late", 5), ("every 2", 5), ("every 2", 7)]


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
