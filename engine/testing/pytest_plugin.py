"""Fixtures for testing an app of one's own with pytest and pytest-trio.

Registered by the package (the ``pytest11`` entry point ``party_engine``), so installing
party-engine is enough. A test module, or its ``conftest.py``, says which apps to serve by
overriding ``engine_apps`` (and, for settings, ``engine_environ``)::

    @pytest.fixture
    def engine_apps():
        return [my_app]

    async def test_create(engine_client):
        assert (await engine_client.post("/api/things", json={...})).status_code == 201

The asynchronous fixtures need pytest-trio: ``trio_mode = true`` in the pytest settings, or
``@pytest.mark.trio`` on the test. ``mock_engine`` goes with pytest-trio's ``autojump_clock``
fixture for timers; ``served_engine`` and ``engine_client`` use real sockets and the real clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence

import pytest

from engine.net.client import Client
from engine.web import AppSpec, Engine

from ._serving import Served, open_test_engine, serve_apps


@pytest.fixture
def engine_apps() -> Sequence[AppSpec]:
    """The apps under test: override this fixture."""
    raise pytest.UsageError("override the engine_apps fixture with the apps to test")


@pytest.fixture
def engine_environ() -> Mapping[str, str]:
    """The engine's environment (``PARTY_ENGINE_*`` settings): empty unless overridden."""
    return {}


@pytest.fixture
async def served_engine(
    engine_apps: Sequence[AppSpec], engine_environ: Mapping[str, str]
) -> AsyncIterator[Served]:
    """``engine_apps`` served on a free loopback port (`serve_apps`), memory store."""
    async with serve_apps(engine_apps, environ=engine_environ) as served:
        yield served


@pytest.fixture
def engine_client(served_engine: Served) -> Client:
    """A client of ``served_engine`` (HTTP and WebSocket, relative paths)."""
    return served_engine.client


@pytest.fixture
async def mock_engine(
    engine_apps: Sequence[AppSpec], engine_environ: Mapping[str, str]
) -> AsyncIterator[Engine]:
    """``engine_apps`` opened without a server (`open_test_engine`), memory store."""
    async with open_test_engine(engine_apps, environ=engine_environ) as engine:
        yield engine
