"""The pages a person opens in a browser: the index at ``/`` and the API explorer at ``/docs``
(each app's playable page, linked from the index, is served by ``_static``).

The explorer is Swagger UI, served from the assets of the ``swagger-ui-py`` distribution
installed with the engine (its ``swagger_ui/static`` directory): nothing is fetched from a CDN,
and nothing minified is kept in this repository. Why Swagger UI from that package: it is the
one explorer published on PyPI with its assets, in a version (5.x) that renders OpenAPI 3.1;
``swagger-ui-bundle`` ships Swagger UI 4.15, which does not, and ReDoc and Scalar are published
on npm only, which would add a JavaScript build step.
"""

from __future__ import annotations

import html
import importlib.resources
import json
import mimetypes
from collections.abc import Sequence
from importlib.resources.abc import Traversable

import attrs

from ._app import AppSpec
from ._asyncapi import has_asyncapi

EXPLORER_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


def explorer_assets() -> Traversable:
    """The directory of the explorer's assets."""
    return importlib.resources.files("swagger_ui") / "static"


def explorer_asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of asset ``name``, or None if it is not one of ours."""
    if name not in EXPLORER_ASSETS:
        return None
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return (explorer_assets() / name).read_bytes(), media_type


@attrs.frozen
class Document:
    """One OpenAPI document the pages link to."""

    name: str
    title: str
    url: str


def documents(apps: Sequence[AppSpec], *, prefixed: bool) -> list[Document]:
    """The server's documents: the root one, then one per app when apps are under prefixes."""
    name = "all" if prefixed else apps[0].name if apps else "engine"
    root = Document(name, _title(apps, prefixed), "/openapi.json")
    if not prefixed:
        return [root]
    alone = [Document(a.name, a.title or a.name, f"/{a.name}/openapi.json") for a in apps]
    return [root, *alone]


def index_page(
    apps: Sequence[AppSpec], *, prefixed: bool, version: str, dashboard: bool = False
) -> str:
    """``/``: the apps served, with links to their documents, health, metrics and explorer,
    and to the dashboard if it is on."""
    rows = []
    for app in apps:
        prefix = f"/{app.name}" if prefixed else ""
        name = html.escape(app.title or app.name)
        explorer = f"/docs?urls.primaryName={app.name}" if prefixed else "/docs"
        openapi = f"{prefix}/openapi.json"
        asyncapi = f'<a href="{prefix}/asyncapi.json">AsyncAPI</a>' if has_asyncapi(app) else ""
        health = f"{prefix}/health"
        play = f'<a href="{prefix}/play/">play</a>' if app.pages is not None else ""
        rows.append(
            f"<tr><th>{name}</th><td><code>{html.escape(prefix or '/')}</code></td>"
            f"<td>{play}</td>"
            f'<td><a href="{explorer}">API explorer</a></td>'
            f'<td><a href="{openapi}">OpenAPI</a></td>'
            f"<td>{asyncapi}</td>"
            f'<td><a href="{health}">health</a></td>'
            f"<td>protocol: <code>docs/{html.escape(app.name)}.md</code></td></tr>"
        )
    return _PAGE.format(
        title="party-engine",
        body=f"""<h1>party-engine <small>{html.escape(version)}</small></h1>
<p>An actor-model realtime engine. This server serves {len(apps)} app(s):</p>
<table id="apps">{"".join(rows)}</table>
<h2>The server</h2>
<ul>
<li><a href="/docs">API explorer</a>: every HTTP route, tried from the browser</li>
<li><a href="/openapi.json">OpenAPI document</a> of every route</li>
<li><a href="/health">health</a> and <a href="/metrics">metrics</a> (Prometheus text)</li>
{_DASHBOARD_ITEM if dashboard else ""}
</ul>
<p>Each app's WebSocket messages are in its AsyncAPI 3 document (<code>asyncapi.json</code>
beside its OpenAPI); the protocols are described in the repository's <code>docs/</code>
directory, one page per app.</p>""",
        head=_INDEX_STYLE,
    )


def explorer_page(docs: Sequence[Document]) -> str:
    """``/docs``: Swagger UI over ``docs`` (a drop-down when there are several)."""
    urls = json.dumps([{"name": d.name, "url": d.url} for d in docs])
    config = (
        f"{{urls: {urls}, dom_id: '#explorer', deepLinking: true, "
        "presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], "
        "layout: 'StandaloneLayout'}"
    )
    return _PAGE.format(
        title="party-engine API explorer",
        head='<link rel="stylesheet" href="/docs/assets/swagger-ui.css">',
        body=f"""<div id="explorer"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({config});</script>""",
    )


def _title(apps: Sequence[AppSpec], prefixed: bool) -> str:
    if prefixed or not apps:
        return "party-engine"
    return apps[0].title or apps[0].name


_DASHBOARD_ITEM = (
    '<li><a href="/dashboard">dashboard</a>: the live engine (asks for its token)</li>'
)
_INDEX_STYLE = """<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
table { border-collapse: collapse; } th, td { padding: .3rem .8rem; text-align: left; }
tr { border-bottom: 1px solid #ddd; } small { color: #666; font-weight: normal; }
</style>"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body>
{body}
</body>
</html>
"""
