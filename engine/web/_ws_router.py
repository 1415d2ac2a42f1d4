"""Routes WebSocket upgrades to the app that declared them, before the handshake."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import partial
from typing import Any

import attrs

from engine.net import Accept, Reject, WebSocketRequest

from ._app import AppSpec
from ._errors import ErrorFormat, app_unavailable
from ._metrics import ConnectionCounters
from ._routes import WebSocketRoute


@attrs.frozen
class _Compiled:
    pattern: re.Pattern[str]
    #: The route's path as served (``/liaptui/ws/{room_id}``): its label in the counters.
    path: str
    route: WebSocketRoute
    app: str
    errors: ErrorFormat


def _compile(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", path)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


@attrs.define(eq=False)
class WebSocketRouter:
    """The listener's resolver over every app's WebSocket routes.

    Exact segments win over parameters (``/ws/lobby`` before ``/ws/{room_id}``) because routes
    are tried in the order with the most literal characters first. An app that is down (no
    context: it is being set up again) has its upgrades refused with 503 in its error format.
    Connections and refusals are counted in ``counters``.
    """

    _routes: list[_Compiled]
    _contexts: dict[str, Any]
    _counters: ConnectionCounters

    @classmethod
    def build(
        cls,
        apps: Sequence[AppSpec],
        contexts: dict[str, Any],
        *,
        prefixed: bool,
        counters: ConnectionCounters,
    ) -> WebSocketRouter:
        compiled = []
        for app in apps:
            for route in app.routes.websockets:
                path = (f"/{app.name}" if prefixed else "") + route.path
                compiled.append(_Compiled(_compile(path), path, route, app.name, app.routes.errors))
        compiled.sort(key=lambda c: len(re.sub(r"\{\w+\}", "", c.route.path)), reverse=True)
        return cls(compiled, contexts, counters)

    async def __call__(self, request: WebSocketRequest) -> Accept | Reject | None:
        for compiled in self._routes:
            match = compiled.pattern.match(request.path)
            if match is None:
                continue
            if compiled.app not in self._contexts:
                error = app_unavailable(compiled.app)
                body = json.dumps(compiled.errors.body(error), separators=(",", ":"))
                answer: Accept | Reject = Reject(compiled.errors.status(error), body=body.encode())
            else:
                answer = await compiled.route.connect(
                    self._contexts[compiled.app], request, match.groupdict()
                )
            if isinstance(answer, Reject):
                self._counters.refuse(answer.status)
                return answer
            serve = partial(self._counters.serve, compiled.path, answer.handler)
            return attrs.evolve(answer, handler=serve)
        return None
