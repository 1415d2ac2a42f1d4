"""What a scenario plays with: its group of players, timed actions, connections and pacing.

A scenario is written against `Group` alone: every request and message it sends goes through
here, so each is timed under an action name, each failure is counted under a kind, and the
players' connections are counted as they open and close. The engine's client
(`engine.net.client`) is used in this module only.
"""

from __future__ import annotations

import functools
import math
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

import attrs
import httpx
import trio

from engine.net.client import (
    DEFAULT_RECEIVE_TIMEOUT,
    Client,
    ClientWebSocket,
    WebSocketClosed,
    WebSocketRejected,
)

from .metrics import Recorder

__all__ = ["ActionFailed", "Connection", "Group", "Pace", "error_kind"]


class ActionFailed(Exception):
    """An action did not get the answer it needed. ``kind`` is what the report counts it
    under (``"HTTP 409"``, ``"closed 1008"``, or a scenario's own word)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail
        self.recorded = False


def error_kind(error: BaseException) -> str:
    """The kind a failure is counted under: short, stable, and without ids or times, so that
    a thousand players failing the same way make one line of the report."""
    if isinstance(error, ActionFailed):
        return error.kind
    if isinstance(error, WebSocketRejected):
        return f"rejected HTTP {error.status_code}"
    if isinstance(error, WebSocketClosed):
        return f"closed {error.code}"
    return type(error).__name__


@attrs.define(eq=False)
class Pace:
    """A player's steady rhythm: `next` returns True at each of its ticks (``rate`` a second,
    starting at a random phase so that players do not act in lockstep), False once the run is
    stopping. A tick missed because the player was busy is skipped, not made up in a burst."""

    interval: float
    _stopping: trio.Event
    _next: float

    async def next(self) -> bool:
        if self._stopping.is_set():
            return False
        with trio.move_on_at(self._next):
            await self._stopping.wait()
            return False
        self._next += self.interval
        now = trio.current_time()
        if self._next <= now:  # the player was busy past its next tick: skip it
            self._next = now + self.interval
        return True


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every group's HTTP client: making one loads the CA bundle, tens
    of milliseconds of CPU that, once per group, blocked a run's event loop for seconds."""
    return ssl.create_default_context()


def _type_is(type_key: str, name: str) -> Callable[[Any], bool]:
    return lambda message: isinstance(message, dict) and message.get(type_key) == name


def _either(
    answer: Callable[[Any], bool], refusal: Callable[[Any], str | None]
) -> Callable[[Any], bool]:
    return lambda message: answer(message) or refusal(message) is not None


@attrs.define(eq=False)
class Connection:
    """One player's WebSocket: sends, selective receives, and timed request-and-answer."""

    _ws: ClientWebSocket
    _group: Group

    async def send(self, message: Any) -> None:
        """Send ``message`` as JSON (not timed: use `ask` for an action that has an answer)."""
        await self._ws.write_json(message)

    async def receive(
        self,
        match: str | Callable[[Any], bool] | None = None,
        timeout: float = DEFAULT_RECEIVE_TIMEOUT,
    ) -> Any:
        """The oldest message (that matches ``match``, a type name or a predicate), waiting up
        to ``timeout`` seconds; what does not match stays for later receives."""
        if match is None:
            return await self._ws.receive_json(timeout)
        return await self._ws.receive_until(match, timeout)

    async def ask(
        self,
        action: str,
        message: Any,
        answer: str | Callable[[Any], bool],
        timeout: float = DEFAULT_RECEIVE_TIMEOUT,
        *,
        refusal: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """Send ``message`` and wait for its ``answer`` (a type name or a predicate): the time
        between is one ``action``. ``refusal`` reads a message as the server's refusal of this
        one: the kind to count it under, or None for any other message; a refusal fails the
        action."""
        if isinstance(answer, str):
            answer = _type_is(self._ws.type_key, answer)
        expected = answer if refusal is None else _either(answer, refusal)
        with self._group.timed(action):
            await self._ws.write_json(message)
            reply = await self._ws.receive_until(expected, timeout)
            kind = None if refusal is None else refusal(reply)
            if kind is not None:
                raise ActionFailed(kind, repr(reply))
            return reply

    def discard_pending(self) -> None:
        """Forget the messages received and not taken (broadcasts a player does not read)."""
        self._ws.take_pending()


@attrs.define(eq=False)
class Group:
    """The players of one group (a room, a session, a party) as a scenario drives them.

    ``index`` numbers the group in the run (unique across processes) and ``attempt`` the
    groups that took its place so far; ``size`` is its number of players; ``rate`` is each
    player's action rate (per second) that `think` and `pace` follow; ``random`` is the group's
    own generator. ``running`` turns False when the run's time is up: loops should end then;
    whatever is still running shortly after is cancelled.
    """

    index: int
    size: int
    attempt: int
    rate: float
    random: random.Random
    _recorder: Recorder
    _client: Client
    _stopping: trio.Event
    _source_address: str | None
    _http: Client | None = None

    @property
    def running(self) -> bool:
        return not self._stopping.is_set()

    def name(self, player: int) -> str:
        """A name for player ``player`` of this group, unique in the run."""
        return f"g{self.index}a{self.attempt}p{player}"

    @contextmanager
    def timed(self, action: str) -> Iterator[None]:
        """Time the block as one ``action``. If it raises, the failure is counted as
        ``"<action>: <kind>"`` and re-raised (the group then starts over); a cancelled block
        counts for nothing."""
        started = time.perf_counter()
        try:
            yield
        except ActionFailed as failed:
            if not failed.recorded:
                self._record(action, failed)
            raise
        except Exception as exc:
            raise self.failure(action, error_kind(exc), repr(exc)) from exc
        self._recorder.action(action, time.perf_counter() - started)

    def measured(self, action: str, seconds: float) -> None:
        """Record a latency measured otherwise than by `timed`: a delivery timed by its
        receiver against a send time the message carries (`now`, in the same process)."""
        self._recorder.action(action, seconds)

    def failure(self, action: str, kind: str, detail: str = "") -> ActionFailed:
        """Count a failure of ``action`` found otherwise than in a `timed` block (a refusal
        read later); the error to raise, already counted."""
        failed = ActionFailed(kind, detail)
        self._record(action, failed)
        return failed

    def _record(self, action: str, failed: ActionFailed) -> None:
        self._recorder.error(f"{action}: {failed.kind}", failed.detail or failed.kind)
        failed.recorded = True

    @staticmethod
    def now() -> float:
        """The clock `timed` and `measured` use (seconds, arbitrary origin, this process)."""
        return time.perf_counter()

    def count(self, event: str, amount: int = 1) -> None:
        """Count one of the scenario's own events (a game finished): shown and reported."""
        self._recorder.count(event, amount)

    async def think(self) -> None:
        """Wait as a person reacting would: a random time up to ``1 / rate`` seconds."""
        await trio.sleep(self.random.uniform(0, 1 / self.rate) if self.rate else math.inf)

    def pace(self) -> Pace:
        """A `Pace` at ``rate`` ticks a second (none at all for a rate of 0)."""
        interval = 1 / self.rate if self.rate else math.inf
        phase = self.random.uniform(0, interval) if self.rate else math.inf
        return Pace(interval, self._stopping, trio.current_time() + phase)

    async def until_stopped(self) -> None:
        """Wait until the run's time is up."""
        await self._stopping.wait()

    async def http(
        self,
        action: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        expect: tuple[int, ...] = (200, 201),
    ) -> Any:
        """One timed HTTP request; its decoded JSON answer (None for an empty body). A status
        not in ``expect`` fails the action as ``"HTTP <status>"``."""
        client = await self._http_client()
        with self.timed(action):
            response = await client.request(method, path, json=json, headers=headers or {})
            if response.status_code not in expect:
                raise ActionFailed(f"HTTP {response.status_code}", response.text[:200])
            return response.json() if response.content else None

    @asynccontextmanager
    async def websocket(
        self, path: str, *, params: Mapping[str, Any] | None = None, type_key: str = "type"
    ) -> AsyncIterator[Connection]:
        """Open a WebSocket (timed as ``"connect"``) for the block; counted as a connected
        player while open. ``type_key`` names the field that a type name matches."""
        async with AsyncExitStack() as stack:
            with self.timed("connect"):
                ws = await stack.enter_async_context(
                    self._client.websocket(
                        path, params=params, type_key=type_key, local_address=self._source_address
                    )
                )
            self._recorder.connections += 1
            try:
                yield Connection(ws, self)
            finally:
                self._recorder.connections -= 1

    async def _http_client(self) -> Client:
        """The group's HTTP client: the run's shared one, or, when players have their own
        source address (a loopback target), one bound to it, so per-address limits of the
        server see each group as a different machine."""
        if self._source_address is None:
            return self._client
        if self._http is None:
            transport = httpx.AsyncHTTPTransport(
                local_address=self._source_address, verify=_tls_context()
            )
            http = httpx.AsyncClient(
                base_url=self._client.http.base_url,
                transport=transport,
                timeout=self._client.timeout,
            )
            self._http = Client(http, self._client.timeout)
        return self._http

    async def aclose(self) -> None:
        """Close the group's own HTTP client, if it made one."""
        if self._http is not None:
            await self._http.http.aclose()
