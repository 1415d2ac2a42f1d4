"""Liap Tui: whole games, from the lobby to ``game_over``.

A group of four players plays one game per life. Even-numbered groups sit at one table of four
humans; odd-numbered groups split into tables of two humans, and the server's bots take the
other seats. Humans play the bots' own strategy (`ScriptedPlayer`), each move after a think of
up to ``1 / rate`` seconds. The actions timed are ``create_room`` (lobby), ``join_room``,
``start_game`` and every move (``declare``, ``play``, ``decline_redeal``), each from the
message sent to its ``*_accepted`` broadcast; ``games started`` and ``games finished`` count
the games begun and played to the end. The pacing of bots and turns is the server's
(``PARTY_ENGINE_LIAPTUI_BOT_DELAY``, ``_TURN_PAUSE``). Point ``--url`` at the app
(``http://host:port/liaptui`` when the server runs every app).
"""

from __future__ import annotations

from typing import Any

import trio

from engine.apps.liaptui.testing import ScriptedPlayer

from ..group import Connection, Group
from ..scenario import Scenario

__all__ = ["LIAPTUI"]

_ACCEPTED = frozenset({"declaration_accepted", "play_accepted", "redeal_decision_accepted"})
_REFUSED = frozenset({"error", "validation_error"})
#: The refusal of a move the game no longer waits for ("not your turn").
_OVERTAKEN = "refused 2002"
#: Seconds a player may wait for the next event of its game: bots and pauses at realistic
#: pacing, and a human's 30 s to act, fit well within it.
_GAME_SILENCE = 90.0


def _tables(group: Group) -> list[int]:
    """Humans per table: one table of everyone for even groups, tables of two for odd ones."""
    if group.index % 2 == 0:
        return [group.size]
    return [2] * (group.size // 2) + [1] * (group.size % 2)


def _answer_to(name: str) -> Any:
    def matches(message: Any) -> bool:
        accepted = message.get("event") in _ACCEPTED
        return accepted and message.get("data", {}).get("player") == name

    return matches


def _refusal(message: Any) -> str | None:
    """A refusal's kind: its error code (see the protocol's error codes)."""
    if message.get("event") in _REFUSED:
        return f"refused {message['error']['code']}"
    return None


async def _ask(connection: Connection, action: str, data: dict[str, Any], answer: Any) -> Any:
    message = {"event": action, "data": data}
    return await connection.ask(action, message, answer, refusal=_refusal)


async def _play_seat(
    group: Group, connection: Connection, player: ScriptedPlayer, *, creator: bool
) -> None:
    """Play ``player``'s seat until ``game_over``. Messages are handled strictly in order (the
    player must never act on a state older than one it has seen), so a move's answer is found
    in the stream rather than picked out of it, and its latency measured from its send time."""
    unanswered: tuple[str, float] | None = None  # the move sent, and when
    while True:
        message = await connection.receive(timeout=_GAME_SILENCE)
        event = message.get("event")
        if unanswered is not None:
            move, sent = unanswered
            refusal = _refusal(message)
            if refusal == _OVERTAKEN:
                # Decided on a state the game left while the move was on its way (a human's
                # think, a redeal settled by the others): the player thinks again.
                group.count("moves overtaken by the game")
                unanswered = None
            elif refusal is not None:
                raise group.failure(move, refusal, repr(message))
            if _answer_to(player.name)(message):
                group.measured(move, group.now() - sent)
                unanswered = None
        if event == "game_over":
            if creator:
                group.count("games finished")
            return
        if event == "player_timeout" and message["data"]["player"] == player.name:
            group.count("human moves timed out")
        for move, data in player.observe(message):
            await group.think()
            await connection.send({"event": move, "data": data})
            unanswered = (move, group.now())


async def _play_table(group: Group, names: list[str]) -> None:
    creator = names[0]
    async with group.websocket("/ws/lobby", type_key="event") as lobby:
        room = {"room_name": f"load {creator}", "player_name": creator, "is_public": False}
        created = await _ask(lobby, "create_room", room, "room_created")
    room_id, token = created["data"]["room_id"], created["data"]["player_token"]
    seated = trio.Event()  # the creator holds the first seat: the others join after her
    everyone = len(names)

    async def seat(name: str) -> None:
        is_creator = name == creator
        if not is_creator:
            await seated.wait()
        async with group.websocket(f"/ws/{room_id}", type_key="event") as room:
            join = {"player_name": name, **({"player_token": token} if is_creator else {})}
            await _ask(room, "join_room", join, "room_joined")
            player = ScriptedPlayer(name)
            if is_creator:
                seated.set()
                for _ in range(everyone - 1):
                    await room.receive("player_joined", timeout=_GAME_SILENCE)
                await _ask(room, "start_game", {}, "game_started")
                group.count("games started")
            await _play_seat(group, room, player, creator=is_creator)

    async with trio.open_nursery() as nursery:
        for name in names:
            nursery.start_soon(seat, name)


async def play(group: Group) -> None:
    """One game at each of the group's tables."""
    first = 0
    async with trio.open_nursery() as nursery:
        for humans in _tables(group):
            names = [group.name(player) for player in range(first, first + humans)]
            nursery.start_soon(_play_table, group, names)
            first += humans


LIAPTUI = Scenario(
    "liaptui",
    play,
    group_size=4,
    description="Liap Tui games: tables of four humans, and of two humans with two bots",
)
