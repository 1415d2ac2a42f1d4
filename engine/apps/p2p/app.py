"""The P2P coordinator as an engine app: ``party-engine serve --app p2p`` serves it at the root,
``party-engine serve`` under ``/p2p``.

Setup (which runs again from scratch if the app fails) reads ``P2PSettings`` from the engine's
environment and starts the registry's, the sessions' and the hosts' directories; sessions and
hosts are restored at start so that their timers run (a host silent past its deadline while the
server was down goes OFFLINE at once, failing its sessions), and in a cluster a node adopts
those of a node that died. It logs whether authentication is on: without
``PARTY_ENGINE_P2P_API_KEY`` the API is open to anyone who can reach it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import TYPE_CHECKING

import trio

from engine import clock
from engine.net import RateLimiter, RateLimitKind, RateLimitRule
from engine.parties import start_party_directory
from engine.settings import read_settings
from engine.store import Store
from engine.web import AppSpec, Engine, TokenIssuer, load_or_create_secret

from .coordinator import Coordinator
from .host_party import HostParty
from .registry import RegistryParty
from .responses import ServiceHealth, SystemHealth
from .routes import P2P, routes
from .session_party import SessionParty, SignalingErrors
from .sessions import SessionIds
from .settings import P2PSettings

if TYPE_CHECKING:
    from engine.cluster import ClusterNode

__all__ = ["TOKEN_ISSUER", "app"]

log = logging.getLogger("engine.apps.p2p")

#: The ``iss`` of the coordinator's tokens.
TOKEN_ISSUER = "p2p"
#: How long the dashboard waits for the store to answer before calling it unhealthy.
HEALTH_TIMEOUT = 2.0


class SystemHealthCheck:
    """The dashboard's ``system``: the store is read once per call (a key that never exists);
    a store that fails or takes longer than ``HEALTH_TIMEOUT`` is unhealthy. ``postgres`` is
    that same health when the store is PostgreSQL; ``redis`` is the cluster's Redis answering
    a PING within the same time, when the server is a node of a cluster."""

    def __init__(self, store: Store, node: ClusterNode | None = None) -> None:
        self.store = store
        self.node = node

    async def __call__(self) -> SystemHealth:
        healthy = ServiceHealth.UNHEALTHY
        with trio.move_on_after(HEALTH_TIMEOUT):
            try:
                await self.store.load(RegistryParty.kind, "health-check")
            except Exception:
                log.exception("the store failed its health check")
            else:
                healthy = ServiceHealth.HEALTHY
        postgres = healthy if self.store.backend == "postgresql" else ServiceHealth.NOT_CONFIGURED
        redis = ServiceHealth.NOT_CONFIGURED
        if self.node is not None:
            reachable = await self.node.reachable(HEALTH_TIMEOUT)
            redis = ServiceHealth.HEALTHY if reachable else ServiceHealth.UNHEALTHY
        return SystemHealth(store=healthy, postgres=postgres, redis=redis)


@asynccontextmanager
async def setup(engine: Engine) -> AsyncIterator[P2P]:
    settings = read_settings(P2PSettings, engine.environ, app="p2p")
    if settings.auth_enabled:
        log.info("p2p: authentication is on (X-API-Key or a bearer token on every route)")
    else:
        log.warning(
            "p2p: PARTY_ENGINE_P2P_API_KEY is not set: the API is open, anyone who can reach "
            "this server may register hosts and change zones and sessions"
        )
    errors = SignalingErrors()
    # The parties reach each other through the coordinator, which is their context: it exists
    # first, and each directory joins it once started (see ``Coordinator.ready``).
    session_ids = SessionIds()
    coordinator = Coordinator(settings, session_ids, SystemHealthCheck(engine.store, engine.node))
    system, store = engine.system, engine.store
    coordinator.registries = await start_party_directory(
        system, store, RegistryParty, errors=errors, context=coordinator
    )
    coordinator.sessions = await start_party_directory(
        system,
        store,
        SessionParty,
        errors=errors,
        ids=session_ids,
        context=coordinator,
        restore_all=True,
    )
    coordinator.hosts = await start_party_directory(
        system, store, HostParty, errors=errors, context=coordinator, restore_all=True
    )
    coordinator.ready.set()
    await coordinator.registry()  # made now (by the first node, in a cluster), not mid-request
    limiter = signaling_limiter = None
    if settings.rate_limit:
        limiter = RateLimiter(RateLimitRule(settings.rate_limit, settings.rate_limit_window))
    if settings.signaling_rate_limit:
        rule = RateLimitRule(settings.signaling_rate_limit, 1.0, RateLimitKind.TOKEN_BUCKET)
        signaling_limiter = RateLimiter(rule)
    secret = await load_or_create_secret(engine.store, environ=engine.environ)
    tokens = TokenIssuer(secret, issuer=TOKEN_ISSUER, ttl=settings.token_ttl, now=clock.now)
    yield P2P(coordinator, tokens, limiter, signaling_limiter)


app = AppSpec(
    name="p2p",
    routes=routes,
    setup=setup,
    title="P2P coordinator",
    version="1.0.0",
    pages=files(__package__) / "pages",
)
