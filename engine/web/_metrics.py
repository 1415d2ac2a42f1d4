"""The engine's counters, and ``GET /metrics`` in Prometheus' text format.

What is counted where: HTTP answers by the server that sent them (`HttpCounters`: the
listener's direct path and Quart-Trio each report every response they send); WebSocket
connections by route, refused upgrades by cause and closes by code (`ConnectionCounters`,
kept by the WebSocket router); everything else is read at scrape time from the live tree
(``ActorSystem.snapshot``) and the store's statistics, so a scrape costs one walk of the tree
and one pass over the open connections.
"""

from __future__ import annotations

import http
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from engine.net import CloseReason, WebSocket
from engine.store import LatencyHistogram, StoreStatistics
from engine.supervisors import ActorNode, SupervisorNode

from ._app_host import APP_SUPERVISOR_PREFIX

#: The cause counted for a message a client's rate limit refused on an open connection.
MESSAGE_RATE_LIMITED = "message_rate_limited"


@attrs.define(eq=False)
class HttpCounters:
    """HTTP answers, by the server that sent them (``direct`` or ``quart``); errors are the
    4xx and 5xx answers, by class. ``rate_limited`` counts the 429s of the apps' route limits."""

    requests: Counter[str] = attrs.field(factory=Counter)
    errors: Counter[tuple[str, str]] = attrs.field(factory=Counter)
    rate_limited: int = 0

    def answered(self, server: str, status: int) -> None:
        self.requests[server] += 1
        if status >= 400:
            self.errors[server, f"{status // 100}xx"] += 1


@attrs.frozen
class TrafficTotals:
    """WebSocket messages since the engine opened, closed connections included."""

    messages_in: int = 0
    messages_out: int = 0
    dropped: int = 0
    rate_limited: int = 0

    def __add__(self, other: TrafficTotals) -> TrafficTotals:
        return TrafficTotals(
            self.messages_in + other.messages_in,
            self.messages_out + other.messages_out,
            self.dropped + other.dropped,
            self.rate_limited + other.rate_limited,
        )

    @classmethod
    def sum(cls, totals: Iterable[TrafficTotals]) -> TrafficTotals:
        total = cls()
        for each in totals:
            total += each
        return total

    @classmethod
    def of(cls, ws: WebSocket) -> TrafficTotals:
        stats = ws.statistics()
        return cls(
            stats.messages_received,
            stats.frames_sent,
            stats.frames_dropped,
            stats.messages_rate_limited,
        )


@attrs.define(eq=False)
class RouteConnections:
    """One WebSocket route's connections: the open ones, and the totals of those that closed."""

    live: set[WebSocket] = attrs.field(factory=set)
    opened: int = 0
    closed: TrafficTotals = attrs.field(factory=TrafficTotals)

    def traffic(self) -> TrafficTotals:
        # Plain sums: read for every open connection, a few times a second by the dashboard.
        messages_in = messages_out = dropped = rate_limited = 0
        for ws in self.live:
            stats = ws.statistics()
            messages_in += stats.messages_received
            messages_out += stats.frames_sent
            dropped += stats.frames_dropped
            rate_limited += stats.messages_rate_limited
        return self.closed + TrafficTotals(messages_in, messages_out, dropped, rate_limited)


@attrs.define(eq=False)
class ConnectionCounters:
    """WebSocket connections by route (the route's pattern, ``/liaptui/ws/{room_id}``),
    upgrades refused by cause (``not_found``, ``unauthorized``, ``service_unavailable``: the
    refusal's HTTP status, named), and closes by close code."""

    routes: dict[str, RouteConnections] = attrs.field(factory=dict)
    refused: Counter[str] = attrs.field(factory=Counter)
    closes: Counter[int] = attrs.field(factory=Counter)

    async def serve(
        self,
        route: str,
        handler: Callable[[WebSocket, Mapping[str, str]], Awaitable[object]],
        ws: WebSocket,
        params: Mapping[str, str],
    ) -> None:
        """Run ``handler`` on ``ws``, counted as a connection of ``route``."""
        counted = self.routes.get(route)
        if counted is None:
            counted = self.routes[route] = RouteConnections()
        counted.live.add(ws)
        counted.opened += 1
        # How the listener closes a socket the handler leaves open (see open_server_websocket).
        left_open = CloseReason.NORMAL_CLOSURE
        try:
            await handler(ws, params)
        except Exception:
            left_open = CloseReason.INTERNAL_ERROR
            raise
        except BaseException:
            left_open = CloseReason.GOING_AWAY
            raise
        finally:
            counted.live.discard(ws)
            counted.closed += TrafficTotals.of(ws)
            closed = ws.closed
            self.closes[int(left_open if closed is None else closed.code)] += 1

    def refuse(self, status: int) -> None:
        """Count an upgrade refused with HTTP ``status``."""
        self.refused[_status_name(status)] += 1

    def open_by_route(self) -> dict[str, int]:
        return {route: len(counted.live) for route, counted in self.routes.items()}

    def traffic(self) -> dict[str, TrafficTotals]:
        return {route: counted.traffic() for route, counted in self.routes.items()}


def _status_name(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return f"status_{status}"


def app_subtrees(tree: SupervisorNode) -> Iterator[tuple[str, SupervisorNode]]:
    """``(app name, the app's supervisor)`` for every app that is up, in start order."""
    for child in tree.children:
        if (
            isinstance(child, SupervisorNode)
            and isinstance(child.id, str)
            and child.id.startswith(APP_SUPERVISOR_PREFIX)
        ):
            yield child.id.removeprefix(APP_SUPERVISOR_PREFIX), child


def parties(subtree: SupervisorNode) -> Iterator[tuple[ActorNode, Mapping[str, Any]]]:
    """The parties below ``subtree`` (actors whose ``describe`` names a party), with that."""
    for actor in subtree.actors():
        detail = actor.detail
        if detail is not None and "party" in detail:
            yield actor, detail


def render_metrics(
    tree: SupervisorNode,
    store: StoreStatistics,
    http_counters: HttpCounters,
    connections: ConnectionCounters,
) -> str:
    """Every metric, in Prometheus' text exposition format (version 0.0.4)."""
    out = _Exposition()
    alive: Counter[str] = Counter()
    depth: Counter[str] = Counter()
    handled: Counter[str] = Counter()
    restarts: Counter[str] = Counter()
    for actor in tree.actors():
        alive[actor.kind] += actor.running
        depth[actor.kind] += actor.mailbox_depth
        handled[actor.kind] += actor.messages_handled
        restarts[actor.kind] += actor.restarts
    out.family("actors_alive", "gauge", "Running actors, by class.")
    out.samples("kind", alive)
    out.family("mailbox_depth", "gauge", "Messages waiting in mailboxes, by actor class.")
    out.samples("kind", depth)
    out.family("messages_handled_total", "counter", "Messages handled, by actor class.")
    out.samples("kind", handled)
    out.family("actor_restarts_total", "counter", "Actor restarts, by class.")
    out.samples("kind", restarts)

    out.family("parties", "gauge", "Live parties, by app and party kind.")
    for app, subtree in app_subtrees(tree):
        by_kind = Counter(str(detail.get("kind", "")) for _, detail in parties(subtree))
        for kind, count in sorted(by_kind.items()):
            out.sample({"app": app, "kind": kind}, count)

    traffic = connections.traffic()
    out.family("websocket_connections", "gauge", "Open WebSocket connections, by route.")
    out.samples("route", connections.open_by_route())
    out.family("websocket_connections_opened_total", "counter", "WebSocket connections, by route.")
    out.samples("route", {route: c.opened for route, c in connections.routes.items()})
    out.family("websocket_messages_in_total", "counter", "WebSocket messages received.")
    out.samples("route", {route: t.messages_in for route, t in traffic.items()})
    out.family("websocket_messages_out_total", "counter", "WebSocket frames sent.")
    out.samples("route", {route: t.messages_out for route, t in traffic.items()})
    out.family("websocket_frames_dropped_total", "counter", "Frames dropped for slow consumers.")
    out.samples("route", {route: t.dropped for route, t in traffic.items()})
    out.family("websocket_refusals_total", "counter", "WebSocket refusals, by cause.")
    refusals = Counter(connections.refused)
    refusals[MESSAGE_RATE_LIMITED] += sum(t.rate_limited for t in traffic.values())
    out.samples("cause", refusals)
    out.family("websocket_closes_total", "counter", "Closed WebSocket connections, by code.")
    out.samples("code", connections.closes)

    out.family("http_requests_total", "counter", "HTTP requests answered, by server.")
    out.samples("server", http_counters.requests)
    out.family("http_errors_total", "counter", "HTTP 4xx and 5xx answers, by server and class.")
    for (server, status_class), count in sorted(http_counters.errors.items()):
        out.sample({"server": server, "class": status_class}, count)
    out.family("http_rate_limited_total", "counter", "HTTP requests refused by a rate limit.")
    out.sample({}, http_counters.rate_limited)

    out.family("store_commits_total", "counter", "Store transactions committed.")
    out.sample({}, store.commits)
    out.family("store_saves_total", "counter", "Saves made durable.")
    out.sample({}, store.saves)
    out.family("store_queue_depth", "gauge", "Writes waiting for the next commit.")
    out.sample({}, store.queue_depth)
    out.histogram(
        "store_commit_latency_seconds",
        "Seconds from the start of a commit to durable.",
        store.commit_latency,
    )
    return out.text()


@attrs.define(eq=False)
class _Exposition:
    """Prometheus text format, one family at a time (``# HELP``, ``# TYPE``, its samples)."""

    lines: list[str] = attrs.field(factory=list)
    name: str = ""

    def family(self, name: str, kind: str, help_: str) -> None:
        self.name = f"party_engine_{name}"
        self.lines.append(f"# HELP {self.name} {help_}")
        self.lines.append(f"# TYPE {self.name} {kind}")

    def sample(self, labels: Mapping[str, object], value: float, suffix: str = "") -> None:
        rendered = ",".join(f'{key}="{_escape(str(v))}"' for key, v in labels.items())
        self.lines.append(
            f"{self.name}{suffix}{{{rendered}}} {_number(value)}"
            if rendered
            else f"{self.name}{suffix} {_number(value)}"
        )

    def samples(self, label: str, values: Mapping[Any, float]) -> None:
        for key, value in sorted(values.items()):
            self.sample({label: key}, value)

    def histogram(self, name: str, help_: str, histogram: LatencyHistogram) -> None:
        self.family(name, "histogram", help_)
        for bound, count in histogram.cumulative():
            self.sample({"le": _number(bound)}, count, "_bucket")
        self.sample({}, histogram.total, "_sum")
        self.sample({}, histogram.count, "_count")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "+Inf"
        return repr(value)
    return str(value)
