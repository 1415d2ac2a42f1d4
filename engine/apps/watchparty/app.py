"""WatchParty as an engine app: ``party-engine serve --app watchparty`` serves it at the root,
``party-engine serve`` under ``/watchparty``.

Settings, CORS origins included, come from the engine's environment (``Engine.environ``, see
``settings``); so does the token secret (``PARTY_ENGINE_JWT_SECRET``, else the one kept in the
store).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from importlib.resources import files

from engine import clock
from engine.parties import PartyDirectory, start_party_directory
from engine.store import Store
from engine.supervisors import ActorSystem
from engine.web import AppSpec, Cors, Engine, PasswordHasher, TokenIssuer, load_or_create_secret

from .routes import ERRORS, WatchParty, routes
from .session_actor import SessionActor
from .settings import WatchPartySettings

__all__ = ["TOKEN_ISSUER", "app", "start_sessions"]

#: The ``iss`` of every token (ORIGINS).
TOKEN_ISSUER = "watchparty"


async def start_sessions(
    system: ActorSystem, store: Store, settings: WatchPartySettings
) -> PartyDirectory[SessionActor]:
    """Start the sessions' directory under ``system``, every saved session restored (so that
    each one's expiry timer runs even if nobody asks for it again); they stop with ``system``."""
    return await start_party_directory(
        system,
        store,
        SessionActor,
        errors=ERRORS,
        context=settings,
        restore_all=True,
        seq_field=None,  # the spec's messages carry no sequence numbers
    )


@asynccontextmanager
async def setup(engine: Engine) -> AsyncIterator[WatchParty]:
    """Start the sessions and yield the ``WatchParty`` context."""
    settings = WatchPartySettings.from_environ(engine.environ)
    sessions = await start_sessions(engine.system, engine.store, settings)
    # A seat is held for as long as the token that came with it is valid (one hour).
    tokens = TokenIssuer(
        await load_or_create_secret(engine.store, environ=engine.environ),
        issuer=TOKEN_ISSUER,
        ttl=settings.session.seat_hold,
        now=clock.now,
    )
    yield WatchParty(sessions, settings, tokens, PasswordHasher(settings.bcrypt_cost))


def cors(environ: Mapping[str, str]) -> Cors:
    """The browser origins ``environ`` allows (read when the engine serves, after ``setup``
    has checked the settings)."""
    return Cors(
        origins=WatchPartySettings.from_environ(environ).cors_origins,
        methods=("GET", "POST", "PUT", "DELETE", "OPTIONS"),
        headers=("Content-Type", "Authorization"),
        credentials=True,
    )


app = AppSpec(
    name="watchparty",
    routes=routes,
    setup=setup,
    cors=cors,
    title="WatchParty",
    pages=files(__package__) / "pages",
)
