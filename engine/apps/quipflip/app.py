"""Quipflip as an engine app: ``party-engine serve --app quipflip`` serves it at the root,
``party-engine serve`` under ``/quipflip``.

Setup reads the settings from ``PARTY_ENGINE_QUIPFLIP_*``, starts the accounts' and the
sessions' directories, and restores every saved session (their timers must run; in a cluster,
the sessions no node runs, and later those of a node that died) before the routes serve. The
index of party codes and members follows the sessions' listing, which in a cluster is every
node's. Setup may run again after a failure: everything it builds is built afresh from the
store.
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
    accounts = await start_accounts(engine.system, engine.store, index, errors=ERRORS)
    sessions = await start_party_directory(
        engine.system,
        engine.store,
        PartySession,
        errors=ERRORS,
        ids=IDS,
        context=SessionContext(settings, accounts),
        restore_all=True,
    )
    # The listings so far (restored here, or mirrored from the other nodes), then every change.
    for listing in sessions.listing():
        index.report(listing.session_id, listing)
    sessions.listen(index.report)
    accounts.entrances.open(sessions)
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
