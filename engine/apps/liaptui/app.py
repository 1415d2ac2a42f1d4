"""Liap Tui as an engine app: ``party-engine serve --app liaptui`` serves it at the root,
``party-engine serve`` under ``/liaptui``.

Settings come from the engine's environment (``PARTY_ENGINE_LIAPTUI_*``, see `settings`) unless
`make_app` is given its own (tests, embedders).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from engine.settings import read_settings
from engine.web import AppSpec, Engine

from .directory import RoomDirectory, open_directory
from .protocol import SERVER_VERSION
from .routes import routes
from .settings import Settings

__all__ = ["app", "make_app"]


def make_app(settings: Settings | None = None) -> AppSpec:
    """The app; with ``settings`` None they are read from the engine's environment at setup."""

    @asynccontextmanager
    async def setup(engine: Engine) -> AsyncIterator[RoomDirectory]:
        chosen = (
            settings
            if settings is not None
            else read_settings(Settings, engine.environ, app="liaptui")
        )
        async with open_directory(engine.system, engine.store, chosen) as directory:
            yield directory

    return AppSpec(
        name="liaptui",
        routes=routes,
        setup=setup,
        title="Liap Tui",
        version=SERVER_VERSION,
        pages=files(__package__) / "pages",
    )


app = make_app()
