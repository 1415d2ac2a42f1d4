"""How an app plugs into the engine: a name, its routes and its setup."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

import attrs

from ._routes import Cors, Routes

if TYPE_CHECKING:
    from ._engine import Engine


@attrs.frozen
class AppSpec:
    """One system served by the engine.

    ``setup(engine)`` is entered when the engine opens, in app order, and exited in reverse when
    it closes: it starts the app's supervisors and yields the context its handlers receive as
    ``request.context``. Its ``engine.system`` starts them under the app's own supervisor; if
    that fails, the setup is exited and entered again (with backoff), so it must build
    everything the context holds, and must not assume it runs once per process. ``cors`` applies
    to every HTTP route of the app: a ``Cors``, or a function of the engine's environment
    returning one (origins from configuration).
    ``version`` is the version of the app's own protocol, if it has one (its OpenAPI document
    shows it beside the package's version, which is the document's).
    ``pages`` is the app's playable page: a directory of static files (package data, named with
    ``importlib.resources.files``) that the engine serves at ``/<app>/play/`` (``/play/`` for an
    app served alone), its ``index.html`` first; see ``engine/web/_static.py``.
    """

    name: str
    routes: Routes
    setup: Callable[[Engine], AbstractAsyncContextManager[Any]]
    cors: Cors | Callable[[Mapping[str, str]], Cors | None] | None = None
    title: str = ""
    version: str = ""
    pages: Traversable | None = None

    def cors_for(self, environ: Mapping[str, str]) -> Cors | None:
        return self.cors(environ) if callable(self.cors) else self.cors
