"""WatchParty as an engine app: ``party-engine serve --app watchparty`` serves it at the root,
``party-engine serve`` under ``/watchparty``.

Settings, CORS origins included, come from the engine's environment when it opens
(``WatchPartySettings.from_environ``, see ``settings``) unless ``make_app`` is given its own
(tests, embedders).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from engine.web import AppSpec, Cors, Engine, PasswordHasher, TokenIssuer, load_or_create_secret

from .clock import TrioWallClock
from .directory import start_session_directory
from .routes import WatchParty, routes
from .settings import WatchPartySettings, cors_origins_from

__all__ = ["TOKEN_ISSUER", "app", "make_app"]

#: The ``iss`` of every token (ORIGINS).
TOKEN_ISSUER = "watchparty"


def make_app(settings: WatchPartySettings | None = None) -> AppSpec:
    """The app; with ``settings`` None they (and the CORS origins) are read from the engine's
    environment when it opens.

    Setup starts the sessions' supervisor (restoring every saved session) and yields the
    ``WatchParty`` context; the sessions stop with the engine's actor system.
    """

    @asynccontextmanager
    async def setup(engine: Engine) -> AsyncIterator[WatchParty]:
        chosen = settings or WatchPartySettings.from_environ(engine.environ)
        clock = TrioWallClock()
        directory = await start_session_directory(
            engine.system, engine.store, settings=chosen.session, clock=clock
        )
        # A seat is held for as long as the token that came with it is valid (one hour).
        tokens = TokenIssuer(
            await load_or_create_secret(engine.store, environ=engine.environ),
            issuer=TOKEN_ISSUER,
            ttl=chosen.session.seat_hold,
            now=clock.now,
        )
        yield WatchParty(directory, chosen, tokens, PasswordHasher(chosen.bcrypt_cost), clock)

    def cors(environ: Mapping[str, str]) -> Cors:
        origins = settings.cors_origins if settings is not None else cors_origins_from(environ)
        return Cors(
            origins=origins,
            methods=("GET", "POST", "PUT", "DELETE", "OPTIONS"),
            headers=("Content-Type", "Authorization"),
            credentials=True,
        )

    return AppSpec(name="watchparty", routes=routes, setup=setup, cors=cors, title="WatchParty")


app = make_app()
