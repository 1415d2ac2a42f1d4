"""Quipflip: parties from the lobby to the results.

A group is one party of human guests (``guest`` each): the first creates it (``create``) for
exactly the group's number of players (an AI player joins a group of one, as a party needs
two), the others join by its code (``join``); everyone connects to the party's WebSocket
(``connect``) and says it is ready (``ready``); the host starts (``start``). In each phase
every player starts its rounds (``prompt``, ``copy``, ``vote``) and submits them (``submit``),
each after a think of up to ``1 / rate`` seconds, and waits for the next phase's notification.
Once the party is over the host reads the results (``results``; ``parties finished``).

AI players and phase timers follow the server's settings (``PARTY_ENGINE_QUIPFLIP_AI_DELAY``
and the phase seconds).
"""

from __future__ import annotations

import itertools
from typing import Any

import trio

from ..group import ActionFailed, Connection, Group
from ..scenario import Scenario

__all__ = ["QUIPFLIP"]

MAX_PLAYERS = 9
#: Seconds a player waits for the next phase: the others' rounds, or the phase's timer.
_PHASE_WAIT = 240.0
_COUNTERS = {
    "prompt": ("your_prompts_submitted", "prompts_required"),
    "copy": ("your_copies_submitted", "copies_required"),
    "vote": ("your_votes_submitted", "votes_required"),
}
_NEXT_PHASE = {"prompt": "COPY", "copy": "VOTE", "vote": "RESULTS"}


def _phrase(kind: str, name: str, round_: dict[str, Any], number: int) -> str:
    """The phrase of a player's ``number``-th round of ``kind`` (a player may copy the same
    original twice in a small party, and the two copies must differ)."""
    if kind == "prompt":
        return f"the answer of {name}"
    if kind == "copy":
        return f"{round_['original_phrase']} by {name} take {number}"
    return str(round_["phrases"][0])


async def _play_phase(group: Group, auth: dict[str, str], name: str, party: str, kind: str) -> None:
    """Start and submit this player's rounds of ``kind`` until it owes none."""
    submitted_key, required_key = _COUNTERS[kind]
    for number in itertools.count(1):
        await group.think()
        start = f"/party/{party}/rounds/{kind}"
        round_ = await group.http(kind, "POST", start, headers=auth, expect=(200, 400))
        if "round_id" not in round_:  # nothing (more) to do in this phase, as the server says
            return
        phrase = {"phrase": _phrase(kind, name, round_, number)}
        submit = f"/party/{party}/rounds/{round_['round_id']}/submit"
        done = await group.http("submit", "POST", submit, json=phrase, headers=auth)
        progress = done["session_progress"]
        if progress[submitted_key] >= progress[required_key]:
            return


def _phase_is(phase: str) -> Any:
    def matches(message: Any) -> bool:
        kind = message.get("type")
        if phase == "PROMPT":
            return kind == "session_started"
        return kind == "phase_transition" and message["new_phase"] == phase

    return matches


async def play(group: Group) -> None:
    if group.size > MAX_PLAYERS:
        raise ActionFailed("group too big", f"a party has at most {MAX_PLAYERS} players")
    guests = []
    for number in range(group.size):
        body = {"username": f"load {group.name(number)}"[:20]}
        guests.append(await group.http("guest", "POST", "/auth/guest", json=body))
    auths = [{"Authorization": f"Bearer {guest['access_token']}"} for guest in guests]
    size = {"min_players": max(2, group.size), "max_players": max(2, group.size)}
    party = await group.http("create", "POST", "/party/create", json=size, headers=auths[0])
    party_id = party["session_id"]
    if group.size == 1:
        await group.http("add_ai", "POST", f"/party/{party_id}/add-ai", headers=auths[0])
    for auth in auths[1:]:
        code = {"party_code": party["party_code"]}
        await group.http("join", "POST", "/party/join", json=code, headers=auth)
    all_ready = trio.Event()
    ready = 0

    async def player(index: int) -> None:
        nonlocal ready
        auth, name = auths[index], guests[index]["username"]
        token = {"token": guests[index]["access_token"]}
        async with group.websocket(f"/party/{party_id}/ws", params=token) as connection:
            await group.http("ready", "POST", f"/party/{party_id}/ready", headers=auth)
            ready += 1
            if ready == group.size:
                all_ready.set()
            if index == 0:
                await all_ready.wait()
                await group.http("start", "POST", f"/party/{party_id}/start", headers=auth)
            await _wait_for(connection, "PROMPT")
            for kind in ("prompt", "copy", "vote"):
                await _play_phase(group, auth, name, party_id, kind)
                await _wait_for(connection, _NEXT_PHASE[kind])
            if index == 0:
                await group.http("results", "GET", f"/party/{party_id}/results", headers=auth)
                group.count("parties finished")

    async with trio.open_nursery() as nursery:
        for index in range(group.size):
            nursery.start_soon(player, index)


async def _wait_for(connection: Connection, phase: str) -> None:
    await connection.receive(_phase_is(phase), timeout=_PHASE_WAIT)
    connection.discard_pending()  # the others' progress


QUIPFLIP = Scenario(
    "quipflip",
    play,
    group_size=6,
    description="Quipflip parties of six guests, from the lobby to the results",
)
