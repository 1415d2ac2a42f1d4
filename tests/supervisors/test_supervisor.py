from functools import partial
from typing import Any

import attrs
import pytest
import trio
import trio.testing

from engine.actors import Actor, ActorCrashed, ActorRef, ActorStopped, on
from engine.supervisors import (
    ActorSpec,
    Backoff,
    ChildStartFailed,
    CrashReport,
    RestartType,
    Strategy,
    SupervisorFailed,
    SupervisorNode,
    SupervisorSpec,
    open_actor_system,
)
from engine.supervisors._snapshot import REASON_CHARS

Journal = list[tuple[str, str]]


@attrs.frozen
class Crash:
    pass


@attrs.frozen
class Quit:
    pass


@attrs.frozen
class Who:
    pass


class Worker(Actor):
    """Logs starts and stops into a shared journal."""

    def __init__(self, name, journal):
        self.name = name
        self.journal = journal

    async def on_start(self):
        self.journal.append(("start", self.name))

    async def on_stop(self, reason):
        self.journal.append(("stop", self.name))

    @on(Crash)
    def crash(self, msg):
        raise RuntimeError(f"{self.name} crashed")

    @on(Quit)
    def quit(self, msg):
        self.stop()

    @on(Who)
    def who(self, msg):
        return self.name


def worker(name, journal, restart=RestartType.PERMANENT):
    return ActorSpec(lambda: Worker(name, journal), id=name, name=name, restart=restart)


def trio_names(journal, kind):
    return [name for what, name in journal if what == kind]


def named(system: Any, name: str) -> ActorRef:
    ref = system.lookup(name)
    assert ref is not None, f"no actor named {name!r}"
    return ref


def supervisor_node(node: SupervisorNode, child_id: str) -> SupervisorNode:
    child = next(c for c in node.children if c.id == child_id)
    assert isinstance(child, SupervisorNode)
    return child


async def crash(system, name):
    with pytest.raises(ActorCrashed):
        await named(system, name).ask(Crash())
    await trio.testing.wait_all_tasks_blocked()  # let the supervisor apply its strategy


async def start_tree(system, strategy, journal, **kwargs):
    spec = SupervisorSpec(
        id="sup",
        strategy=strategy,
        children=[worker(n, journal) for n in "abc"],
        **kwargs,
    )
    return await system.start_supervisor(spec)


async def test_children_start_in_order_and_stop_in_reverse():
    journal: Journal = []
    async with open_actor_system() as system:
        await start_tree(system, Strategy.ONE_FOR_ONE, journal)
        assert journal == [("start", "a"), ("start", "b"), ("start", "c")]
    assert trio_names(journal, "stop") == ["c", "b", "a"]


async def test_one_for_one_restarts_only_the_crashed_child():
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await start_tree(system, Strategy.ONE_FOR_ONE, journal)
        journal.clear()
        await crash(system, "b")
        assert await named(system, "b").ask(Who()) == "b"
        assert journal == [("start", "b")]
        assert sup.restarts == 1


async def test_one_for_all_restarts_everyone_in_order():
    journal: Journal = []
    async with open_actor_system() as system:
        await start_tree(system, Strategy.ONE_FOR_ALL, journal)
        journal.clear()
        await crash(system, "b")
        await named(system, "a").ask(Who())
        # Survivors stop in reverse order, then everyone starts again in order.
        assert journal == [
            ("stop", "c"),
            ("stop", "a"),
            ("start", "a"),
            ("start", "b"),
            ("start", "c"),
        ]


async def test_rest_for_one_restarts_the_crashed_child_and_later_ones():
    journal: Journal = []
    async with open_actor_system() as system:
        await start_tree(system, Strategy.REST_FOR_ONE, journal)
        journal.clear()
        await crash(system, "b")
        await named(system, "c").ask(Who())
        assert journal == [("stop", "c"), ("start", "b"), ("start", "c")]


@pytest.mark.parametrize(
    ("restart", "after_crash", "after_quit"),
    [
        (RestartType.PERMANENT, True, True),
        (RestartType.TRANSIENT, True, False),
        (RestartType.TEMPORARY, False, False),
    ],
)
async def test_restart_types(restart, after_crash, after_quit):
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(
            SupervisorSpec(
                id="s", children=[worker("x", journal, restart), worker("y", journal, restart)]
            )
        )
        await crash(system, "x")
        await named(system, "y").ask(Quit())
        await trio.testing.wait_all_tasks_blocked()
        alive = {child_id for child_id, _, running in sup.which_children() if running}
        assert ("x" in alive) is after_crash
        assert ("y" in alive) is after_quit


async def test_intensity_escalates_through_two_levels(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        inner = SupervisorSpec(
            id="inner", children=[worker("w", journal)], max_restarts=2, max_seconds=10
        )
        middle = SupervisorSpec(id="middle", children=[inner], max_restarts=1, max_seconds=10)
        top = SupervisorSpec(id="top", children=[middle], max_restarts=0, max_seconds=10)
        await system.start_supervisor(top)
        for _ in range(6):
            await crash(system, "w")
        # inner fails on its 3rd crash and middle restarts it; it fails again 3 crashes later,
        # which is middle's 2nd restart (> 1): middle fails, top (0 allowed) fails, and the root
        # restarts top, which starts the whole subtree afresh.
        assert trio_names(journal, "start").count("w") == 7
        assert system.snapshot().restarts == 1
        assert await named(system, "w").ask(Who()) == "w"


async def test_root_failure_propagates_out_of_the_system(autojump_clock):
    journal: Journal = []
    with pytest.raises(SupervisorFailed):
        async with open_actor_system(
            children=[SupervisorSpec(id="top", children=[worker("w", journal)], max_restarts=0)]
        ) as system:
            # The root itself allows 3 restarts of top in 5 s.
            for _ in range(8):
                await crash(system, "w")
            await trio.sleep_forever()


async def test_restarts_outside_the_window_do_not_count(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(
            SupervisorSpec(id="s", children=[worker("w", journal)], max_restarts=1, max_seconds=5)
        )
        for _ in range(4):
            await crash(system, "w")
            await trio.sleep(6)
        assert sup.restarts == 4


async def test_backoff_delays_restarts(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        await system.start_supervisor(
            SupervisorSpec(
                id="s",
                children=[worker("w", journal)],
                max_restarts=10,
                max_seconds=100,
                backoff=Backoff(initial=1.0, factor=2.0, maximum=3.0),
            )
        )
        starts: list[float] = []
        for _ in range(3):
            before = trio.current_time()
            await crash(system, "w")
            await named(system, "w").ask(Who(), timeout=10)
            starts.append(round(trio.current_time() - before))
        assert starts == [1, 2, 3]


class Stubborn(Actor):
    """Ignores graceful stop by never finishing its message."""

    @on(Who)
    async def who(self, msg):
        await trio.sleep_forever()


async def test_shutdown_timeout_then_cancel(autojump_clock):
    async with open_actor_system() as system:
        await system.start_supervisor(
            SupervisorSpec(id="s", children=[ActorSpec(Stubborn, name="st", shutdown=2.0)])
        )
        ref = named(system, "st")
        ref.tell(Who())
        await trio.testing.wait_all_tasks_blocked()
        start = trio.current_time()
    assert round(trio.current_time() - start) == 2
    assert not ref.alive


async def test_static_child_failing_to_start_fails_the_supervisor_start():
    journal: Journal = []

    class Broken(Actor):
        async def on_start(self):
            raise RuntimeError("no")

    async with open_actor_system() as system:
        with pytest.raises(ChildStartFailed):
            await system.start_supervisor(
                SupervisorSpec(
                    id="s", children=[worker("ok", journal), ActorSpec(Broken, id="bad")]
                )
            )
        assert journal == [("start", "ok"), ("stop", "ok")]
        assert system.lookup("ok") is None


async def test_dynamic_children_and_snapshot():
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms", max_restarts=100))
        refs = [
            await sup.start_child(worker(f"r{i}", journal, RestartType.TRANSIENT)) for i in range(5)
        ]
        assert [await ref.ask(Who()) for ref in refs] == [f"r{i}" for i in range(5)]
        await crash(system, "r1")
        await sup.terminate_child(refs[4])
        snap = system.snapshot()
        rooms = supervisor_node(snap, "rooms")
        assert [a.name for a in rooms.actors()] == ["r0", "r1", "r2", "r3"]
        assert next(a for a in rooms.actors() if a.name == "r1").restarts == 1
        assert rooms.restarts == 1


class Described(Worker):
    def describe(self):
        return {"name": self.name}


async def test_the_snapshot_names_actors_by_class_and_keeps_their_crashes(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms", max_restarts=100))
        await sup.start_child(worker("plain", journal, RestartType.TRANSIENT))  # a lambda
        await sup.start_child(
            ActorSpec(
                partial(Described, "told", journal), name="told", restart=RestartType.TRANSIENT
            )
        )
        await crash(system, "plain")
        crashed_at = trio.current_time()
        autojump_clock.jump(7)
        await crash(system, "told")
        rooms = supervisor_node(system.snapshot(), "rooms")
        plain, told = rooms.actors()
        assert (plain.kind, told.kind) == ("Worker", "Described")
        assert (plain.crashes, plain.restarts, told.crashes) == (1, 1, 1)
        assert plain.last_crash == CrashReport("plain", "RuntimeError: plain crashed", crashed_at)
        assert (plain.detail, told.detail) == (None, {"name": "told"})
        assert rooms.crashes == 2
        assert rooms.last_crash == told.last_crash
        assert told.last_crash is not None and told.last_crash.at == crashed_at + 7

        await sup.terminate_child(named(system, "told"))
        rooms = supervisor_node(system.snapshot(), "rooms")
        assert [actor.name for actor in rooms.actors()] == ["plain"]
        assert rooms.last_crash is not None and rooms.last_crash.child == "told"  # kept


async def test_a_crash_reason_is_cut_short():
    report = CrashReport.of("child", ValueError("x" * 10_000), 0.0)
    assert report.reason.startswith("ValueError: xxx")
    assert len(report.reason) == REASON_CHARS


async def test_child_terminated_during_its_restart_backoff_is_not_started_again(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(
            SupervisorSpec(
                id="s",
                children=[worker("w", journal)],
                max_restarts=10,
                max_seconds=100,
                backoff=Backoff(initial=5.0),
            )
        )
        await crash(system, "w")  # the supervisor now sleeps 5 s before restarting it
        await sup.terminate_child("w")
        await trio.sleep(10.0)
        assert trio_names(journal, "start") == ["w"]
        assert sup.which_children() == []


async def test_terminate_child_finds_children_by_ref_id_and_supervisor_handle():
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms", max_restarts=100))
        refs = [await sup.start_child(worker(f"r{i}", journal)) for i in range(3)]
        inner = await sup.start_child(SupervisorSpec(id="inner", children=[worker("x", journal)]))
        await crash(system, "r0")  # a restarted child keeps its ref
        await sup.terminate_child(refs[0])
        await sup.terminate_child("r1")
        await sup.terminate_child(inner)
        assert [child_id for child_id, _, _ in sup.which_children()] == ["r2"]
        assert system.lookup("x") is None
        with pytest.raises(LookupError):
            await sup.terminate_child(refs[0])


class SlowStopper(Actor):
    async def on_stop(self, reason):
        await trio.sleep(1.0)


async def test_dynamic_children_stop_concurrently(autojump_clock):
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms"))
        refs = [await sup.start_child(ActorSpec(SlowStopper, id=n)) for n in range(5)]
        start = trio.current_time()
    assert round(trio.current_time() - start) == 1
    assert not any(ref.alive for ref in refs)


async def test_a_party_crashing_past_its_own_intensity_is_stopped_for_good(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms", max_restarts=100))
        bystander = await sup.start_child(worker("calm", journal, RestartType.TRANSIENT))
        room = await sup.start_child(worker("loop", journal, RestartType.TRANSIENT))
        for _ in range(3):  # child_max_restarts: restarted each time
            await crash(system, "loop")
        room.tell(Crash())
        waiting = []

        async def ask_after_the_crash():
            try:
                await room.ask(Who())
            except ActorStopped as exc:
                waiting.append(exc)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(ask_after_the_crash)  # queued behind the fourth crash
        assert trio_names(journal, "start").count("loop") == 4
        assert system.lookup("loop") is None and not room.alive
        assert "ChildFailed" in str(waiting[0]) and "crashed 4 times in 5.0 s" in str(waiting[0])
        assert await bystander.ask(Who()) == "calm"
        snap = supervisor_node(system.snapshot(), "rooms")
        assert (snap.restarts, snap.failed_children) == (3, 1)
        assert (sup.restarts, sup.failed_children) == (3, 1)


async def test_party_crashes_outside_the_window_do_not_add_up(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms", max_restarts=100))
        room = await sup.start_child(worker("slow", journal, RestartType.TRANSIENT))
        for _ in range(6):
            await crash(system, "slow")
            await trio.sleep(3.0)  # two crashes at most in any 5 s
        assert await room.ask(Who()) == "slow"
        assert sup.failed_children == 0


class BrokenOnRestart(Actor):
    """Starts once, then crashes in on_start on every restart (a poisoned saved state)."""

    def __init__(self, starts):
        self.starts = starts

    async def on_start(self):
        self.starts.append(trio.current_time())
        if len(self.starts) > 1:
            raise RuntimeError("cannot load")

    @on(Crash)
    def crash(self, msg):
        raise RuntimeError("crashed")


async def test_a_party_that_cannot_restart_is_given_up_instead_of_retried_forever(autojump_clock):
    starts: list[float] = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms", max_restarts=100))
        room = await sup.start_child(
            ActorSpec(lambda: BrokenOnRestart(starts), name="p", restart=RestartType.TRANSIENT)
        )
        with pytest.raises(ActorCrashed):
            await room.ask(Crash())
        await trio.testing.wait_all_tasks_blocked()
        assert len(starts) == 4  # the first incarnation, then three failed restarts
        assert sup.failed_children == 1 and system.lookup("p") is None


async def test_a_permanent_party_crash_loop_fails_the_supervisor_instead(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(
            SupervisorSpec(id="s", max_restarts=5, restart=RestartType.TEMPORARY)
        )
        await sup.start_child(worker("singleton", journal))
        for _ in range(5):  # past child_max_restarts: a permanent child is not given up
            await crash(system, "singleton")
        await crash(system, "singleton")
        assert sup.failed_children == 0 and isinstance(sup.failure, SupervisorFailed)
        assert system.lookup("singleton") is None


async def test_static_children_follow_the_supervisor_intensity_alone(autojump_clock):
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(
            SupervisorSpec(id="s", children=[worker("w", journal)], max_restarts=10, max_seconds=5)
        )
        for _ in range(6):  # past child_max_restarts: a static child is not given up
            await crash(system, "w")
        assert await named(system, "w").ask(Who()) == "w"
        assert (sup.restarts, sup.failed_children) == (6, 0)


class Poisoned(Actor):
    """Crashes on one message; records the others."""

    def __init__(self, seen):
        self.seen = seen

    @on(str)
    def take(self, msg):
        if msg == "poison":
            raise RuntimeError("poison")
        self.seen.append(msg)
        return msg


async def test_the_message_that_crashed_a_party_is_dropped_not_redelivered(autojump_clock):
    seen: list[Any] = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms", max_restarts=100))
        party = await sup.start_child(ActorSpec(lambda: Poisoned(seen), name="p"))
        party.tell("before")
        poisoned = trio.Event()

        async def ask_poison():
            with pytest.raises(ActorCrashed):
                await party.ask("poison")
            poisoned.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(ask_poison)
            await trio.testing.wait_all_tasks_blocked()
            party.tell("after")  # queued behind the poison: the next incarnation handles it
        assert await party.ask("last") == "last"
        assert seen == ["before", "after", "last"]
        assert sup.restarts == 1 and sup.failed_children == 0


async def test_a_system_view_within_a_supervisor_starts_supervisors_under_it():
    journal: Journal = []
    async with open_actor_system() as system:
        app = await system.start_supervisor(SupervisorSpec(id="app"))
        view = system.within(app)
        await view.start_supervisor(SupervisorSpec(id="inner", children=[worker("w", journal)]))
        assert view.lookup("w") is system.lookup("w")
        assert [c.id for c in view.snapshot().children] == ["inner"]
        top = supervisor_node(system.snapshot(), "app")
        assert [c.id for c in top.children] == ["inner"]


async def test_a_child_crashing_at_once_on_a_queued_message_is_restarted_every_time(autojump_clock):
    # Each ask is queued while the child is down: the next incarnation handles it (and crashes)
    # as soon as it is ready, often before the supervisor has resumed from starting it. Trio
    # schedules randomly, hence the repetitions; a stale "running" used to hang the supervisor.
    journal: Journal = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(
            SupervisorSpec(id="s", children=[worker("w", journal)], max_restarts=1000)
        )
        for _ in range(30):
            with pytest.raises(ActorCrashed):
                await named(system, "w").ask(Crash(), timeout=10)
        assert await named(system, "w").ask(Who(), timeout=10) == "w"
        assert sup.restarts == 30


class SlowToFail(Actor):
    """Fails to start, after a pause: callers find it registered while it starts."""

    async def on_start(self):
        await trio.sleep(1)
        raise LookupError("nothing to start from")


async def test_get_or_start_child_callers_meeting_a_start_that_fails_start_their_own(
    autojump_clock,
):
    journal: Journal = []
    outcomes: list[Any] = []
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="parties"))

        async def get_or_start(factory):
            try:
                outcomes.append(await sup.get_or_start_child(ActorSpec(factory, name="x")))
            except ChildStartFailed:
                outcomes.append("failed")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(get_or_start, SlowToFail)
            await trio.testing.wait_all_tasks_blocked()
            # Found starting: waits, then starts its own instead of keeping a dead ref.
            nursery.start_soon(get_or_start, lambda: Worker("x", journal))
        ref = named(system, "x")
        assert outcomes == ["failed", ref] and ref.alive
        assert await ref.ask(Who()) == "x"
