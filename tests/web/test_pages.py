"""What a browser or a stray client meets: the index at ``/``, the API explorer served from
installed assets, 426 on a plain GET of a WebSocket route, ``/<app>/health``, and 404 bodies in
the app's format under its prefix and the engine's elsewhere."""

from __future__ import annotations

import re

import pytest
import trio
import trio.testing

from engine.apps.liaptui.app import app as liaptui
from engine.apps.watchparty.app import app as watchparty
from engine.testing import serve_apps
from engine.web._app_host import APP_RESTART_BACKOFF

import crash_app
from notes_app import app as notes

SHIPPED = [liaptui, watchparty]


async def test_the_index_lists_every_app_with_working_links():
    async with serve_apps(SHIPPED, prefixed=True) as served:
        page = await served.client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        for app in SHIPPED:
            assert app.title in page.text
        links = set(re.findall(r'href="([^"]+)"', page.text))
        assert {"/liaptui/openapi.json", "/watchparty/health", "/metrics", "/docs"} <= links
        for link in links:
            assert (await served.client.get(link)).status_code == 200, link


async def test_the_explorer_loads_only_its_own_assets():
    async with serve_apps(SHIPPED, prefixed=True) as served:
        page = (await served.client.get("/docs")).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert sources and all(source.startswith("/docs/assets/") for source in sources)
        for source in sources:
            asset = await served.client.get(source)
            assert asset.status_code == 200 and len(asset.content) > 1000, source
        assert '"url": "/watchparty/openapi.json"' in page
        missing = await served.client.get("/docs/assets/../../etc/passwd")
        assert missing.status_code == 404


@pytest.mark.parametrize("prefixed", [True, False])
async def test_a_plain_get_on_a_websocket_route_is_426_in_the_apps_format(prefixed):
    async with serve_apps([watchparty], prefixed=prefixed) as served:
        prefix = "/watchparty" if prefixed else ""
        response = await served.client.get(f"{prefix}/ws/7987e4d2-cf91-487a-9064-10941886b948")
        assert response.status_code == 426
        assert response.headers["Upgrade"] == "websocket"
        assert response.json()["error"] == "Upgrade Required"


async def test_every_prefix_has_health():
    async with serve_apps([notes, *SHIPPED], prefixed=True) as served:
        for app in (notes, *SHIPPED):
            response = await served.client.get(f"/{app.name}/health")
            assert response.status_code == 200, app.name
            assert response.json()["status"] == "ok"


async def test_an_apps_health_says_when_it_is_down(mock_clock: trio.testing.MockClock) -> None:
    async with serve_apps([crash_app.app, notes], prefixed=True) as served:
        for _ in range(4):  # past the worker's supervisor's intensity: the app fails
            await served.client.post("/crashy/crash")
        await trio.testing.wait_all_tasks_blocked()
        down = await served.client.get("/crashy/health")
        assert (down.status_code, down.json()) == (503, {"status": "unavailable", "app": "crashy"})
        assert (await served.client.get("/notes/health")).status_code == 200
        mock_clock.jump(APP_RESTART_BACKOFF.delay(1))
        await served.engine.hosts["crashy"].wait_available()
        assert (await served.client.get("/crashy/health")).json()["status"] == "ok"


async def test_404_bodies_follow_the_apps_format_under_its_prefix_and_the_engines_elsewhere():
    async with serve_apps([notes, *SHIPPED], prefixed=True) as served:
        client = served.client
        assert set((await client.get("/watchparty/nope")).json()) == {"error", "message"}
        assert set((await client.get("/liaptui/nope")).json()) == {"detail"}
        assert set((await client.get("/nope")).json()) == {"detail"}
        for path in ("/watchparty/nope", "/liaptui/nope", "/nope"):
            assert (await client.get(path)).status_code == 404
