"""Actor runtime: tell, ask, spawn, restart and broadcast, each against bare Trio in the same run.

    python bench/actors.py [--json] [--quick] [--only tell|ask|spawn|restart|broadcast ...]

Each ratio compares the runtime to a bare-Trio baseline measured in the same run, interleaved
round by round (odd rounds run the baseline first) and summarised by the median of the
per-round ratios, because these machines are shared and noisy. Restart time has no baseline:
its target is absolute. With ``--json`` the last line is one JSON object with every figure,
each target and whether it was met. A full run takes 25-60 s.

- ``tell``: one producer tells 1M small attrs messages (a pool of 1024 prebuilt ones, so message
  construction is not timed on either side) to an actor whose handler counts them; the clock
  stops when an ``ask`` queued behind them is answered. The mailbox holds 1024 messages with the
  BLOCK policy: the producer calls ``tell`` and, when it raises ``MailboxFull``, waits in
  ``await ref.put``. Baseline: a memory channel of the same capacity, the producer calling
  ``send_nowait`` and falling back to ``await send()`` on ``WouldBlock``, the consumer awaiting
  ``receive()`` once and then draining with ``receive_nowait()`` (DESIGN.md, decision 4).
  ``raw_await_msgs_per_s`` is the same channel with one ``await receive()`` per message.
- ``ask``: round trips of ``await ref.ask(msg)`` (default timeout) to a sync handler, against a
  ping-pong over two unbuffered memory channels.
- ``spawn``: 10,000 ``sup.start_child(ActorSpec(...))`` under a dynamic supervisor, against
  10,000 ``await nursery.start(...)`` of a bare task that opens a memory channel and waits on it.
  Each round runs in a fresh subprocess so that RSS growth (``/proc/self/statm``) is clean.
- ``restart``: crash to ready replacement under one_for_one: from the ``ask`` that crashes the
  actor to the first answered ``ask`` on its next incarnation.
- ``broadcast``: one ``Topic.publish`` to 10,000 idle subscriber actors, against a loop of
  ``send_nowait`` to 10,000 memory channels whose receivers are waiting; only the call is timed.

The supervisors' crash warnings are silenced (a NullHandler) so stderr stays readable; that
costs the restart path a log record, not a formatted line.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import attrs
import trio
import trio.testing

from engine.actors import Actor, ActorCrashed, MailboxFull, Overflow, Topic, on
from engine.supervisors import ActorSpec, SupervisorSpec, open_actor_system

TARGETS = {
    "tell_ratio_vs_batched_channel": (">=", 0.3),
    "ask_ratio_vs_raw_pingpong": ("<=", 1.5),
    "spawn_ratio_vs_bare": ("<=", 2.0),
    "rss_kb_per_actor": ("<=", 6.0),
    "restart_ms_p50": ("<=", 1.0),
    "broadcast_ratio_vs_send_nowait_loop": ("<=", 1.5),
}

CAPACITY = 1024
POOL_MASK = 1023


@attrs.frozen
class Item:
    n: int


@attrs.frozen
class Total:
    pass


@attrs.frozen
class Ping:
    n: int


@attrs.frozen
class Crash:
    pass


class Tally(Actor):
    async def on_start(self) -> None:
        self.count = 0

    @on(Item)
    def item(self, msg: Item) -> None:
        self.count += 1

    @on(Total)
    def total(self, msg: Total) -> int:
        return self.count

    @on(Ping)
    def ping(self, msg: Ping) -> Ping:
        return msg

    @on(Crash)
    def crash(self, msg: Crash) -> None:
        raise RuntimeError("crash on purpose")


class Idle(Actor):
    """An actor that only waits: what a quiet room costs."""


POOL = [Item(n) for n in range(POOL_MASK + 1)]


def _rounds(
    count: int, actor: Callable[[], Any], baseline: Callable[[], Any]
) -> list[tuple[Any, Any]]:
    """Run ``count`` rounds of (actor, baseline), alternating which goes first."""
    results = []
    for r in range(count):
        if r % 2:
            b = baseline()
            a = actor()
        else:
            a = actor()
            b = baseline()
        results.append((a, b))
    return results


def _timed_run(fn: Callable[..., Any], *args: Any) -> float:
    gc.collect()
    return trio.run(fn, *args)


# -- tell -----------------------------------------------------------------------------------


async def tell_actor(n: int) -> float:
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="bench"))
        ref = await sup.start_child(
            ActorSpec(Tally, mailbox_capacity=CAPACITY, overflow=Overflow.BLOCK)
        )
        tell, put, pool = ref.tell, ref.put, POOL
        start = time.perf_counter()
        for i in range(n):
            m = pool[i & POOL_MASK]
            try:
                tell(m)
            except MailboxFull:
                await put(m)
        counted = await ref.ask(Total(), timeout=math.inf)
        elapsed = time.perf_counter() - start
    assert counted == n, counted
    return elapsed


async def tell_channel(n: int, batched: bool) -> float:
    send, receive = trio.open_memory_channel[Item](CAPACITY)
    counted = 0
    done = trio.Event()

    async def consume_batched() -> None:
        nonlocal counted
        receive_nowait = receive.receive_nowait
        count = 0
        while True:
            try:
                await receive.receive()
            except trio.EndOfChannel:
                break
            count += 1
            while True:
                try:
                    receive_nowait()
                except (trio.WouldBlock, trio.EndOfChannel):
                    break
                count += 1
        counted = count
        done.set()

    async def consume_each() -> None:
        nonlocal counted
        count = 0
        async for _ in receive:
            count += 1
        counted = count
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(consume_batched if batched else consume_each)
        await trio.testing.wait_all_tasks_blocked()
        send_nowait, pool = send.send_nowait, POOL
        start = time.perf_counter()
        for i in range(n):
            m = pool[i & POOL_MASK]
            try:
                send_nowait(m)
            except trio.WouldBlock:
                await send.send(m)
        await send.aclose()
        await done.wait()
        elapsed = time.perf_counter() - start
    assert counted == n, counted
    return elapsed


def bench_tell(n: int, n_await: int, rounds: int) -> dict[str, Any]:
    pairs = _rounds(
        rounds,
        lambda: n / _timed_run(tell_actor, n),
        lambda: n / _timed_run(tell_channel, n, True),
    )
    awaited = [
        n_await / _timed_run(tell_channel, n_await, False) for _ in range(max(1, rounds // 2))
    ]
    tell = statistics.median(a for a, _ in pairs)
    batched = statistics.median(b for _, b in pairs)
    ratio = statistics.median(a / b for a, b in pairs)
    print(f"tell: actor {tell:,.0f} msg/s, batched channel {batched:,.0f} msg/s, ratio {ratio:.2f}")
    print(f"      channel with one await per message {statistics.median(awaited):,.0f} msg/s")
    return {
        "tell_msgs_per_s": round(tell),
        "batched_channel_msgs_per_s": round(batched),
        "raw_await_msgs_per_s": round(statistics.median(awaited)),
        "tell_ratio_vs_batched_channel": round(ratio, 3),
    }


# -- ask ------------------------------------------------------------------------------------


async def ask_actor(n: int) -> float:
    async with open_actor_system() as system:
        ref = await system.spawn(Tally)
        ask = ref.ask
        msg = Ping(1)
        await ask(msg)
        start = time.perf_counter()
        for _ in range(n):
            await ask(msg)
        return (time.perf_counter() - start) / n


async def ask_pingpong(n: int) -> float:
    ping_send, ping_receive = trio.open_memory_channel[Ping](0)
    pong_send, pong_receive = trio.open_memory_channel[Ping](0)

    async def echo() -> None:
        async for value in ping_receive:
            await pong_send.send(value)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(echo)
        msg = Ping(1)
        await ping_send.send(msg)
        await pong_receive.receive()
        start = time.perf_counter()
        for _ in range(n):
            await ping_send.send(msg)
            await pong_receive.receive()
        elapsed = (time.perf_counter() - start) / n
        await ping_send.aclose()
    return elapsed


def bench_ask(n: int, rounds: int) -> dict[str, Any]:
    pairs = _rounds(rounds, lambda: _timed_run(ask_actor, n), lambda: _timed_run(ask_pingpong, n))
    ask = statistics.median(a for a, _ in pairs)
    raw = statistics.median(b for _, b in pairs)
    ratio = statistics.median(a / b for a, b in pairs)
    print(
        f"ask: {ask * 1e6:.2f} us per round trip, raw ping-pong {raw * 1e6:.2f} us, "
        f"ratio {ratio:.2f}"
    )
    return {
        "ask_us": round(ask * 1e6, 2),
        "raw_pingpong_us": round(raw * 1e6, 2),
        "ask_ratio_vs_raw_pingpong": round(ratio, 3),
    }


# -- spawn (each round in its own process) ----------------------------------------------------


def _rss_kb() -> float:
    with open("/proc/self/statm") as f:
        resident = int(f.read().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") / 1024


async def spawn_actors(n: int) -> None:
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="rooms", max_restarts=1000))
        for _ in range(100):  # warm up code paths and caches, kept alive
            await sup.start_child(ActorSpec(Idle))
        gc.collect()
        before = _rss_kb()
        start = time.perf_counter()
        for _ in range(n):
            await sup.start_child(ActorSpec(Idle))
        elapsed = time.perf_counter() - start
        gc.collect()
        grown = _rss_kb() - before
        assert len(sup.which_children()) == n + 100
        # Tearing 10k actors down gracefully is not what is measured: report and leave.
        _report_and_exit({"seconds": elapsed, "rss_kb_per_unit": grown / n})


async def spawn_bare(n: int) -> None:
    async def bare(*, task_status: trio.TaskStatus[None]) -> None:
        _send, receive = trio.open_memory_channel[Any](CAPACITY)
        task_status.started()
        await receive.receive()

    async with trio.open_nursery() as nursery:
        for _ in range(100):
            await nursery.start(bare)
        gc.collect()
        before = _rss_kb()
        start = time.perf_counter()
        for _ in range(n):
            await nursery.start(bare)
        elapsed = time.perf_counter() - start
        gc.collect()
        grown = _rss_kb() - before
        _report_and_exit({"seconds": elapsed, "rss_kb_per_unit": grown / n})


def _report_and_exit(result: dict[str, float]) -> None:
    print(json.dumps(result), flush=True)
    os._exit(0)


def _spawn_child(kind: str, n: int) -> None:
    """Entry point of one spawn round's subprocess: prints one JSON object and exits."""
    gc.collect()
    trio.run(spawn_actors if kind == "actors" else spawn_bare, n)


def _spawn_round(kind: str, n: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--spawn-child", kind, str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_spawn(n: int, rounds: int) -> dict[str, Any]:
    pairs = _rounds(rounds, lambda: _spawn_round("actors", n), lambda: _spawn_round("bare", n))
    actors = statistics.median(a["seconds"] for a, _ in pairs)
    bare = statistics.median(b["seconds"] for _, b in pairs)
    ratio = statistics.median(a["seconds"] / b["seconds"] for a, b in pairs)
    rss = statistics.median(a["rss_kb_per_unit"] for a, _ in pairs)
    bare_rss = statistics.median(b["rss_kb_per_unit"] for _, b in pairs)
    print(
        f"spawn {n:,}: actors {actors * 1e3:.0f} ms, bare tasks {bare * 1e3:.0f} ms, "
        f"ratio {ratio:.2f}"
    )
    print(f"      RSS per idle actor {rss:.2f} KB, per bare task with a channel {bare_rss:.2f} KB")
    return {
        "spawn_10k_ms": round(actors * 1e3, 1),
        "bare_10k_ms": round(bare * 1e3, 1),
        "spawn_ratio_vs_bare": round(ratio, 3),
        "rss_kb_per_actor": round(rss, 2),
        "rss_kb_per_bare_task": round(bare_rss, 2),
    }


# -- restart --------------------------------------------------------------------------------


async def restart_times(n: int) -> list[float]:
    async with open_actor_system() as system:
        sup = await system.start_supervisor(
            SupervisorSpec(id="crashy", max_restarts=10 * n, max_seconds=1.0)
        )
        ref = await sup.start_child(ActorSpec(Tally, id="tally"))
        crash, ping = Crash(), Ping(0)
        times = []
        for _ in range(n):
            start = time.perf_counter()
            with contextlib.suppress(ActorCrashed):
                await ref.ask(crash)
            await ref.ask(ping)
            times.append(time.perf_counter() - start)
        assert sup.restarts == n
        return times


def bench_restart(n: int) -> dict[str, Any]:
    gc.collect()
    times = sorted(trio.run(restart_times, n))
    p50 = statistics.median(times) * 1e3
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1e3
    print(f"restart: p50 {p50:.3f} ms, p99 {p99:.3f} ms over {n} crashes")
    return {"restart_ms_p50": round(p50, 4), "restart_ms_p99": round(p99, 4)}


# -- broadcast ------------------------------------------------------------------------------


async def broadcast(n: int, rounds: int) -> list[tuple[float, float]]:
    async with open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="members"))
        topic = Topic("room")
        for _ in range(n):
            topic.subscribe(await sup.start_child(ActorSpec(Idle)))

        sends = []

        async def member(receive: trio.MemoryReceiveChannel[Item]) -> None:
            async for _ in receive:
                pass

        async with trio.open_nursery() as nursery:
            for _ in range(n):
                send, receive = trio.open_memory_channel[Item](CAPACITY)
                sends.append(send)
                nursery.start_soon(member, receive)
            await trio.testing.wait_all_tasks_blocked()
            msg = Item(1)

            def publish() -> float:
                start = time.perf_counter()
                delivered = topic.publish(msg)
                elapsed = time.perf_counter() - start
                assert delivered == n, delivered
                return elapsed

            def loop() -> float:
                start = time.perf_counter()
                for send in sends:
                    send.send_nowait(msg)
                return time.perf_counter() - start

            pairs = []
            for r in range(rounds):
                first, second = (loop, publish) if r % 2 else (publish, loop)
                gc.collect()
                a = first()
                await trio.testing.wait_all_tasks_blocked()
                gc.collect()
                b = second()
                await trio.testing.wait_all_tasks_blocked()
                pairs.append((a, b) if first is publish else (b, a))
            nursery.cancel_scope.cancel()
        return pairs


def bench_broadcast(n: int, rounds: int) -> dict[str, Any]:
    pairs = trio.run(broadcast, n, rounds)
    publish = statistics.median(a for a, _ in pairs)
    loop = statistics.median(b for _, b in pairs)
    ratio = statistics.median(a / b for a, b in pairs)
    print(
        f"broadcast to {n:,}: publish {publish * 1e3:.2f} ms, send_nowait loop {loop * 1e3:.2f} ms,"
        f" ratio {ratio:.2f}"
    )
    return {
        "broadcast_10k_ms": round(publish * 1e3, 3),
        "send_nowait_loop_10k_ms": round(loop * 1e3, 3),
        "broadcast_ratio_vs_send_nowait_loop": round(ratio, 3),
    }


# -- main -----------------------------------------------------------------------------------


def _judge(figures: dict[str, Any]) -> dict[str, Any]:
    targets = {}
    for key, (op, bound) in TARGETS.items():
        value = figures[key]
        met = value >= bound if op == ">=" else value <= bound
        targets[key] = {"target": f"{op} {bound}", "met": met}
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON object as the last line")
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    parser.add_argument("--only", action="append", help="run only these parts (tell, ask, ...)")
    parser.add_argument("--spawn-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spawn_child:
        _spawn_child(args.spawn_child[0], int(args.spawn_child[1]))
        return

    logging.getLogger("engine").addHandler(logging.NullHandler())
    logging.getLogger("engine").propagate = False
    scale = 10 if args.quick else 1
    parts: dict[str, Callable[[], dict[str, Any]]] = {
        "tell": lambda: bench_tell(1_000_000 // scale, 200_000 // scale, 3),
        "ask": lambda: bench_ask(20_000 // scale, 5),
        "spawn": lambda: bench_spawn(10_000, 5 if not args.quick else 1),
        "restart": lambda: bench_restart(300),
        "broadcast": lambda: bench_broadcast(10_000, 11 if not args.quick else 5),
    }
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    for name, part in parts.items():
        if not args.only or name in args.only:
            figures.update(part())
    if not args.only:
        figures["targets"] = _judge(figures)
        missed = [k for k, v in figures["targets"].items() if not v["met"]]
        print("all targets met" if not missed else f"missed: {', '.join(missed)}")
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(f"({figures['seconds']} s)")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
