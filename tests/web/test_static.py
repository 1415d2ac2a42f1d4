"""Static pages: each app's ``/<app>/play/`` and the ``/shared/`` kit, served from package data
with fixed media types, entity tags and no way out of their directory; 404s in the app's
format."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from engine.apps.lanrage.app import app as lanrage
from engine.apps.liaptui.app import app as liaptui
from engine.apps.p2p.app import app as p2p
from engine.apps.quipflip.app import app as quipflip
from engine.apps.watchparty.app import app as watchparty
from engine.testing import serve_apps
from engine.web._static import MEDIA_TYPES, StaticFiles

from raw_http import raw_http

SHIPPED = [liaptui, watchparty, quipflip, p2p, lanrage]


def test_files_are_found_inside_the_directory_only(tmp_path):
    (tmp_path / "index.html").write_text("<p>hi</p>")
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("p {}")
    (tmp_path / "css" / "index.html").write_text("css index")
    (tmp_path / ".secret.html").write_text("no")
    (tmp_path / "script.py").write_text("no")
    (tmp_path.parent / "outside.html").write_text("no")
    pages = StaticFiles(tmp_path)

    index = pages.find("")
    assert index is not None and index.body == b"<p>hi</p>"
    assert index.media_type == "text/html; charset=utf-8"
    css = pages.find("css/a.css")
    assert css is not None and css.media_type == "text/css; charset=utf-8"
    directory = pages.find("css/")
    assert directory is not None and directory.body == b"css index"
    for refused in (
        "../outside.html",
        "css/../../outside.html",
        "css/../index.html",
        "./index.html",
        "css//a.css",
        ".secret.html",
        "script.py",
        "css",
        "css\\a.css",
        "index.html\0.css",
        "missing.html",
    ):
        assert pages.find(refused) is None, refused


def test_an_entity_tag_names_the_bytes(tmp_path):
    (tmp_path / "a.js").write_text("1")
    (tmp_path / "b.js").write_text("2")
    (tmp_path / "c.js").write_text("1")
    found = [StaticFiles(tmp_path).find(name) for name in ("a.js", "b.js", "c.js")]
    a, b, c = (file.etag if file is not None else None for file in found)
    assert a is not None
    assert a == c != b and re.fullmatch(r'"[0-9a-f]{32}"', a)


def test_every_shipped_page_file_has_a_media_type():
    for app in SHIPPED:
        assert app.pages is not None
        for entry in app.pages.iterdir():
            assert entry.name[entry.name.rfind(".") :] in MEDIA_TYPES, entry.name
    for entry in (files("engine.web") / "pages").iterdir():
        assert entry.name[entry.name.rfind(".") :] in MEDIA_TYPES, entry.name


@pytest.mark.parametrize("prefixed", [True, False])
async def test_an_apps_pages_are_served_at_play(prefixed):
    async with serve_apps([liaptui], prefixed=prefixed) as served:
        prefix = "/liaptui" if prefixed else ""
        page = await served.client.get(f"{prefix}/play/")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["cache-control"] == "no-cache"
        assert page.headers["x-content-type-options"] == "nosniff"
        # Everything the page loads is served, with its own media type.
        sources = re.findall(r'(?:src|href)="([^"#:]+)"', page.text)
        assert "/shared/page.css" in sources and "liaptui.js" in sources
        for source in sources:
            url = source if source.startswith("/") else f"{prefix}/play/{source}"
            asset = await served.client.get(url)
            assert asset.status_code == 200, url
            expected = MEDIA_TYPES[url[url.rfind(".") :]]
            assert asset.headers["content-type"] == expected, url
        redirect = await served.client.get(f"{prefix}/play")
        assert (redirect.status_code, redirect.headers["location"]) == (308, f"{prefix}/play/")


async def test_an_unchanged_file_is_answered_304():
    async with serve_apps([liaptui], prefixed=True) as served:
        first = await served.client.get("/liaptui/play/liaptui.js")
        etag = first.headers["etag"]
        again = await served.client.get(
            "/liaptui/play/liaptui.js", headers={"If-None-Match": f'W/"x", {etag}'}
        )
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        changed = await served.client.get(
            "/liaptui/play/liaptui.js", headers={"If-None-Match": '"another"'}
        )
        assert changed.status_code == 200 and changed.content == first.content


async def test_no_path_leaves_the_pages_and_misses_are_404_in_the_apps_format():
    async with serve_apps([liaptui, watchparty], prefixed=True) as served:
        for path in (
            "/liaptui/play/../app.py",
            "/liaptui/play/%2e%2e/app.py",
            "/liaptui/play/..%2fapp.py",
            "/liaptui/play/%2e%2e%2f%2e%2e%2fpyproject.toml",
            "/liaptui/play/.hidden.js",
            "/liaptui/play/..%5capp.py",
            "/liaptui/play/nope.html",
            "/shared/../web/_static.py",
        ):
            async with raw_http(served.port) as raw:
                await raw.send(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                response = await raw.response()
            assert response.status == 404, path
            assert b"import" not in response.body, path
        liaptui_404 = await served.client.get("/liaptui/play/nope.js")
        assert set(liaptui_404.json()) == {"detail"}
        watchparty_404 = await served.client.get("/watchparty/play/nope.js")
        assert set(watchparty_404.json()) == {"error", "message"}


async def test_the_index_links_to_each_apps_page():
    async with serve_apps(SHIPPED, prefixed=True) as served:
        index = (await served.client.get("/")).text
        for app in SHIPPED:
            assert f'href="/{app.name}/play/"' in index
            assert (await served.client.get(f"/{app.name}/play/")).status_code == 200
