from typing import Any

import attrs
import pytest
import trio
import trio.testing

from engine.actors import (
    Actor,
    ActorCrashed,
    ActorRef,
    ActorStopped,
    AskTimeout,
    MailboxFull,
    Overflow,
    ReceiveTimeout,
    Rejection,
    StashFull,
    Terminated,
    UnhandledMessage,
    on,
)
from engine.supervisors import ActorSpec, SupervisorSpec, open_actor_system


@attrs.frozen
class Add:
    n: int


@attrs.frozen
class Get:
    pass


@attrs.frozen
class Crash:
    pass


@attrs.frozen
class Hang:
    pass


class Negative(Rejection):
    pass


class Counter(Actor):
    async def on_start(self):
        self.total = 0

    @on(Add)
    def add(self, msg):
        if msg.n < 0:
            raise Negative(f"{msg.n} is negative")
        self.total += msg.n
        return self.total

    @on(Get)
    async def get(self, msg):
        return self.total

    @on(Crash)
    def crash(self, msg):
        raise RuntimeError("bug")

    @on(Hang)
    async def hang(self, msg):
        await trio.sleep_forever()


async def test_tell_then_ask_in_order(system):
    ref = await system.spawn(Counter)
    for n in range(100):
        ref.tell(Add(n))
    assert await ref.ask(Get()) == sum(range(100))


async def test_rejection_reaches_asker_unchanged_and_actor_carries_on(system):
    ref = await system.spawn(Counter)
    await ref.ask(Add(5))
    with pytest.raises(Negative, match="-1 is negative"):
        await ref.ask(Add(-1))
    assert await ref.ask(Get()) == 5


async def test_crash_gives_actor_crashed_with_cause_and_restarts_fresh(system):
    ref = await system.spawn(Counter)
    await ref.ask(Add(5))
    with pytest.raises(ActorCrashed) as info:
        await ref.ask(Crash())
    assert isinstance(info.value.__cause__, RuntimeError)
    # Same ref, new incarnation: state did not survive (nothing persisted it).
    assert await ref.ask(Get()) == 0
    assert ref.alive


async def test_messages_queued_behind_a_crash_are_handled_by_the_next_incarnation(system):
    ref = await system.spawn(Counter)
    ref.tell(Crash())
    ref.tell(Add(2))
    assert await ref.ask(Get()) == 2


async def test_unhandled_message_is_an_error_for_the_asker(system):
    ref = await system.spawn(Counter)
    with pytest.raises(UnhandledMessage):
        await ref.ask("what")
    assert await ref.ask(Get()) == 0


@attrs.frozen
class Slow:
    seconds: float


class Sleeper(Counter):
    @on(Slow)
    async def slow(self, msg):
        await trio.sleep(msg.seconds)
        self.total += 1
        return "late"


async def test_ask_timeout_then_late_reply_is_discarded(autojump_clock):
    async with open_actor_system() as system:
        ref = await system.spawn(Sleeper)
        with pytest.raises(AskTimeout):
            await ref.ask(Slow(10.0), timeout=1.0)
        # The message was still handled; its late reply went nowhere.
        assert await ref.ask(Get(), timeout=60.0) == 1


async def test_stopping_a_stuck_actor_cancels_it_and_fails_pending_asks(system):
    ref = await system.spawn(Counter, shutdown=0.01)
    ref.tell(Hang())
    pending = []

    async def asker():
        try:
            await ref.ask(Get())
        except ActorStopped as exc:
            pending.append(exc)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(asker)
        await trio.testing.wait_all_tasks_blocked()
        await system.stop(ref)
    assert len(pending) == 1
    assert not ref.alive
    with pytest.raises(ActorStopped):
        await ref.ask(Get())
    with pytest.raises(ActorStopped):
        ref.tell(Get())


async def test_fail_mailbox_full_reaches_sender(system):
    ref = await system.spawn(Counter, mailbox_capacity=2, shutdown=0.01)
    ref.tell(Hang())
    await trio.testing.wait_all_tasks_blocked()
    ref.tell(Add(1))
    ref.tell(Add(1))
    with pytest.raises(MailboxFull):
        ref.tell(Add(1))


@attrs.frozen
class Hold:
    until: trio.Event


class HoldingCounter(Counter):
    @on(Hold)
    async def hold(self, msg):
        await msg.until.wait()


async def test_put_waits_for_room_where_tell_refuses(system):
    ref = await system.spawn(HoldingCounter, mailbox_capacity=1, overflow=Overflow.BLOCK)
    released = trio.Event()
    ref.tell(Hold(released))
    await trio.testing.wait_all_tasks_blocked()
    ref.tell(Add(1))
    with pytest.raises(MailboxFull):
        ref.tell(Add(2))
    queued = False

    async def put() -> None:
        nonlocal queued
        await ref.put(Add(2))
        queued = True

    async with trio.open_nursery() as nursery:
        nursery.start_soon(put)
        await trio.testing.wait_all_tasks_blocked()
        assert not queued
        released.set()
    await trio.testing.wait_all_tasks_blocked()
    assert queued and await ref.ask(Get()) == 3


def test_refs_are_made_only_by_the_runtime():
    with pytest.raises(TypeError, match="no public constructor"):
        ActorRef(None)  # type: ignore[arg-type]


@attrs.frozen
class Arm:
    key: str
    delay: float
    repeat: bool = False


@attrs.frozen
class Disarm:
    key: str


@attrs.frozen
class Fired:
    key: str


class Clockwork(Actor):
    def __init__(self, log):
        self.log = log

    @on(Arm)
    def arm(self, msg):
        self.start_timer(msg.key, msg.delay, Fired(msg.key), repeat=msg.repeat)

    @on(Disarm)
    def disarm(self, msg):
        return self.cancel_timer(msg.key)

    @on(Fired)
    def fired(self, msg):
        self.log.append((msg.key, trio.current_time()))

    @on(ReceiveTimeout)
    def idle(self, msg):
        self.log.append(("idle", trio.current_time()))

    @on(Get)
    def idle_on(self, msg):
        self.set_receive_timeout(10.0)


async def test_timers_fire_replace_and_cancel_on_mock_clock(autojump_clock):
    log: list[Any] = []
    async with open_actor_system() as system:
        ref = await system.spawn(lambda: Clockwork(log))
        start = trio.current_time()
        await ref.ask(Arm("phase", 180.0))
        await ref.ask(Arm("phase", 60.0))  # replaces the 180 s timer
        await ref.ask(Arm("gone", 30.0))
        assert await ref.ask(Disarm("gone")) is True
        await trio.sleep(200.0)
        assert [(key, round(t - start)) for key, t in log] == [("phase", 60)]


async def test_repeating_timer_and_cancel_on_stop(autojump_clock):
    log: list[Any] = []
    async with open_actor_system() as system:
        ref = await system.spawn(lambda: Clockwork(log))
        await ref.ask(Arm("tick", 1.0, repeat=True))
        await trio.sleep(3.5)
        assert len(log) == 3
        await system.stop(ref)
        await trio.sleep(10.0)
        assert len(log) == 3


async def test_receive_timeout_fires_when_idle(autojump_clock):
    log: list[Any] = []
    async with open_actor_system() as system:
        ref = await system.spawn(lambda: Clockwork(log))
        start = trio.current_time()
        await ref.ask(Get())
        await trio.sleep(5.0)
        await ref.ask(Arm("x", 100.0))  # activity pushes the idle deadline back
        await trio.sleep(31.0)
        assert [(k, round(t - start)) for k, t in log] == [("idle", 15), ("idle", 25), ("idle", 35)]


@attrs.frozen
class Watch:
    ref: ActorRef


class Watcher(Actor):
    def __init__(self, seen):
        self.seen = seen

    @on(Watch)
    def watch_it(self, msg):
        self.watch(msg.ref)

    @on(Terminated)
    def terminated(self, msg):
        self.seen.append(msg)


async def test_watch_gets_terminated_once_and_at_once_if_already_gone(system):
    seen: list[Any] = []
    watcher = await system.spawn(lambda: Watcher(seen))
    target = await system.spawn(Counter)
    await watcher.ask(Watch(target))
    await system.stop(target)
    await watcher.ask(Watch(target))  # already gone: told at once
    await trio.testing.wait_all_tasks_blocked()
    assert [m.ref for m in seen] == [target, target]
    assert seen[0].reason == "shutdown"


@attrs.frozen
class Open:
    pass


class Gate(Actor):
    """Stashes Gets until opened."""

    async def on_start(self):
        self.open = False

    @on(Get)
    def get(self, msg):
        if not self.open:
            self.stash()
            return None
        return "through"

    @on(Open)
    def open_gate(self, msg):
        self.open = True
        self.unstash_all()


async def test_stash_keeps_the_asker_waiting_until_unstashed(system):
    ref = await system.spawn(Gate)
    results = []

    async def asker():
        results.append(await ref.ask(Get()))

    async with trio.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(asker)
        await trio.testing.wait_all_tasks_blocked()
        assert results == []
        ref.tell(Open())
    assert results == ["through"] * 3


async def test_stash_is_bounded():
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="s"))
        ref = await sup.start_child(ActorSpec(Gate, stash_capacity=1))
        ref.tell(Get())
        with pytest.raises(ActorCrashed) as info:
            await ref.ask(Get())
        assert isinstance(info.value.__cause__, StashFull)


class Stopper(Actor):
    def __init__(self, log):
        self.log = log

    @on(Get)
    def get(self, msg):
        self.stop()
        return "bye"

    async def on_stop(self, reason):
        self.log.append(reason)


async def test_self_stop_runs_on_stop_and_transient_is_not_restarted(system):
    log: list[Any] = []
    ref = await system.spawn(lambda: Stopper(log))
    assert await ref.ask(Get()) == "bye"
    assert await ref.wait_stopped() == "normal"
    assert log == ["normal"]
    assert not ref.alive


@attrs.frozen
class Tagged:
    tag: str


class OrderedGate(Actor):
    """Stashes ``Tagged`` until opened and logs the order it handles them in."""

    def __init__(self, log):
        self.log = log
        self.open = False

    @on(Tagged)
    def tagged(self, msg):
        if not self.open:
            self.stash()
            return None
        self.log.append(msg.tag)
        return msg.tag

    @on(Open)
    def open_gate(self, msg):
        self.open = True
        self.unstash_all()


async def test_unstashed_messages_go_before_the_rest_of_the_batch(system):
    # A batch holds Open and a later message; the stashed ones arrived first, so they go first.
    log: list[Any] = []
    ref = await system.spawn(lambda: OrderedGate(log))
    ref.tell(Tagged("first"))
    ref.tell(Tagged("second"))
    await trio.testing.wait_all_tasks_blocked()
    ref.tell(Open())
    ref.tell(Tagged("third"))
    assert await ref.ask(Tagged("fourth")) == "fourth"
    assert log == ["first", "second", "third", "fourth"]


class Overriding(Counter):
    """Overrides a handler without repeating ``@on``: the override is what runs."""

    def get(self, msg):
        return "overridden"


async def test_a_subclass_override_of_a_handler_is_used(system):
    ref = await system.spawn(Overriding)
    assert await ref.ask(Get()) == "overridden"
    assert await ref.ask(Add(2)) == 2


async def test_invalid_ask_timeout_queues_nothing(system):
    ref = await system.spawn(Counter)
    with pytest.raises(ValueError):
        await ref.ask(Add(1), timeout=-1.0)
    assert await ref.ask(Get()) == 0


class StopOnTimer(Actor):
    def __init__(self, log):
        self.log = log

    async def on_start(self):
        self.start_timer("a", 1.0, Fired("a"))
        self.start_timer("b", 1.0, Fired("b"))

    @on(Fired)
    def fired(self, msg):
        self.log.append(msg.key)
        self.stop()


async def test_stop_from_a_timer_handler_takes_effect_before_the_next_timer(autojump_clock):
    log: list[Any] = []
    async with open_actor_system() as system:
        ref = await system.spawn(lambda: StopOnTimer(log))
        assert await ref.wait_stopped() == "normal"
    assert log == ["a"]


class TimedCounter(Counter):
    """A counter whose ``Fired`` timer message is a bug."""

    @on(Arm)
    def arm(self, msg):
        self.start_timer(msg.key, msg.delay, Fired(msg.key))

    @on(Fired)
    def fired(self, msg):
        raise RuntimeError(f"timer {msg.key} is a bug")


async def test_messages_taken_with_a_crashing_timer_go_to_the_next_incarnation(mock_clock):
    async with open_actor_system() as system:
        ref = await system.spawn(TimedCounter)
        await ref.ask(Arm("boom", 10.0))
        await trio.testing.wait_all_tasks_blocked()
        # One wake-up brings both the message and the overdue timer, which crashes the actor.
        ref.tell(Add(1))
        mock_clock.jump(20.0)
        await trio.testing.wait_all_tasks_blocked()  # crashed and restarted
        assert await ref.ask(Get()) == 1


class RuleError(Exception):
    """An error from a pure rules module that imports nothing from the runtime."""


Rejection.register(RuleError)


@attrs.frozen
class Break:
    pass


class RuleBound(Counter):
    @on(Break)
    def break_rule(self, msg):
        raise RuleError("illegal move")


async def test_a_registered_error_base_is_a_rejection_too(system):
    ref = await system.spawn(RuleBound)
    await ref.ask(Add(1))
    with pytest.raises(RuleError, match="illegal move"):
        await ref.ask(Break())
    assert await ref.ask(Get()) == 1  # same incarnation: nothing crashed
