"""Quipflip benchmark: many six-player parties played at once through the session actors.

    python bench/quipflip.py [--json] [--parties N] [--store URL]

Each party has six human players (with accounts) who join, get ready and play every round of
PROMPT, COPY and VOTE: each round is two asks to the session's actor (start the round, submit
its phrase), through the rules, the phase changes, the commit to the store, the notifications
and the wallet write-back to each player's account. Every party runs in its own task, all at
once, in one process, the way an HTTP handler asks the actor (the HTTP layer is left out:
bench/http.py measures it).

Figures: ``games_per_s`` (parties finished over the wall time), ``asks_per_s``,
``ask_p50_ms`` and ``ask_p99_ms`` (one ask, every other party busy meanwhile), and, as the
baseline measured in the same run, ``rules_games_per_s``: as many parties played through the
pure rules alone (no actors, no store, no JSON) in one task. ``engine_ratio`` is the first
over the last. The default store is ``memory://``. With ``--json`` the last line is one JSON
object. The run is bounded (60 s).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

import trio

from engine import clock
from engine.apps.quipflip import app as quipflip_app
from engine.apps.quipflip import errors, lobby, phases, rounds
from engine.apps.quipflip.messages import Join, Ready, Start, StartRound, Submit
from engine.apps.quipflip.party import PartyConfig, PartyState, PhaseTimers, Round, RoundKind
from engine.apps.quipflip.players import PlayerAccount
from engine.apps.quipflip.routes import Quipflip
from engine.web import open_engine

PARTIES = 100
PLAYERS = 6
TIME_LIMIT = 60.0
CONFIG = PartyConfig(min_players=PLAYERS, max_players=PLAYERS)
KINDS = (RoundKind.PROMPT, RoundKind.COPY, RoundKind.VOTE)
# A player is done with a phase when a round is refused for one of these (the last
# submission of a phase moves the party on, so the next ask meets the next phase).
DONE = (errors.AlreadySubmitted, errors.NothingToCopy, errors.NothingToVote, errors.WrongPhase)


def phrase_for(kind: RoundKind, player: str, prompt: str, original: str, phrases: Any) -> str:
    """What a bench player writes: its own answer, a copy marked with its name, the first
    phrase offered."""
    if kind is RoundKind.PROMPT:
        return f"the answer of {player} to {prompt[:20]}"
    if kind is RoundKind.COPY:
        return f"{original} says {player}"
    return str(phrases[0])


# -- through the actors ------------------------------------------------------------------------


async def play_party(party: Quipflip, number: int, latencies: list[float]) -> None:
    names = [f"p{number}-{seat}" for seat in range(PLAYERS)]
    now = clock.now()
    for name in names:
        await party.accounts.create(PlayerAccount(name, name, now))
    host = lobby.Newcomer(f"{names[0]}-seat", names[0], names[0], 5000)
    seed = lobby.create(
        session_id="", party_code=party.new_code(), host=host, config=CONFIG, now=now
    )
    _, ref = await party.sessions.create(seed)
    for name in names[1:]:
        await ref.ask(Join(lobby.Newcomer(f"{name}-seat", name, name, 5000), elsewhere=False))
    for name in names:
        await ref.ask(Ready(name))
    await ref.ask(Start(names[0]))

    async def ask(message: Any) -> Any:
        started = time.perf_counter()
        answer = await ref.ask(message)
        latencies.append(time.perf_counter() - started)
        return answer

    for kind in KINDS:
        for name in names:
            while True:
                try:
                    got = await ask(StartRound(name, kind))
                except DONE:
                    break
                phrase = phrase_for(
                    kind, name, got.prompt_text or "", got.original_phrase or "", got.phrases
                )
                await ask(Submit(name, got.round_id, phrase))


async def through_actors(parties: int, store: str) -> dict[str, float]:
    latencies: list[float] = []
    environ = {"PARTY_ENGINE_QUIPFLIP_AI_DELAY": "0"}
    async with open_engine([quipflip_app.app], store=store, environ=environ) as engine:
        party: Quipflip = engine.contexts["quipflip"]
        started = time.perf_counter()
        with trio.fail_after(TIME_LIMIT):
            async with trio.open_nursery() as nursery:
                for number in range(parties):
                    nursery.start_soon(play_party, party, number, latencies)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "games_per_s": parties / elapsed,
        "asks_per_s": len(latencies) / elapsed,
        "ask_p50_ms": latencies[len(latencies) // 2] * 1000,
        "ask_p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


# -- the rules alone -----------------------------------------------------------------------------


def rules_game(number: int, rng: random.Random) -> PartyState:
    names = [f"p{number}-{seat}" for seat in range(PLAYERS)]
    timers = PhaseTimers()
    now = 1_000.0
    state = lobby.create(
        session_id=str(number),
        party_code="ABCD2345",
        host=lobby.Newcomer(f"{names[0]}-seat", names[0], names[0], 5000),
        config=CONFIG,
        now=now,
    )
    for name in names[1:]:
        state = lobby.join(state, lobby.Newcomer(f"{name}-seat", name, name, 5000), now)
    for name in names:
        state = lobby.mark_ready(state, name, now)
    state = lobby.start(state, names[0], now, timers)
    for kind in KINDS:
        for name in names:
            while True:
                try:
                    state, got = rounds.start_round(state, name, kind, now, rng)
                except DONE:
                    break
                state = _submit(state, name, got, kind)
                state, _ = phases.settle(state, now, rng, timers)
    return state


def _submit(state: PartyState, name: str, got: Round, kind: RoundKind) -> PartyState:
    phrase = phrase_for(kind, name, got.prompt_text, got.original_phrase, got.phrases)
    state, _ = rounds.submit(state, name, got.round_id, phrase, 1_000.0)
    return state


def rules_alone(parties: int) -> float:
    rng = random.Random(1)
    started = time.perf_counter()
    for number in range(parties):
        assert rules_game(number, rng).phase.value == "RESULTS"
    return parties / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--parties", type=int, default=PARTIES)
    parser.add_argument("--store", default="memory://")
    args = parser.parse_args()
    figures = trio.run(through_actors, args.parties, args.store)
    figures["rules_games_per_s"] = rules_alone(args.parties)
    figures["engine_ratio"] = figures["games_per_s"] / figures["rules_games_per_s"]
    figures = {key: round(value, 3) for key, value in figures.items()}
    figures.update(parties=args.parties, players=PLAYERS, store=args.store)
    if not args.json:
        for key, value in figures.items():
            print(f"{key:>20}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
