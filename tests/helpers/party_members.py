"""How a test client takes part in the party a WebSocket route serves, per app and route.

The WebSocket fuzzer finds every app's routes by itself (``engine.cli.available_apps``); what it
cannot know is how a client becomes a member of a party: which HTTP call makes one, where a
token comes from, what a socket says to join, and what makes every member hear something. That,
and only that, is here, each entry written against the app's own public HTTP and WebSocket
API, as a user's client would do it. A route with no entry is still fuzzed, anonymously and
without a control member.

A `Party` is plain data (ids, tokens) made in one client's Trio run and used in later ones:
Hypothesis runs each example in a fresh ``trio.run``.
"""

from __future__ import annotations

import abc
import itertools
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import attrs
import httpx
import trio

from engine.apps.liaptui.protocol import LOBBY_EVENTS, ROOM_EVENTS
from engine.apps.watchparty.models import MessageType
from engine.net.client import Client, ClientWebSocket

from fuzzing import client_addresses

Heard = Callable[[Any], bool]

#: Seconds to wait for an answer: a bound against a hang, generous for a loaded 2-core machine
#: (fuzz runs share it with the rest of the suite); nothing here is a timing assertion.
WAIT = 20.0


class Party(abc.ABC):
    """One party of a route, and its members' ways in."""

    @property
    @abc.abstractmethod
    def path(self) -> str:
        """The route's path, parameters filled in, under the app's prefix."""

    #: The field of a message that names its kind (``receive_until``).
    type_key: str

    @abc.abstractmethod
    def member(self, client: Client, role: str) -> AbstractAsyncContextManager[ClientWebSocket]:
        """A socket that has joined the party (``role`` is "control" or "fuzzed")."""

    @abc.abstractmethod
    async def provoke(self, client: Client) -> Heard:
        """Make something happen that every member hears; return how to recognise it."""


class Members(abc.ABC):
    """The parties of one route: `party` is asked once per example."""

    #: Messages the route accepts, which the fuzzer mutates into wrong ones.
    templates: Sequence[Mapping[str, Any]]

    @abc.abstractmethod
    async def party(self, client: Client, base: str) -> Party:
        """A party to fuzz (a new one, or the same as before); ``base`` is the app's prefix."""


# -- liaptui ---------------------------------------------------------------------------------


def _liaptui_message(event: str, **data: Any) -> dict[str, Any]:
    return {"event": event, "data": data}


_LIAPTUI_COMMON = [
    _liaptui_message("ping", client_time=1_700_000_000_000, sequence=1),
    _liaptui_message("version_info", client_version="1.0.0", supported_versions=["1.0.0"]),
]
_LIAPTUI_LOBBY = [
    *_LIAPTUI_COMMON,
    _liaptui_message(
        "create_room", room_name="Table", player_name="Alice", is_public=True, action_timeout=30.0
    ),
    _liaptui_message("room_list"),
]
_LIAPTUI_ROOM = [
    *_LIAPTUI_COMMON,
    _liaptui_message("join_room", player_name="Dana", player_token=None, last_sequence=0),
    _liaptui_message("leave_room", player_name="Fuzz"),
    _liaptui_message("start_game", player_name="Fuzz"),
    _liaptui_message("declare", declaration=2, player_name="Fuzz"),
    _liaptui_message("play", piece_ids=["p1", "p2"], player_name="Fuzz"),
    _liaptui_message("accept_redeal", player_name="Fuzz"),
    _liaptui_message("decline_redeal", player_name="Fuzz"),
    _liaptui_message("sync_request", last_sequence=0),
]
assert {m["event"] for m in _LIAPTUI_LOBBY} == set(LOBBY_EVENTS)
assert {m["event"] for m in _LIAPTUI_ROOM} == set(ROOM_EVENTS)


_LOBBY_CONTROL_ADDRESS = "127.2.0.1"
#: Times a lobby member asks for the room list before the fixture gives up.
_LOBBY_ATTEMPTS = 50


async def _create_room(client: Client, base: str) -> dict[str, Any]:
    async with client.websocket(
        f"{base}/ws/lobby", type_key="event", local_address=_LOBBY_CONTROL_ADDRESS
    ) as lobby:
        await lobby.write_json(
            _liaptui_message("create_room", room_name="Fuzz", player_name="Alice")
        )
        return (await lobby.receive_until("room_created", WAIT))["data"]


@asynccontextmanager
async def _seated(
    client: Client, path: str, name: str, token: str | None = None
) -> AsyncIterator[ClientWebSocket]:
    async with client.websocket(path, type_key="event") as ws:
        await ws.write_json(_liaptui_message("join_room", player_name=name, player_token=token))
        await ws.receive_until("room_joined", WAIT)
        yield ws


async def _lobby_room_list(ws: ClientWebSocket) -> None:
    """Ask the lobby for its room list until it answers, as a client would: the fuzzed
    connections share one address, whose message budget a fast sweep spends, and a refusal
    (4001, recoverable) says how long to wait before asking again."""
    for _ in range(_LOBBY_ATTEMPTS):
        await ws.write_json(_liaptui_message("room_list"))
        answer = await ws.receive_until(lambda m: m.get("event") in {"room_list", "error"}, WAIT)
        if answer["event"] == "room_list":
            return
        assert answer["error"]["code"] == "4001", answer
        await trio.sleep(answer["error"]["details"]["retry_after"])
    raise AssertionError(f"the lobby refused {_LOBBY_ATTEMPTS} room_list requests in a row")


@attrs.frozen
class _LiaptuiLobby(Party):
    base: str
    type_key: str = "event"

    @property
    def path(self) -> str:
        return f"{self.base}/ws/lobby"

    @asynccontextmanager
    async def member(self, client: Client, role: str) -> AsyncIterator[ClientWebSocket]:
        # The lobby limits messages per address: the control member (and the room creations
        # that provoke its room_list) must not share the fuzzed connections' budget, or a fast
        # run has them refused and the control member hears nothing.
        address = _LOBBY_CONTROL_ADDRESS if role == "control" else None
        async with client.websocket(self.path, type_key="event", local_address=address) as ws:
            await _lobby_room_list(ws)
            yield ws

    async def provoke(self, client: Client) -> Heard:
        # A room is listed (pushed to every lobby socket) once its creator sits down.
        created = await _create_room(client, self.base)
        async with _seated(
            client, f"{self.base}/ws/{created['room_id']}", "Alice", created["player_token"]
        ):
            pass
        room_id = created["room_id"]
        return lambda m: (
            m.get("event") == "room_list" and room_id in {r["room_id"] for r in m["data"]["rooms"]}
        )


@attrs.frozen
class _LiaptuiRoom(Party):
    path: str
    host_token: str
    type_key: str = "event"

    def member(self, client: Client, role: str) -> AbstractAsyncContextManager[ClientWebSocket]:
        if role == "control":
            return _seated(client, self.path, "Alice", self.host_token)
        return _seated(client, self.path, "Fuzz")

    async def provoke(self, client: Client) -> Heard:
        async with _seated(client, self.path, "Carol"):
            pass
        return lambda m: (
            m.get("event") == "player_joined" and m["data"].get("player_name") == "Carol"
        )


class LiaptuiLobby(Members):
    templates = _LIAPTUI_LOBBY

    async def party(self, client: Client, base: str) -> Party:
        return _LiaptuiLobby(base)


class LiaptuiRoom(Members):
    """A new room each time: four seats would not hold a speaker per example."""

    templates = _LIAPTUI_ROOM

    async def party(self, client: Client, base: str) -> Party:
        created = await _create_room(client, base)
        return _LiaptuiRoom(f"{base}/ws/{created['room_id']}", created["player_token"])


# -- watchparty ------------------------------------------------------------------------------

_WATCHPARTY = [
    {"type": "chat", "payload": {"message": "hello"}},
    {"type": "playback_state", "payload": {"playing": True, "currentTime": 12.5, "volume": 0.5}},
    {"type": "webrtc_offer", "target_id": "someone", "payload": {"type": "offer", "sdp": "v=0"}},
    {"type": "webrtc_answer", "target_id": "someone", "payload": {"type": "answer", "sdp": "v=0"}},
    {
        "type": "ice_candidate",
        "target_id": "someone",
        "payload": {"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0},
    },
    {"type": "custom_event", "payload": {"x": 1}},
]
assert {m["type"] for m in _WATCHPARTY} >= {t.value for t in MessageType} - {
    "user_joined",
    "user_left",
    "error",
}

_PASSWORD = "fuzz-password"


@attrs.frozen
class _WatchParty(Party):
    """A session: its host is the control member, and each fuzzed connection is a newly
    joined user (messages are limited per user, 100 a minute: one user could not send a
    test's frames)."""

    base: str
    session_id: str
    tokens: Mapping[str, str]
    addresses: Iterator[str]
    chats: itertools.count = attrs.field(factory=itertools.count)
    type_key: str = "type"

    @property
    def path(self) -> str:
        return f"{self.base}/ws/{self.session_id}"

    @asynccontextmanager
    async def member(self, client: Client, role: str) -> AsyncIterator[ClientWebSocket]:
        token = self.tokens[role] if role in self.tokens else await self._join(client)
        async with client.websocket(self.path, params={"token": token}) as ws:
            if role == "control":
                # Nothing tells a newcomer it is in (the history may be empty): hearing its own
                # chat does, so nothing said after this can miss it.
                await self._say(ws, "control is here")
            yield ws

    async def provoke(self, client: Client) -> Heard:
        async with client.websocket(self.path, params={"token": self.tokens["speaker"]}) as speaker:
            return await self._say(speaker, "can you hear me?")

    async def _join(self, client: Client) -> str:
        # From an address of its own: joins are limited to ten a minute per session and address.
        transport = httpx.AsyncHTTPTransport(local_address=next(self.addresses))
        async with httpx.AsyncClient(base_url=client.http.base_url, transport=transport) as http:
            joined = await http.post(
                f"{self.base}/api/sessions/join",
                json={"session_id": self.session_id, "password": _PASSWORD},
            )
        joined.raise_for_status()
        return str(joined.json()["token"])

    async def _say(self, ws: ClientWebSocket, text: str) -> Heard:
        """Chat ``text`` (numbered, so it is unique) and wait to hear it back."""
        text = f"{text} ({next(self.chats)})"

        def heard(message: Any) -> bool:
            return message.get("type") == "chat" and message["payload"]["message"] == text

        await ws.write_json({"type": "chat", "payload": {"message": text}})
        await ws.receive_until(heard, WAIT)
        return heard


class WatchPartySession(Members):
    """One session for the whole test (creating one is limited to five an hour per address);
    ``FUZZ_ENVIRON`` gives it seats enough for a fuzzed user per example."""

    templates = _WATCHPARTY

    def __init__(self) -> None:
        self._party: _WatchParty | None = None

    async def party(self, client: Client, base: str) -> Party:
        if self._party is None:
            created = await client.post(
                f"{base}/api/sessions/create", json={"name": "Fuzz", "password": _PASSWORD}
            )
            created.raise_for_status()
            host = created.json()
            party = _WatchParty(base, host["id"], {"control": host["token"]}, client_addresses())
            speaker = await party._join(client)
            self._party = attrs.evolve(party, tokens={**party.tokens, "speaker": speaker})
        return self._party


# -- p2p -------------------------------------------------------------------------------------

_P2P = [
    {"type": "join"},
    {"type": "leave"},
    {"type": "offer", "to": "control", "sdp": "v=0"},
    {"type": "answer", "to": "control", "sdp": "v=0"},
    {
        "type": "ice-candidate",
        "to": "control",
        "candidate": "candidate:1 1 UDP 1 10.0.0.1 9 typ host",
    },
]
assert {m["type"] for m in _P2P} == {"join", "leave", "offer", "answer", "ice-candidate"}


@attrs.frozen
class _P2PSession(Party):
    """A session's signaling room: every member is a peer that joined it; each fuzzed
    connection and each speaker is a new peer."""

    base: str
    session_id: str
    peers: Iterator[int] = attrs.field(factory=itertools.count)
    type_key: str = "type"

    @property
    def path(self) -> str:
        return f"{self.base}/ws"

    @asynccontextmanager
    async def member(self, client: Client, role: str) -> AsyncIterator[ClientWebSocket]:
        peer_id = "control" if role == "control" else f"{role}-{next(self.peers)}"
        async with self._joined(client, peer_id) as ws:
            yield ws

    async def provoke(self, client: Client) -> Heard:
        peer_id = f"speaker-{next(self.peers)}"
        async with self._joined(client, peer_id):
            pass
        return lambda m: m.get("type") == "peer-joined" and m.get("peer_id") == peer_id

    @asynccontextmanager
    async def _joined(self, client: Client, peer_id: str) -> AsyncIterator[ClientWebSocket]:
        params = {"session_id": self.session_id, "peer_id": peer_id}
        async with client.websocket(self.path, params=params) as ws:
            await ws.write_json({"type": "join"})
            await ws.receive_until("session-joined", WAIT)
            yield ws


class P2PSession(Members):
    """One session for the whole test, on a host and in a zone made for it (``FUZZ_ENVIRON``
    keeps the host from going OFFLINE, and the session has a player, so it stays open)."""

    templates = _P2P

    def __init__(self) -> None:
        self._party: _P2PSession | None = None

    async def party(self, client: Client, base: str) -> Party:
        if self._party is None:
            host = {
                "host_id": "fuzz-host",
                "player_id": "fuzz-player",
                "player_name": "Fuzz",
                "ip_address": "10.0.0.1",
                "port": 9,
                "cpu_cores": 4,
                "cpu_frequency_mhz": 3000,
                "memory_mb": 8192,
                "network_speed_mbps": 100,
            }
            (await client.post(f"{base}/api/hosts/", json=host)).raise_for_status()
            zone = {"zone_id": "fuzz-zone", "zone_name": "Fuzz"}
            (await client.post(f"{base}/api/zones/", json=zone)).raise_for_status()
            body = {"host_id": "fuzz-host", "zone_id": "fuzz-zone"}
            created = await client.post(f"{base}/api/sessions/", json=body)
            created.raise_for_status()
            session_id = created.json()["session_id"]
            player = {"player_id": "fuzz-player"}
            added = await client.post(f"{base}/api/sessions/{session_id}/players", json=player)
            added.raise_for_status()
            self._party = _P2PSession(base, session_id)
        return self._party


# -- quipflip --------------------------------------------------------------------------------

# The party socket is read-only: whatever a client sends is ignored (or refused as malformed).
_QUIPFLIP: list[Mapping[str, Any]] = [{"type": "keepalive"}, {"type": "resume", "last_seq": 0}]


@attrs.frozen
class _QuipflipSession(Party):
    """A lobby: its host is the control member, a second guest every fuzzed connection (the
    socket limits messages per player, which is what a flood should meet)."""

    base: str
    session_id: str
    tokens: Mapping[str, str]
    type_key: str = "type"

    @property
    def path(self) -> str:
        return f"{self.base}/party/{self.session_id}/ws"

    @asynccontextmanager
    async def member(self, client: Client, role: str) -> AsyncIterator[ClientWebSocket]:
        token = self.tokens["control" if role == "control" else "fuzzed"]
        # A sequence number the session never reached answers with its status at once: the
        # member knows it is in.
        params = {"token": token, "last_seq": "1000000"}
        async with client.websocket(self.path, params=params) as ws:
            await ws.receive_until("session_status", WAIT)
            yield ws

    async def provoke(self, client: Client) -> Heard:
        pinged = await client.post(
            f"{self.base}/party/{self.session_id}/ping",
            headers={"Authorization": f"Bearer {self.tokens['control']}"},
        )
        pinged.raise_for_status()
        return lambda m: m.get("type") == "host_ping"


async def _quipflip_guest(client: Client, base: str, name: str) -> str:
    guest = await client.post(f"{base}/auth/guest", json={"username": name})
    guest.raise_for_status()
    return str(guest.json()["access_token"])


class QuipflipSession(Members):
    """One session for the whole test: a host and one guest who joined it."""

    templates = _QUIPFLIP

    def __init__(self) -> None:
        self._party: _QuipflipSession | None = None

    async def party(self, client: Client, base: str) -> Party:
        if self._party is None:
            host = await _quipflip_guest(client, base, "Fuzz Host")
            guest = await _quipflip_guest(client, base, "Fuzz Guest")
            created = await client.post(
                f"{base}/party/create", headers={"Authorization": f"Bearer {host}"}
            )
            created.raise_for_status()
            session_id = created.json()["session_id"]
            joined = await client.post(
                f"{base}/party/{session_id}/join", headers={"Authorization": f"Bearer {guest}"}
            )
            joined.raise_for_status()
            self._party = _QuipflipSession(base, session_id, {"control": host, "fuzzed": guest})
        return self._party


#: (app name, route path as declared) -> how to take part in its parties.
MEMBERS: Mapping[tuple[str, str], Callable[[], Members]] = {
    ("liaptui", "/ws/lobby"): LiaptuiLobby,
    ("liaptui", "/ws/{room_id}"): LiaptuiRoom,
    ("watchparty", "/ws/{session_id}"): WatchPartySession,
    ("p2p", "/ws"): P2PSession,
    ("quipflip", "/party/{session_id}/ws"): QuipflipSession,
}
