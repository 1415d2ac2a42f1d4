"""Liap Tui benchmark: 200 rooms playing whole games at once in one process.

    python bench/liaptui.py [--json] [--rooms N] [--store URL]

Each room is created through the lobby and played to ``game_over`` with no pauses (bot think
time and turn pause 0). Three seats are the server's bots; the fourth is an in-process client
(`engine.apps.liaptui.testing.LocalClient`) that plays the bots' own strategy through the
protocol the moment it is asked, so every room is a bots' game, and the client's moves are
the actions timed: from the client's ``play``/``declare``/redeal message entering the room to
its ``*_accepted`` broadcast reaching the client, through parsing, the rules, the commit to
the store and the encode-once broadcast, with every other room busy at the same time.

Figures: ``games_per_s`` (games finished over the wall time, all rooms concurrent),
``cpu_ms_per_game`` (the process's CPU time over the same span, per game: steadier than the
wall time on a shared machine),
``action_p99_ms`` and ``action_p50_ms``, ``rss_mb`` (resident memory once every game is over,
the rooms still alive), and, as the baseline measured in the same run, ``rules_games_per_s``:
the same number of games played by the pure rules alone (no actors, no store, no JSON) in one
task; ``engine_ratio`` is the first over the last. The default store is ``memory://``.
With ``--json`` the last line is one JSON object. The run is bounded (120 s).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from typing import Any

import trio

from engine.actors import ActorRef
from engine.apps.liaptui import game as rules
from engine.apps.liaptui.bots import choose_action
from engine.apps.liaptui.settings import Settings
from engine.apps.liaptui.testing import (
    LocalClient,
    ScriptedPlayer,
    create_room,
    live_room,
    open_local_liaptui,
)
from engine.store import open_store

ROOMS = 200
TIME_LIMIT = 120.0
SETTINGS = Settings(
    bot_delay=0, turn_pause=0, action_timeout=600, reconnect_grace=3600, rate_limit=None, seed=1
)
_ANSWERS = ("declaration_accepted", "play_accepted", "redeal_decision_accepted")


class Host:
    """The one client of a room: plays at once, times its moves, notes the game's end."""

    def __init__(self, name: str, room: ActorRef, latencies: list[float], over: trio.Event) -> None:
        self.name, self.player = name, ScriptedPlayer(name)
        self.latencies, self.over = latencies, over
        self.sent_at = 0.0
        self.client = LocalClient.connect(room, on_message=self.on_message)

    def on_message(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event in _ANSWERS and message["data"]["player"] == self.name:
            self.latencies.append(time.perf_counter() - self.sent_at)
        for move, data in self.player.observe(message):
            self.sent_at = time.perf_counter()
            self.client.send(move, data)
        if event == "game_over":
            self.over.set()


async def play_rooms(rooms: int, store_url: str) -> dict[str, Any]:
    latencies: list[float] = []
    async with open_store(store_url) as store, open_local_liaptui(SETTINGS, store=store) as app:
        hosts = []
        for number in range(rooms):
            created = await create_room(app, f"Room {number}", "Host", is_public=False)
            host = Host("Host", live_room(app, created.room_id), latencies, trio.Event())
            host.client.send("join_room", player_name="Host", player_token=created.player_token)
            hosts.append(host)
        started, cpu_started = time.perf_counter(), time.process_time()
        for host in hosts:
            host.client.send("start_game")
        with trio.fail_after(TIME_LIMIT):
            for host in hosts:
                await host.over.wait()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        rss_mb = _rss_mb()
    latencies.sort()
    return {
        "games_per_s": rooms / elapsed,
        "cpu_ms_per_game": 1000 * cpu / rooms,
        "action_p50_ms": 1000 * latencies[len(latencies) // 2],
        "action_p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "actions_timed": len(latencies),
        "rss_mb": rss_mb,
        "elapsed_s": elapsed,
    }


def play_rules(games: int) -> float:
    """Games per second of the rules alone, bots on every seat, in this one thread."""
    started = time.perf_counter()
    for number in range(games):
        rng = random.Random(number)
        game, _ = rules.start_game(["A", "B", "C", "D"], rng, [True] * 4)
        while game.phase is not rules.Phase.GAME_OVER:
            if game.phase is rules.Phase.SCORING:
                game, _ = rules.next_round(game, rng)
            else:
                seat = rules.who_must_act(game)[0]
                game, _ = rules.apply(game, choose_action(game, seat), rng)
    return games / (time.perf_counter() - started)


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:  # not Linux: the peak is the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print a JSON object as the last line")
    parser.add_argument("--rooms", type=int, default=ROOMS)
    parser.add_argument("--store", default="memory://")
    args = parser.parse_args()
    figures = trio.run(play_rooms, args.rooms, args.store)
    figures["rules_games_per_s"] = play_rules(args.rooms)
    figures["engine_ratio"] = figures["games_per_s"] / figures["rules_games_per_s"]
    timed, elapsed = figures["actions_timed"], figures["elapsed_s"]
    print(f"{args.rooms} rooms, {timed} client actions timed, {elapsed:.1f} s")
    print(
        f"{'games_per_s':>18}: {figures['games_per_s']:.1f}  (rules alone: "
        f"{figures['rules_games_per_s']:.1f}, ratio {figures['engine_ratio']:.2f})"
    )
    print(f"{'cpu_ms_per_game':>18}: {figures['cpu_ms_per_game']:.1f}")
    print(f"{'action_p50_ms':>18}: {figures['action_p50_ms']:.2f}")
    print(f"{'action_p99_ms':>18}: {figures['action_p99_ms']:.2f}")
    print(f"{'rss_mb':>18}: {figures['rss_mb']:.0f}")
    if args.json:
        print(json.dumps({key: round(value, 3) for key, value in figures.items()}))


if __name__ == "__main__":
    main()
