"""What the fuzz tests share: the apps (every shipped one), their environment, the bounds, the
tally of what they sent and what came back, and how Hypothesis runs next to a served engine.

The engine is served on the test's own Trio loop, as in every end-to-end test. Hypothesis (and
schemathesis, whose calls are synchronous) runs in a worker thread (`in_worker_thread`), so the
loop keeps serving while it blocks; each example comes back into the loop with
``trio.from_thread.run``. One loop for the whole test is what lets a control member stay
connected across examples.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import requests
import trio
from hypothesis import HealthCheck, settings
from requests.adapters import HTTPAdapter

from engine.cli import available_apps
from engine.testing import Served, serve_apps

from supervision import crashes

#: Every shipped app, as ``party-engine serve`` serves them.
ALL_APPS = tuple(available_apps().values())

#: No bot or turn delays, bcrypt at its lowest cost: the fuzz is about input, not pacing.
FUZZ_ENVIRON = {
    "PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0",
    "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0",
    "PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4",
    # A newly joined user per fuzzed WebSocket connection (see party_members).
    "PARTY_ENGINE_WATCHPARTY_MAX_PARTICIPANTS": "1000",
    # The p2p session fuzzed over its WebSocket outlives a slow run (see party_members).
    "PARTY_ENGINE_P2P_HEARTBEAT_TIMEOUT": "86400",
}

#: Bounded: a few dozen examples per route or operation, no per-example deadline (a shared
#: 2-core machine is slow at times), the same examples on every CI run (``CI=true``) and new
#: ones in development. A failure prints the blob that reproduces it.
FUZZ_SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: HTTP requests are cheaper than a WebSocket example (three connections and a party).
HTTP_FUZZ_SETTINGS = settings(FUZZ_SETTINGS, max_examples=40)


@asynccontextmanager
async def serve_for_fuzz(tally: FuzzTally) -> AsyncIterator[Served]:
    """Every shipped app served (each under its prefix) for the block; on leaving it, the
    crashes the engine recovered from are tallied, and there must be none."""
    async with serve_apps(ALL_APPS, environ=FUZZ_ENVIRON, prefixed=True) as served:
        yield served
        crashed = crashes(served.engine)
        tally.crashes += crashed
        assert crashed == 0, f"{crashed} crashes (restarts, parties stopped, apps set up again)"


async def in_worker_thread(run: Callable[[], None]) -> None:
    """Run blocking ``run`` (a Hypothesis test) in a thread while this loop goes on serving."""
    await trio.to_thread.run_sync(run)


def client_addresses() -> Iterator[str]:
    """Loopback addresses (127.1.0.1, 127.1.0.2, ...) for requests to come from, one each.

    Per-address rate limits would otherwise answer nearly every fuzzed request with a 429
    before its body is read (WatchParty allows five sessions an hour per address). Linux
    routes all of 127/8 to the loopback interface, so any of them can be a source.
    """
    for n in itertools.count():
        yield f"127.1.{n // 254 % 256}.{n % 254 + 1}"


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        source_address = (self._address, 0)
        super().init_poolmanager(
            connections, maxsize, block, source_address=source_address, **pool_kwargs
        )


def session_from(address: str) -> requests.Session:
    """A ``requests`` session whose connections come from ``address`` (for schemathesis)."""
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    return session


@attrs.define
class FuzzTally:
    """Counts across every fuzz test of the session."""

    requests: int = 0
    statuses: Counter[int] = attrs.field(factory=Counter)
    frames: int = 0
    #: WebSocket upgrades by their answer's status (101: accepted).
    upgrades: Counter[int] = attrs.field(factory=Counter)
    close_codes: Counter[int | None] = attrs.field(factory=Counter)
    routes: set[str] = attrs.field(factory=set)
    without_control: set[str] = attrs.field(factory=set)
    crashes: int = 0

    def answered(self, status: int) -> None:
        self.requests += 1
        self.statuses[status] += 1

    def summary(self) -> str:
        server_errors = sum(
            n for s, n in (*self.statuses.items(), *self.upgrades.items()) if s >= 500
        )
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        upgrades = ", ".join(f"{s}: {n}" for s, n in sorted(self.upgrades.items()))
        closes = ", ".join(f"{c}: {n}" for c, n in sorted(self.close_codes.items(), key=str))
        line = (
            f"fuzz: {self.requests} HTTP requests ({statuses}), "
            f"{sum(self.upgrades.values())} WebSocket upgrades ({upgrades}), 5xx: {server_errors}; "
            f"{self.frames} WebSocket frames on {len(self.routes)} routes "
            f"(closes {closes or 'none'}), 1011: {self.close_codes[1011]}; crashes: {self.crashes}"
        )
        if self.without_control:
            line += f"; no control member on {', '.join(sorted(self.without_control))}"
        return line
