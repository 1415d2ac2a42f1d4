"""One HTTP request and its response, as `serve_tcp` hands them to the ASGI app.

Hypercorn 0.17's HTTP/1.1 protocol does its connection bookkeeping inside the app's `send` of
the response's last message: it tells the app `http.disconnect`, then either recycles the
connection for the next request (and restarts its keep-alive timer) or closes it. Quart-Trio
cancels the request's task as soon as it sees that `http.disconnect`, so the bookkeeping is cut
short at its first checkpoint: a `Connection: close` socket is never closed, a keep-alive
connection is never timed out, and a connection whose response finished before the request's
body arrived is left waiting for an answer that never comes. `exchange_app` runs every `send`
shielded, so it always completes; every wait inside it is bounded (Hypercorn writes through
the listener's stream, whose sends time out).

It also keeps a connection usable after an early response (a 405, 404 or 401 sent before the
body was read): the response's bytes go out at once, but the end of the exchange waits, at most
`drain_timeout` seconds, for the rest of the request's body, so that Hypercorn sees both sides
done and keeps the connection alive. A body that does not arrive in time ends the exchange
anyway, and Hypercorn closes the connection.
"""

from __future__ import annotations

from typing import Any

import trio
from hypercorn.typing import ASGIReceiveEvent, ASGISendEvent, Scope

__all__ = ["exchange_app"]

_Receive = Any
_Send = Any


def exchange_app(app: Any, *, drain_timeout: float) -> Any:
    """`app` (ASGI 3) with its HTTP exchanges made safe for Hypercorn's connection handling.

    Only `http` scopes are changed; lifespan and websocket scopes reach `app` unchanged. The app
    must keep reading its `receive` until the body is complete, as Quart does in a task of its
    own: the exchange learns from those reads that the body has arrived.
    """

    async def wrapped(scope: Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        exchange = _Exchange(receive, send, drain_timeout)
        await app(scope, exchange.receive, exchange.send)

    return wrapped


class _Exchange:
    def __init__(self, receive: _Receive, send: _Send, drain_timeout: float) -> None:
        self._receive = receive
        self._send = send
        self._drain_timeout = drain_timeout
        # Set once the request's body is complete or the client has gone.
        self._request_done = trio.Event()

    async def receive(self) -> ASGIReceiveEvent:
        message: ASGIReceiveEvent = await self._receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            self._request_done.set()
        return message

    async def send(self, message: ASGISendEvent) -> None:
        last = message["type"] == "http.response.body" and not message.get("more_body", False)
        if last and not self._request_done.is_set():
            # Wait for the rest of the request's body before ending the response: its bytes
            # have been sent, and ending it now would close the connection.
            with trio.move_on_after(self._drain_timeout):
                await self._request_done.wait()
        with trio.CancelScope(shield=True):
            await self._send(message)
