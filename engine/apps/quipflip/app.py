"""Quipflip as an engine app: ``party-engine serve --app quipflip`` serves it at the root,
``party-engine serve`` under ``/quipflip``.

Setup reads the settings from ``PARTY_ENGINE_QUIPFLIP_*``, starts the players' supervisor and
the sessions' directory, and restores every saved session (their timers must run, and the
index of party codes and members must know them all) before the routes serve. It may run
again after a failure: everything it builds is built afresh from the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from engine import clock
from engine.parties import start_party_directory
from engine.settings import read_settings
from engine.web import AppSpec, Engine, TokenIssuer, load_or_create_secret

from .index import SessionIndex
from .players import start_accounts
from .routes import ERRORS, IDS, Quipflip, routes
from .session import PartySession, SessionContext
from .settings import QuipflipSettings

__all__ = ["TOKEN_ISSUER", "app"]

#: The ``iss`` of Quipflip's access tokens.
TOKEN_ISSUER = "quipflip"


@asynccontextmanager
async def setup(engine: Engine) -> AsyncIterator[Quipflip]:
    settings = read_settings(QuipflipSettings, engine.environ, app="quipflip")
    index = SessionIndex()
    accounts = await start_accounts(engine.system, engine.store, index)
    sessions = await start_party_directory(
        engine.system,
        engine.store,
        PartySession,
        errors=ERRORS,
        ids=IDS,
        context=SessionContext(settings, accounts),
    )
    sessions.listen(index.report)
    await sessions.restore_all()
    secret = await load_or_create_secret(engine.store, environ=engine.environ)
    tokens = TokenIssuer(secret, issuer=TOKEN_ISSUER, ttl=settings.token_ttl, now=clock.now)
    yield Quipflip(settings, sessions, accounts, index, tokens)


app = AppSpec(
    name="quipflip",
    routes=routes,
    setup=setup,
    title="Quipflip party mode",
    pages=files(__package__) / "pages",
)
