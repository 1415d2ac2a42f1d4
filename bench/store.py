"""Store benchmark: group commit against one commit per save and against memory, and recovery.

    python bench/store.py [--json] [--postgres | --backend postgresql://...] [--seconds S]

1,000 persistent party actors are each asked to change their state over and over (a reply means
the state and its event are durable) for a fixed time, in the same run and in alternating
rounds: on the durable backend with one commit per save (``group_commit=False``), on it with
group commit, and on the memory store (group commit, nothing durable). ``group_commit_ratio`` is
the second rate over the first (target >= 10); ``durable_ratio_vs_memory`` is the second over
the third (target >= 0.7): what durability costs an app whose every reply waits for its commit.
``main_thread_us_per_save`` is the CPU time of the Trio thread (the one that runs every actor)
per acknowledged group-committed save: the actors' work, the save's encoding and the hand-offs
to the writer, not the database's own work in the writer thread.
``recover_10k_s`` is the time a restart takes to bring back 10,000 saved parties: open the store
and the actor system, ``load_all`` them and start every party's actor from its record (target
<= 3 s).

The default backend is SQLite in a temporary directory (removed afterwards), with the store's
own ``synchronous=FULL``. ``--postgres`` starts a throwaway PostgreSQL server for the run
(``engine.store.testing.postgres_server``, with fsync on: commits are as durable as a real
server's). ``--backend postgresql://...`` runs against that server instead: give it a scratch
database, as the benchmark creates its tables and leaves its rows there (under kinds unique to
the run). With ``--json`` the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import attrs
import trio

from engine.actors import on
from engine.store import PersistentActor, Store, open_store
from engine.store.testing import postgres_server
from engine.supervisors import ActorSpec, RestartType, SupervisorSpec, open_actor_system

SAVERS = 1000
ROUNDS = 3
PARTIES = 10_000
MEMORY_URL = "memory://"


def _party(key: str, n: int) -> dict[str, Any]:
    """A party's state of a realistic size (~300 bytes of JSON)."""
    players = [{"id": f"{key}-{i}", "name": f"player {i}", "ready": i % 2 == 0} for i in range(4)]
    return {"code": key, "phase": "lobby", "round": n, "players": players}


@attrs.frozen
class Party:
    code: str
    phase: str
    round: int
    players: list[dict[str, Any]]


@attrs.frozen
class Bump:
    pass


class PartyActor(PersistentActor[Party]):
    """A party whose every acknowledged ``Bump`` is a durable save plus one logged event."""

    kind = "bench.party"
    state_type = Party

    def initial_state(self) -> Party:
        return Party(**_party(self.key, 0))

    @on(Bump)
    def bump(self, msg: Bump) -> int:
        self.state = attrs.evolve(self.state, round=self.state.round + 1)
        self.record_event(self.state.round, {"n": self.state.round})
        return self.state.round


async def _ask_loop(party: Any, deadline: float, counter: list[int]) -> None:
    while trio.current_time() < deadline:
        await party.ask(Bump(), timeout=60)
        counter[0] += 1


async def _timed_run(
    url: str, *, group_commit: bool, seconds: float, kind: str
) -> tuple[int, float, float]:
    """``SAVERS`` concurrent savers for ``seconds``: (acknowledged saves, elapsed seconds, CPU
    seconds of this thread)."""
    counter = [0]
    async with open_store(url, group_commit=group_commit) as store, open_actor_system() as system:
        parties = [
            await system.spawn(partial(PartyActor, store, f"{kind}-{n}")) for n in range(SAVERS)
        ]
        started, cpu_started = time.perf_counter(), time.thread_time()
        deadline = trio.current_time() + seconds
        async with trio.open_nursery() as nursery:
            for party in parties:
                nursery.start_soon(_ask_loop, party, deadline, counter)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        stats = store.statistics()
    mode = "one commit per save" if not group_commit else f"{url.partition(':')[0]} group commit"
    print(
        f"{mode:>20}: {counter[0] / elapsed:9.0f} saves/s  ({counter[0]} saves,"
        f" {stats.commits} commits, mean batch {stats.mean_batch_size:.1f},"
        f" mean commit {stats.mean_commit_latency * 1000:.2f} ms,"
        f" main thread {cpu / max(counter[0], 1) * 1e6:.1f} us/save)"
    )
    return counter[0], elapsed, cpu


async def saves_per_second(
    url: str, seconds: float, run: str
) -> tuple[dict[str, float], dict[str, float]]:
    """Saves/s of each mode ("single", "group": on ``url``; "memory"), in alternating rounds,
    and the Trio thread's CPU seconds per save of each.

    The machine is shared: alternating short rounds lets every mode see the same background
    load, and each rate is total saves over total time across its rounds.
    """
    modes = {"single": (url, False), "group": (url, True), "memory": (MEMORY_URL, True)}
    totals = {mode: [0, 0.0, 0.0] for mode in modes}
    for round_ in range(ROUNDS):
        for mode, (mode_url, group_commit) in modes.items():
            figures = await _timed_run(
                mode_url,
                group_commit=group_commit,
                seconds=seconds / ROUNDS,
                kind=f"bench-{run}-{round_}-{mode}",
            )
            totals[mode] = [sum(pair) for pair in zip(totals[mode], figures, strict=True)]
    rates = {mode: saves / elapsed for mode, (saves, elapsed, _) in totals.items()}
    cpu = {mode: cpu / max(saves, 1) for mode, (saves, _, cpu) in totals.items()}
    return rates, cpu


async def recover_seconds(url: str) -> float:
    """Fill ``PARTIES`` parties, then time a restart: open the store and the actor system, load
    every saved party and start its actor (ready to answer) from the loaded record."""
    async with open_store(url) as store:
        async with trio.open_nursery() as nursery:
            for first in range(SAVERS):
                nursery.start_soon(_fill, store, range(first, PARTIES, SAVERS))
    started = time.perf_counter()
    async with open_store(url) as store, open_actor_system() as system:
        supervisor = await system.start_supervisor(
            SupervisorSpec(id="parties", max_restarts=1000, max_seconds=1)
        )
        for key, record in await store.load_all(PartyActor.kind):
            if not key.startswith("party-"):
                continue  # a shared --backend database also holds the save rounds' parties
            await supervisor.start_child(
                ActorSpec(
                    partial(PartyActor, store, key, preloaded=record),
                    name=("party", key),
                    restart=RestartType.TRANSIENT,
                )
            )
        elapsed = time.perf_counter() - started
        alive = sum(1 for _ in supervisor.snapshot().actors())
    assert alive == PARTIES, alive
    print(f"{'recovery':>20}: {PARTIES} parties loaded and their actors started in {elapsed:.3f} s")
    return elapsed


async def _fill(store: Store, numbers: range) -> None:
    for n in numbers:
        await store.save(PartyActor.kind, f"party-{n}", _party(str(n), 0), expected_version=0)


async def main(backend: str | None, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="party-engine-bench-") as tmp:
        if backend is None:
            saves_url = f"sqlite:///{Path(tmp) / 'saves.db'}"
            recover_url = f"sqlite:///{Path(tmp) / 'recover.db'}"
        else:
            saves_url = recover_url = backend
        print(
            f"backend: {saves_url.partition('://')[0]}, {SAVERS} concurrent savers,"
            f" {seconds:g} s per mode in {ROUNDS} alternating rounds"
        )
        run = uuid.uuid4().hex[:8]
        rates, cpu = await saves_per_second(saves_url, seconds, run)
        recover = await recover_seconds(recover_url)
    ratio = rates["group"] / rates["single"]
    durable_ratio = rates["group"] / rates["memory"]
    print(f"{'one commit per save':>20}: {rates['single']:9.0f} saves/s over all rounds")
    print(f"{'group commit':>20}: {rates['group']:9.0f} saves/s over all rounds")
    print(f"{'memory store':>20}: {rates['memory']:9.0f} saves/s over all rounds")
    print(f"{'group_commit_ratio':>20}: {ratio:.1f} (target >= 10)")
    print(f"{'durable vs memory':>20}: {durable_ratio:.2f} (target >= 0.7)")
    print(f"{'main thread':>20}: {cpu['group'] * 1e6:.1f} us per group-committed save")
    return {
        "backend": saves_url.partition("://")[0],
        "group_commit_ratio": round(ratio, 2),
        "durable_ratio_vs_memory": round(durable_ratio, 3),
        "saves_per_s": round(rates["group"]),
        "main_thread_us_per_save": round(cpu["group"] * 1e6, 1),
        "memory_saves_per_s": round(rates["memory"]),
        "one_commit_per_save_saves_per_s": round(rates["single"]),
        "recover_10k_s": round(recover, 3),
    }


def cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON object as the last line")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--backend", help="a postgresql:// URL (default: SQLite in a temp dir)")
    where.add_argument(
        "--postgres", action="store_true", help="run against a throwaway PostgreSQL server"
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="saving time per mode")
    args = parser.parse_args(argv)
    if args.backend is not None and not args.backend.startswith(("postgresql://", "postgres://")):
        parser.error("--backend takes a postgresql:// URL")
    with contextlib.ExitStack() as stack:
        backend = args.backend
        if args.postgres:
            backend = stack.enter_context(
                stack.enter_context(postgres_server(fsync=True)).database()
            )
        figures = trio.run(main, backend, args.seconds)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    cli(sys.argv[1:])
