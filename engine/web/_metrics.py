"""``GET /metrics`` in Prometheus text format, read from the live tree and counters."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

from engine.net import WebSocket
from engine.store import Store
from engine.supervisors import ActorSystem

from ._http import HttpCounters


@attrs.define(eq=False)
class ConnectionCounters:
    """WebSocket totals: closed connections are folded in when they end, live ones at scrape."""

    live: set[WebSocket] = attrs.field(factory=set)
    opened: int = 0
    frames_in: int = 0
    frames_out: int = 0
    dropped: int = 0

    def opened_one(self, ws: WebSocket) -> None:
        self.live.add(ws)
        self.opened += 1

    def closed_one(self, ws: WebSocket) -> None:
        self.live.discard(ws)
        stats = ws.statistics()
        self.frames_in += stats.messages_received
        self.frames_out += stats.frames_sent
        self.dropped += stats.frames_dropped

    def totals(self) -> tuple[int, int, int]:
        frames_in, frames_out, dropped = self.frames_in, self.frames_out, self.dropped
        for ws in self.live:
            stats = ws.statistics()
            frames_in += stats.messages_received
            frames_out += stats.frames_sent
            dropped += stats.frames_dropped
        return frames_in, frames_out, dropped


def render_metrics(
    system: ActorSystem, store: Store, http: HttpCounters, connections: ConnectionCounters
) -> str:
    tree = system.snapshot()
    alive: Counter[str] = Counter()
    depth: Counter[str] = Counter()
    handled: Counter[str] = Counter()
    restarts: Counter[str] = Counter()
    for actor in tree.actors():
        alive[actor.kind] += actor.running
        depth[actor.kind] += actor.mailbox_depth
        handled[actor.kind] += actor.messages_handled
        restarts[actor.kind] += actor.restarts
    frames_in, frames_out, dropped = connections.totals()
    store_stats = store.statistics()
    lines: list[str] = []

    def metric(name: str, kind: str, help_: str, samples: Any) -> None:
        lines.append(f"# HELP party_engine_{name} {help_}")
        lines.append(f"# TYPE party_engine_{name} {kind}")
        if isinstance(samples, dict):
            for label, value in sorted(samples.items()):
                lines.append(f'party_engine_{name}{{kind="{label}"}} {value}')
        else:
            lines.append(f"party_engine_{name} {samples}")

    metric("actors_alive", "gauge", "Running actors by kind.", dict(alive))
    metric("mailbox_depth", "gauge", "Queued messages by actor kind.", dict(depth))
    metric("messages_handled_total", "counter", "Messages handled by actor kind.", dict(handled))
    metric("actor_restarts_total", "counter", "Actor restarts by kind.", dict(restarts))
    metric("connections_open", "gauge", "Open WebSocket connections.", len(connections.live))
    metric(
        "connections_opened_total", "counter", "WebSocket connections accepted.", connections.opened
    )
    metric("frames_in_total", "counter", "WebSocket messages received.", frames_in)
    metric("frames_out_total", "counter", "WebSocket frames sent.", frames_out)
    metric("frames_dropped_total", "counter", "Frames dropped (slow consumers).", dropped)
    metric("http_requests_total", "counter", "HTTP requests to app routes.", http.requests)
    metric("http_errors_total", "counter", "HTTP requests answered with an error.", http.errors)
    metric("rate_limited_total", "counter", "Requests refused by a rate limit.", http.rate_limited)
    metric("store_commits_total", "counter", "Store transactions committed.", store_stats.commits)
    metric("store_saves_total", "counter", "Saves made durable.", store_stats.saves)
    metric(
        "store_commit_latency_seconds",
        "gauge",
        "Mean commit latency.",
        f"{store_stats.mean_commit_latency:.6f}",
    )
    return "\n".join(lines) + "\n"
