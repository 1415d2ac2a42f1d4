"""In-process clients for the lobby and the rooms: no socket, the same messages.

A `LocalClient` is a player's connection as an actor sees it: it tells the actor `PeerConnected`,
`PeerMessage` and `PeerDisconnected` exactly as the engine's connection reader would (a room's
as the route admits it: a visitor), and keeps what the actor sends it, decoded, in arrival
order. Tests drive rooms with it (with a `MockClock` where time matters), and the benchmark
plays thousands of moves through it. `create_room` creates a room as a lobby client does, and
`room_state` reads what a room last committed.

Receiving is selective, as with `engine.net.client`: `receive` takes the oldest message with the
given event name and leaves the others, in order, for later.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from engine.actors import ActorRef
from engine.net import ConnectionClosed, Peer, PeerConnected, PeerMessage, json_dumps, json_loads
from engine.net.testing import MemoryPeerInbox
from engine.parties.testing import memory_member
from engine.store import Store, open_store
from engine.supervisors import open_actor_system

from .bots import declaration_for, play_for
from .directory import RoomDirectory, open_directory
from .pieces import PIECES_BY_ID
from .protocol import WIRE
from .room import RoomActor
from .settings import Settings
from .state import STATE_CONVERTER, RoomState
from .table import VISITOR, Connection

__all__ = [
    "CreatedRoom",
    "LocalClient",
    "ScriptedPlayer",
    "as_received",
    "create_room",
    "live_room",
    "open_local_liaptui",
    "play_until",
    "room_state",
]


def as_received(data: Any) -> Any:
    """What a client receives for ``data`` (an `events` value): the app's converter's JSON as
    the engine's encoder writes it, decoded again."""
    return json_loads(json_dumps(WIRE.unstructure(data)))


# Frozen, so one shared default is safe (ruff's B008 cannot see that).
_DEFAULT_SETTINGS = Settings()


@asynccontextmanager
async def open_local_liaptui(
    settings: Settings = _DEFAULT_SETTINGS, *, store: Store | None = None
) -> AsyncIterator[RoomDirectory]:
    """The lobby and the rooms in this process, without a server, for the block.

    With ``store`` None a memory store is opened for the block; given one (still open after
    the block), a second ``open_local_liaptui`` on it is a restart: the rooms come back from it.
    """
    if store is None:
        async with open_store("memory://") as memory:
            async with open_local_liaptui(settings, store=memory) as directory:
                yield directory
        return
    async with open_actor_system() as system, open_directory(system, store, settings) as directory:
        yield directory


@attrs.frozen
class CreatedRoom:
    """What ``room_created`` tells the room's creator."""

    room_id: str
    player_token: str


async def create_room(
    directory: RoomDirectory, room_name: str, player_name: str, **fields: Any
) -> CreatedRoom:
    """Create a room through a lobby connection, as a client does (``create_room``, with
    ``fields`` such as ``is_public``); return once ``room_created`` arrives."""
    assert directory.lobby is not None, "the lobby is not running"
    lobby = LocalClient.connect(directory.lobby)
    try:
        lobby.send("create_room", room_name=room_name, player_name=player_name, **fields)
        created = (await lobby.receive("room_created"))["data"]
    finally:
        lobby.disconnect()
    return CreatedRoom(created["room_id"], created["player_token"])


def live_room(directory: RoomDirectory, room_id: str) -> ActorRef:
    """Room ``room_id``'s actor, which the caller knows is live; raises `LookupError` if not."""
    room = directory.find(room_id)
    if room is None:
        raise LookupError(f"no live room {room_id}")
    return room


async def room_state(directory: RoomDirectory, room_id: str) -> RoomState:
    """What room ``room_id`` last committed, once it has handled every message told it so far
    (a visitor's ping answered is the sign)."""
    probe = LocalClient.connect(live_room(directory, room_id))
    try:
        probe.send("ping", client_time=0)
        await probe.receive("pong")
    finally:
        probe.disconnect()
    record = await directory.store.load(RoomActor.kind, room_id)
    assert record is not None, f"room {room_id} is not saved"
    return STATE_CONVERTER.structure(record.data, RoomState)


@attrs.define(eq=False)
class LocalClient:
    """One in-process connection to ``party``; made by `connect`.

    Messages that arrive are kept in ``messages`` until taken, unless there is an
    ``on_message``: then each is handed to it instead, in the sender's task (it must not block).
    """

    party: ActorRef
    on_message: Callable[[dict[str, Any]], None] | None = None
    messages: deque[dict[str, Any]] = attrs.field(factory=deque)
    peer: Peer = attrs.field(init=False)
    _inbox: MemoryPeerInbox = attrs.field(init=False)
    _arrived: trio.Event = attrs.field(factory=trio.Event)

    @classmethod
    def connect(
        cls, party: ActorRef, *, on_message: Callable[[dict[str, Any]], None] | None = None
    ) -> LocalClient:
        """Connect to ``party`` (tells it `PeerConnected`)."""
        client = cls(party, on_message)
        client.peer, client._inbox = memory_member(VISITOR, Connection())
        client._inbox.on_message = client._deliver
        party.tell(PeerConnected(client.peer))
        return client

    @property
    def closed(self) -> ConnectionClosed | None:
        """How the connection ended, if it has (the actor closed it, or `disconnect`)."""
        return self._inbox.closed

    def send(self, event: str, data: dict[str, Any] | None = None, /, **fields: Any) -> None:
        """Send ``{"event": event, "data": {...}}``; ``data`` and keyword fields are merged."""
        self.send_raw({"event": event, "data": {**(data or {}), **fields}})

    def send_raw(self, message: Any) -> None:
        """Send an already decoded message as is (for malformed ones)."""
        self.party.tell(PeerMessage(self.peer, message))

    def disconnect(self, code: int = 1006, *, by_peer: bool = True) -> None:
        """End the connection: the client went away (``by_peer``), or the server closed it."""
        self.party.tell(self._inbox.disconnect(code, by_peer=by_peer))

    async def receive(self, event: str | None = None, *, timeout: float = 5.0) -> dict[str, Any]:
        """Take the oldest message whose ``event`` is ``event`` (any message if None), waiting
        up to ``timeout``. Raises `trio.TooSlowError` when none arrives in time."""
        with trio.fail_after(timeout):
            while True:
                for index, message in enumerate(self.messages):
                    if event is None or message.get("event") == event:
                        del self.messages[index]
                        return message
                await self._arrived.wait()

    def take_all(self) -> list[dict[str, Any]]:
        """Everything that has arrived and not been taken, oldest first."""
        taken = list(self.messages)
        self.messages.clear()
        return taken

    def _deliver(self, message: dict[str, Any]) -> None:
        if self.on_message is not None:
            self.on_message(message)
            return
        self.messages.append(message)
        self._arrived.set()
        self._arrived = trio.Event()


_ANSWERS = frozenset({"play_accepted", "declaration_accepted", "redeal_decision_accepted"})
_ERRORS = frozenset({"error", "validation_error"})


@attrs.define(eq=False)
class ScriptedPlayer:
    """A client-side player that makes a legal move as soon as the game waits for it.

    Feed it every message its connection receives (`observe`); it answers the moves to send.
    It knows only what a client knows: its hand (``hand_updated``) and the game state shown
    with each phase. It declines redeals and otherwise plays as the server's bots do
    (`bots.declaration_for`, `bots.play_for`), so that a table of scripted players finishes a
    game in about as many rounds as a table of bots. It moves at most once per state it is
    shown, never while a move of its own is unanswered (after an error it thinks again), and
    after a ``reconnected`` it waits for its hand. Subclasses may override `choose`.
    """

    name: str
    hand: list[str] | None = None
    phase: str | None = None
    phase_data: dict[str, Any] = attrs.field(factory=dict)
    game_state: dict[str, Any] = attrs.field(factory=dict)
    _shown: object = None
    _acted_on: object = None
    _unanswered: bool = False

    def observe(self, message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The moves to send after ``message`` (none, or one)."""
        event, data = message.get("event"), message.get("data") or {}
        if event in _ERRORS:
            # A refused move changed nothing: think again about the same state.
            self._unanswered, self._acted_on = False, None
        elif event in _ANSWERS:
            self._unanswered = self._unanswered and data.get("player") != self.name
            return []
        elif event == "hand_updated":
            self.hand = [piece["id"] for piece in data["pieces"]]
        elif event == "phase_change":
            state = {**data["game_state"], "phase_data": data["phase_data"]}
            self._show(state, data["sequence_number"])
        elif event == "reconnected" and data.get("game_state") is not None:
            self.hand = None
            self._show(data["game_state"], ("reconnected", data["current_sequence"]))
        else:
            return []
        if self._unanswered or self._acted_on == self._shown:
            return []
        move = self.choose()
        if move is None:
            return []
        self._acted_on, self._unanswered = self._shown, True
        return [move]

    def _show(self, game_state: dict[str, Any], key: object) -> None:
        self.game_state, self._shown = game_state, key
        self.phase, self.phase_data = game_state["phase"], game_state["phase_data"]

    def choose(self) -> tuple[str, dict[str, Any]] | None:
        """The move to make in the state last shown, with the hand last dealt, if any."""
        data = self.phase_data
        if self.hand is None:
            return None
        hand = tuple(PIECES_BY_ID[piece_id] for piece_id in self.hand)
        if self.phase == "PREPARATION":
            undecided = self.name in data["weak_hands"] and self.name not in data["decisions"]
            return ("decline_redeal", {}) if undecided else None
        if self.phase == "DECLARATION" and data["current_declarer"] == self.name:
            value = declaration_for(hand, data["valid_declarations"])
            return "declare", {"declaration": value}
        if self.phase == "TURN" and data["current_player"] == self.name:
            declared = self.game_state["declarations"][self.name] or 0
            needed = declared - self.game_state["pile_counts"][self.name]
            table = [
                [PIECES_BY_ID[piece["id"]] for piece in play["pieces"]]
                for play in data["current_plays"].values()
            ]
            return "play", {"piece_ids": list(play_for(hand, needed, table))}
        return None


async def play_until(
    players: dict[LocalClient, ScriptedPlayer], event: str = "game_over", *, timeout: float = 30.0
) -> dict[LocalClient, dict[str, Any]]:
    """Let scripted players play through their clients until each has received ``event``.

    Returns each client's ``event`` message; what arrived before it is consumed, what arrived
    after it stays in the client. Raises `trio.TooSlowError` after ``timeout`` seconds.
    """
    reached: dict[LocalClient, dict[str, Any]] = {}

    async def play(client: LocalClient, player: ScriptedPlayer) -> None:
        while True:
            message = await client.receive(timeout=timeout)
            for move, data in player.observe(message):
                client.send(move, data)
            if message.get("event") == event:
                reached[client] = message
                return

    with trio.fail_after(timeout):
        async with trio.open_nursery() as nursery:
            for client, player in players.items():
                nursery.start_soon(play, client, player)
    return reached
