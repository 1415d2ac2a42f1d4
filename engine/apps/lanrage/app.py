"""LANrage as an engine app: ``party-engine serve --app lanrage`` serves one node at the root,
``party-engine serve`` under ``/lanrage``.

Settings are read from ``PARTY_ENGINE_LANRAGE_*`` at set-up unless ``make_app`` is given its
own (tests, embedders); ``service.open_node`` starts the node.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from engine.web import AppSpec, Engine

from .routes import ERRORS, routes
from .service import Node, open_node
from .settings import LanrageSettings, read_lanrage_settings

__all__ = ["app", "make_app"]


def make_app(settings: LanrageSettings | None = None) -> AppSpec:
    """The app; with ``settings`` None they are read from the engine's environment at setup."""

    @asynccontextmanager
    async def setup(engine: Engine) -> AsyncIterator[Node]:
        chosen = settings or read_lanrage_settings(engine.environ)
        async with open_node(engine.system, engine.store, chosen, ERRORS) as node:
            yield node

    return AppSpec(
        name="lanrage",
        routes=routes,
        setup=setup,
        title="LANrage",
        pages=files(__package__) / "pages",
    )


app = make_app()
