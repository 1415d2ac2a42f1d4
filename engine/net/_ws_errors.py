"""Errors raised by the WebSocket transport.

    WebSocketError
    +-- ConnectionClosed   the connection is over, whoever ended it; it carries the close code
    +-- MessageTooBig      one incoming message exceeded the size limit; the connection is open

Socket errors (`OSError`) and wsproto's `ParseFailed` never escape: they become a
`ConnectionClosed` with code 1006 (connection lost) or the protocol error's code.
"""

from __future__ import annotations

__all__ = ["ConnectionClosed", "MessageTooBig", "WebSocketError"]


class WebSocketError(Exception):
    """Base of every error the WebSocket transport raises."""


class ConnectionClosed(WebSocketError):
    """The connection is closed or closing; nothing more will be received.

    `code` and `reason` are those of the first close: the peer's close frame when `by_peer` is
    true (1005 if it carried no code, 1006 if the socket was lost without one), or the code
    this side sent (1001 shutdown, 1008 slow consumer, 1009 message too big, 1011 idle
    timeout or handler crash, the protocol error's code, or what `WebSocket.close` was given).
    """

    def __init__(self, code: int, reason: str, *, by_peer: bool) -> None:
        super().__init__(code, reason, by_peer)
        self.code = code
        self.reason = reason
        self.by_peer = by_peer

    def __str__(self) -> str:
        side = "peer" if self.by_peer else "server"
        return f"closed by {side} with {self.code} {self.reason!r}"


class MessageTooBig(WebSocketError):
    """An incoming message was larger than `limit` bytes and was discarded.

    Raised only when the connection is configured to stay open on oversized messages; the rest
    of the offending message is skipped and the next `receive` returns the message after it.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def __str__(self) -> str:
        return f"message larger than {self.limit} bytes"
