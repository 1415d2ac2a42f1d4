"""Static pages: an app's playable page (``AppSpec.pages``) and the files every page shares.

An app ships its pages as package data, a directory of plain HTML, CSS and JavaScript named with
``importlib.resources``; the engine serves it at ``/<app>/play/`` (``/play/`` for an app served
alone at the root). The pages share ``/shared/`` (this package's ``pages`` directory): the
stylesheet and the JavaScript module every page imports, so the apps do not copy them.

Guarantees of `StaticFiles.find`:

- only a file inside the directory is ever answered: a path is taken segment by segment, and
  a segment that is empty, ``.``, ``..``, hidden (``.git``) or holds a backslash or a NUL is not
  found, so no path leaves the directory nor reads what is not meant to be served;
- a directory answers its ``index.html``;
- the media type comes from the file's extension through a fixed table (not the host's
  ``mimetypes`` database, which differs between machines), text with ``charset=utf-8``; an
  unknown extension is not served;
- each answer carries a strong ``ETag`` (a digest of the bytes) and ``Cache-Control: no-cache``:
  a browser keeps the file but asks again each time, and gets ``304`` while the file is the
  same. Pages change with the installed engine, so nothing is cached blindly.

Files are read once and kept (package data does not change while the process runs).
"""

from __future__ import annotations

import hashlib
import importlib.resources
from collections.abc import Callable
from importlib.resources.abc import Traversable
from typing import Any

import attrs
from quart import Response as QuartResponse
from quart import abort, redirect, request

__all__ = ["MEDIA_TYPES", "StaticFile", "StaticFiles", "page_routes", "shared_routes"]

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}

#: Where the shared files are served.
SHARED_PREFIX = "/shared"

# Headers of every static answer: revalidate each time, never sniff a type we did not name.
_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


@attrs.frozen
class StaticFile:
    """A file to answer with: its bytes, media type and entity tag."""

    body: bytes
    media_type: str
    etag: str


@attrs.define(eq=False)
class StaticFiles:
    """The files under ``root``, found by URL path (see the module docstring)."""

    root: Traversable
    _cache: dict[str, StaticFile] = attrs.field(factory=dict, init=False)

    def find(self, path: str) -> StaticFile | None:
        """The file at ``path`` (``""`` or ending in ``/``: that directory's ``index.html``),
        or None."""
        found = self._cache.get(path)
        if found is None:
            found = self._read(path)
            if found is not None:  # misses are not kept: any client can ask for any path
                self._cache[path] = found
        return found

    def _read(self, path: str) -> StaticFile | None:
        segments = path.split("/")
        if segments[-1] == "":
            segments[-1] = "index.html"
        node = self.root
        for segment in segments:
            if not _servable(segment):
                return None
            node = node / segment
        media_type = MEDIA_TYPES.get(_extension(segments[-1]))
        if media_type is None or not node.is_file():
            return None
        body = node.read_bytes()
        return StaticFile(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


Route = tuple[str, str, Callable[..., Any]]


def page_routes(name: str, prefix: str, pages: Traversable) -> list[Route]:
    """The GET routes serving an app's ``pages`` at ``<prefix>/play/``, as (rule, endpoint
    name, view); ``<prefix>/play`` redirects there, so that the pages' relative links work."""
    files = StaticFiles(pages)

    async def page(path: str = "") -> QuartResponse:
        return _answer(files, path)

    async def to_directory() -> Any:
        return redirect(f"{prefix}/play/", 308)

    return [
        (f"{prefix}/play", f"{name}-play-redirect", to_directory),
        (f"{prefix}/play/", f"{name}-play-index", page),
        (f"{prefix}/play/<path:path>", f"{name}-play", page),
    ]


def shared_routes() -> list[Route]:
    """The GET route serving the shared files at ``/shared/``."""
    files = StaticFiles(importlib.resources.files(__package__) / "pages")

    async def shared(path: str) -> QuartResponse:
        return _answer(files, path)

    return [(f"{SHARED_PREFIX}/<path:path>", "shared-page", shared)]


def _answer(files: StaticFiles, path: str) -> QuartResponse:
    """The file at ``path`` for the request being handled: 200, 304 when the client has this
    version, or 404 (in the format of the app whose prefix the path is under)."""
    found = files.find(path)
    if found is None:
        abort(404)
    headers = {**_HEADERS, "ETag": found.etag}
    tags = _entity_tags(request.headers.get("If-None-Match", ""))
    if found.etag in tags or "*" in tags:
        return QuartResponse(b"", status=304, headers=headers)
    return QuartResponse(found.body, content_type=found.media_type, headers=headers)


def _servable(segment: str) -> bool:
    return bool(segment) and not segment.startswith(".") and not {"\\", "\0"} & set(segment)


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _entity_tags(header: str) -> set[str]:
    """The tags of an ``If-None-Match`` header (weak ones compared as strong: RFC 9110 uses the
    weak comparison for it)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
