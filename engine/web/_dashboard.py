"""``/dashboard``: the live engine in a browser, pushed over a WebSocket of the engine's own.

What it shows: the supervision tree (each supervisor with its actors grouped by class: how many,
mailbox depths, restarts, crashes and the last crash's reason), every app's parties with their
connected members, WebSocket connections per route, messages per second in and out, the
store's commit latency and HTTP requests and errors. Read-only: a viewer can change nothing.

Access: off (every path 404) unless ``PARTY_ENGINE_DASHBOARD_TOKEN`` is set, or development mode
is on (``PARTY_ENGINE_DEV=1``), in which case a token is drawn at start and logged. The page at
``/dashboard`` holds no data: it asks for the token (or takes it from ``#token=`` in its URL,
a fragment the browser never sends to a server, so it reaches no access log), and sends it as
the first message on ``/dashboard/ws``. A wrong or missing token closes the socket with 4401;
tokens are compared in constant time.

Cost: one task builds the view and encodes it once per ``UPDATE_INTERVAL``, only while somebody
watches, and every viewer gets the same frame (each through its own bounded outbox: a viewer
that cannot keep up is closed, never waited for). On an engine so large that building the view
takes more than ``MAX_CPU_SHARE`` of the interval, the interval stretches: watching never takes
more than that share of the engine's thread. The view holds aggregates: actors by class per
supervisor, at most ``MAX_PARTIES`` parties per app and ``MAX_MEMBERS`` members per party, so
its size does not grow with the engine.
"""

from __future__ import annotations

import hmac
import importlib.resources
import logging
import mimetypes
import secrets
import time
from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import trio

from engine.net import (
    Accept,
    ConnectionClosed,
    Frame,
    JsonRejected,
    WebSocket,
    WebSocketRequest,
    json_dumps,
    json_loads,
    text_frame,
)
from engine.settings import EngineSettings
from engine.store import StoreStatistics
from engine.supervisors import ActorNode, CrashReport, SupervisorNode

from ._metrics import TrafficTotals, app_subtrees, parties

if TYPE_CHECKING:
    from ._engine import Engine

log = logging.getLogger("engine.web")

PAGE_PATH = "/dashboard"
SOCKET_PATH = "/dashboard/ws"
#: Seconds between two updates: a few a second, whatever happens in between.
UPDATE_INTERVAL = 0.5
#: At most this share of the engine's thread goes to building updates (see the module doc).
MAX_CPU_SHARE = 0.1
#: Seconds a viewer has to send its token once connected.
AUTH_TIMEOUT = 10.0
#: The close code for a missing or wrong token.
UNAUTHORIZED = 4401
MAX_PARTIES = 50
MAX_MEMBERS = 20
ASSETS = ("dashboard.html", "dashboard.css", "dashboard.js")


@attrs.frozen
class DashboardAccess:
    """Whether the dashboard is on, and the token it wants."""

    token: str | None
    #: True when the token was drawn at start (development mode without a token set).
    drawn: bool = False

    @classmethod
    def from_settings(cls, settings: EngineSettings) -> DashboardAccess:
        """On with ``PARTY_ENGINE_DASHBOARD_TOKEN``, or in development mode with a drawn token."""
        if settings.dashboard_token:
            return cls(settings.dashboard_token)
        if settings.dev:
            return cls(secrets.token_urlsafe(18), drawn=True)
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self.token is not None

    def allows(self, offered: object) -> bool:
        """Whether ``offered`` is the token (compared in constant time)."""
        if self.token is None or not isinstance(offered, str):
            return False
        return hmac.compare_digest(offered.encode(), self.token.encode())


def asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of the page's file ``name``, or None if it is not one."""
    if name not in ASSETS:
        return None
    data = (importlib.resources.files(__package__) / "dashboard" / name).read_bytes()
    return data, mimetypes.guess_type(name)[0] or "application/octet-stream"


@attrs.define(eq=False)
class Dashboard:
    """The dashboard of one engine: its viewers and the task that feeds them."""

    engine: Engine
    access: DashboardAccess
    interval: float = UPDATE_INTERVAL
    _viewers: set[WebSocket] = attrs.field(factory=set, init=False)
    _watched: trio.Event = attrs.field(factory=trio.Event, init=False)
    _previous: _Sample | None = attrs.field(default=None, init=False)
    # The update sent last while somebody watches: what a viewer joining meanwhile gets first.
    _last: Frame | None = attrs.field(default=None, init=False)
    _started_at: float = attrs.field(default=0.0, init=False)
    _scope: trio.CancelScope = attrs.field(factory=trio.CancelScope, init=False)

    @property
    def viewers(self) -> int:
        return len(self._viewers)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Feed the viewers, one update per ``interval`` while there are any, until ``stop``."""
        with self._scope:
            await self._feed(task_status)

    def stop(self) -> None:
        self._scope.cancel()

    async def _feed(self, task_status: trio.TaskStatus[None]) -> None:
        self._started_at = trio.current_time()
        if self.access.drawn:
            log.warning(
                "development mode: the dashboard's token is %s (open /dashboard#token=%s)",
                self.access.token,
                self.access.token,
            )
        task_status.started()
        while True:
            await self._watched.wait()
            while self._viewers:
                # The thread's CPU time, not the clock's: a pause of the process is no cost.
                started = time.thread_time()
                self._last = text_frame(json_dumps(self.view()))
                for ws in list(self._viewers):
                    ws.send(self._last)
                cost = time.thread_time() - started
                await trio.sleep(max(self.interval, cost / MAX_CPU_SHARE))
            # Rates start again from the next update, not from before the pause.
            self._previous = self._last = None
            self._watched = trio.Event()

    async def resolve(self, request: WebSocketRequest) -> Accept | None:
        """The listener's answer for ``/dashboard/ws``: None (not ours) if the dashboard is off."""
        if not self.access.enabled or request.path != SOCKET_PATH:
            return None
        return Accept(self._serve_viewer)

    async def _serve_viewer(self, ws: WebSocket, params: Mapping[str, str]) -> None:
        offered = None
        with trio.move_on_after(AUTH_TIMEOUT):
            offered = _token_in(await ws.receive())
        if not self.access.allows(offered):
            await ws.close(UNAUTHORIZED, "unauthorized")
            return
        if self._viewers and self._last is not None:
            ws.send(self._last)  # else the feed is waking up, and this viewer gets its first
        self._viewers.add(ws)
        self._watched.set()
        try:
            while True:
                await ws.receive()  # read-only: what a viewer sends is ignored
        except ConnectionClosed:
            pass
        finally:
            self._viewers.discard(ws)

    # -- the view ----------------------------------------------------------------------------

    def view(self) -> dict[str, Any]:
        """What every viewer is sent: plain JSON values (see the module docstring)."""
        engine = self.engine
        now = trio.current_time()
        tree = engine.system.snapshot()
        store = engine.store.statistics()
        routes = engine.connections.traffic()
        sample = _Sample(
            at=now,
            traffic=TrafficTotals.sum(routes.values()),
            requests=sum(engine.http_counters.requests.values()),
            errors=sum(engine.http_counters.errors.values()),
            commits=store.commits,
        )
        rates = sample.rates_since(self._previous)
        self._previous = sample
        return {
            "type": "update",
            "uptime": now - self._started_at,
            "interval": self.interval,
            "tree": _supervisor(tree, now),
            "apps": [self._app(name, tree, now) for name in (a.name for a in engine.apps)],
            "connections": {
                "routes": [
                    {
                        "route": route,
                        "open": len(counted.live),
                        "opened": counted.opened,
                        "messages_in": routes[route].messages_in,
                        "messages_out": routes[route].messages_out,
                    }
                    for route, counted in sorted(engine.connections.routes.items())
                ],
                "refused": dict(sorted(engine.connections.refused.items())),
                "rate_limited": sample.traffic.rate_limited,
                "dropped": sample.traffic.dropped,
            },
            "messages": {
                "in": sample.traffic.messages_in,
                "out": sample.traffic.messages_out,
                "in_per_second": rates.get("in"),
                "out_per_second": rates.get("out"),
            },
            "store": _store(store, rates.get("commits")),
            "http": {
                "requests": dict(sorted(engine.http_counters.requests.items())),
                "errors": {
                    f"{server} {status_class}": count
                    for (server, status_class), count in sorted(engine.http_counters.errors.items())
                },
                "rate_limited": engine.http_counters.rate_limited,
                "requests_per_second": rates.get("requests"),
                "errors_per_second": rates.get("errors"),
            },
        }

    def _app(self, name: str, tree: SupervisorNode, now: float) -> dict[str, Any]:
        host = self.engine.hosts.get(name)
        subtree = dict(app_subtrees(tree)).get(name)
        found = [] if subtree is None else list(parties(subtree))
        return {
            "name": name,
            "up": name in self.engine.contexts,
            "restarts": 0 if host is None else host.restarts,
            "parties": len(found),
            "shown": [_party(actor, detail, now) for actor, detail in found[:MAX_PARTIES]],
        }


@attrs.frozen
class _Sample:
    """The counters the rates are computed from, at one update."""

    at: float
    traffic: TrafficTotals
    requests: int
    errors: int
    commits: int

    def rates_since(self, previous: _Sample | None) -> dict[str, float]:
        """Per-second rates since ``previous``; none for the first update."""
        if previous is None or self.at <= previous.at:
            return {}
        elapsed = self.at - previous.at
        return {
            name: round((now - then) / elapsed, 2)
            for name, now, then in (
                ("in", self.traffic.messages_in, previous.traffic.messages_in),
                ("out", self.traffic.messages_out, previous.traffic.messages_out),
                ("requests", self.requests, previous.requests),
                ("errors", self.errors, previous.errors),
                ("commits", self.commits, previous.commits),
            )
        }


def _token_in(message: str | bytes) -> object:
    """The ``token`` of a ``{"token": ...}`` message; None for anything else."""
    if not isinstance(message, str):
        return None
    try:
        value = json_loads(message)
    except JsonRejected:
        return None
    return value.get("token") if isinstance(value, dict) else None


def _supervisor(node: SupervisorNode, now: float) -> dict[str, Any]:
    """A supervisor, its child supervisors, and its own actors grouped by class."""
    kinds: dict[str, list[ActorNode]] = {}
    supervisors = []
    for child in node.children:
        if isinstance(child, SupervisorNode):
            supervisors.append(_supervisor(child, now))
        else:
            kinds.setdefault(child.kind, []).append(child)
    return {
        "id": _label(node.id),
        "strategy": node.strategy,
        "restarts": node.restarts,
        "crashes": node.crashes,
        "failed_children": node.failed_children,
        "last_crash": _crash(node.last_crash, now),
        "actors": [_kind(kind, actors, now) for kind, actors in sorted(kinds.items())],
        "supervisors": supervisors,
    }


def _kind(kind: str, actors: list[ActorNode], now: float) -> dict[str, Any]:
    crashes = [actor.last_crash for actor in actors if actor.last_crash is not None]
    return {
        "kind": kind,
        "count": len(actors),
        "running": sum(actor.running for actor in actors),
        "mailbox_depth": sum(actor.mailbox_depth for actor in actors),
        "mailbox_max": max(actor.mailbox_depth for actor in actors),
        "restarts": sum(actor.restarts for actor in actors),
        "crashes": sum(actor.crashes for actor in actors),
        "last_crash": _crash(max(crashes, key=lambda c: c.at, default=None), now),
    }


def _party(actor: ActorNode, detail: Mapping[str, Any], now: float) -> dict[str, Any]:
    members: Iterable[Any] = detail.get("members", ())
    members = [str(member) for member in members]
    return {
        "id": str(detail["party"]),
        "kind": str(detail.get("kind", actor.kind)),
        "members": members[:MAX_MEMBERS],
        "member_count": len(members),
        "connections": detail.get("connections", 0),
        "running": actor.running,
        "mailbox_depth": actor.mailbox_depth,
        "restarts": actor.restarts,
        "crashes": actor.crashes,
        "last_crash": _crash(actor.last_crash, now),
    }


def _crash(crash: CrashReport | None, now: float) -> dict[str, Any] | None:
    if crash is None:
        return None
    return {"child": _label(crash.child), "reason": crash.reason, "ago": round(now - crash.at, 1)}


def _label(child_id: Hashable) -> str:
    """A child's id as a person reads it: a registered party's ``("kind", "id")`` is
    ``kind/id``."""
    if isinstance(child_id, tuple):
        return "/".join(str(part) for part in child_id)
    return str(child_id)


def _store(store: StoreStatistics, commits_per_second: float | None) -> dict[str, Any]:
    latency = store.commit_latency
    return {
        "commits": store.commits,
        "commits_per_second": commits_per_second,
        "queue_depth": store.queue_depth,
        "latency_mean": store.mean_commit_latency,
        "latency_last": store.last_commit_latency,
        "latency_p50": latency.quantile(0.5),
        "latency_p99": latency.quantile(0.99),
        "latency_buckets": [
            [bound if bound != float("inf") else None, count]
            for bound, count in latency.cumulative()
        ],
    }
