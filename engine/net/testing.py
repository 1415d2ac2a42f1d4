"""In-memory peers, for tests and for embedders that drive a party without a socket.

`memory_peer()` returns a real `Peer` and the `MemoryPeerInbox` that stands where its client
would be. The party is told about the peer by hand, as `serve_peer` would tell it::

    peer, inbox = memory_peer({"user": 7})
    party.tell(PeerConnected(peer))
    party.tell(PeerMessage(peer, {"type": "hi"}))
    ...
    assert inbox.take_all() == [{"type": "welcome"}, ...]
    party.tell(inbox.disconnect())          # the client leaves: PeerDisconnected(by_peer=True)

Guarantees:

- Whatever the party sends (`Peer.send`, `Peer.send_json`, an `EventStream` broadcast) is
  decoded at once, in the sender's task, and kept in `inbox.messages` in send order, or handed
  to the inbox's `on_message` instead. Nothing waits and nothing is dropped while the
  connection is open and the outbox is not marked full.
- Sends behave as a `WebSocket`'s do: after a close they return False and deliver nothing;
  with `outbox_full` set, the next send overflows the outbox, which closes the connection with
  1008 "slow consumer" (by the server) and returns False.
- `Peer.close` records the code and reason in `inbox.closed` (the first close wins) and
  raises ValueError for a code outside 1000-4999, as on a socket.
- Nothing reads from a memory peer: it is not for `serve_peer`, and the party learns of
  messages and of the end only from what the caller tells it.

Nothing here starts a task or needs Trio.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, final

import attrs

from ._codec import JSON_CODEC, Codec
from ._frames import CloseReason, Frame, close_frame
from ._peer import Peer, PeerDisconnected, _disconnected
from ._ws_errors import ConnectionClosed
from ._ws_handshake import WebSocketRequest

__all__ = ["MemoryPeerInbox", "MemoryPeerStatistics", "memory_peer"]

_SLOW_CONSUMER = "slow consumer"

Decode = Callable[[str | bytes], Any]


def memory_peer(
    attrs: Mapping[str, Any] | None = None,
    *,
    codec: Codec = JSON_CODEC,
    decode: Decode = json.loads,
    on_message: Callable[[Any], None] | None = None,
    remote_addr: tuple[str, int] | None = None,
    path: str = "/",
) -> tuple[Peer, MemoryPeerInbox]:
    """A `Peer` with no socket, and the inbox that receives what is sent to it.

    `attrs` (copied) become the peer's `attrs`; `codec` encodes its `send_json`; `decode` turns
    each frame's payload back into a value for the inbox (JSON by default, any value, not only
    objects). `on_message`, if given, gets each decoded value instead of `inbox.messages`, in
    the sender's task: it must not block. `remote_addr` and `path` are what the peer's request
    reports.
    """
    inbox = MemoryPeerInbox(decode, on_message)
    request = WebSocketRequest(
        path=path, query_string=b"", headers=(), remote_addr=remote_addr, subprotocols=()
    )
    peer = Peer._create(_MemorySocket(request, inbox), dict(attrs or {}), codec)
    inbox._peer = peer
    return peer, inbox


@attrs.frozen
class MemoryPeerStatistics:
    """`received`: frames delivered; `dropped`: frames refused (closed or overflowing);
    `pending`: messages in `messages` not yet taken."""

    received: int
    dropped: int
    pending: int


@final
@attrs.define(eq=False)
class MemoryPeerInbox:
    """The client end of a memory peer: what it received, and how its connection ended.

    Made by `memory_peer`. `messages` holds the decoded messages not yet taken, oldest first.
    Set `outbox_full` to make the next frame overflow the outbox.
    """

    decode: Decode
    on_message: Callable[[Any], None] | None = None
    messages: deque[Any] = attrs.field(factory=deque)
    outbox_full: bool = False
    _closed: ConnectionClosed | None = attrs.field(init=False, default=None)
    _received: int = attrs.field(init=False, default=0)
    _dropped: int = attrs.field(init=False, default=0)
    _peer: Peer | None = attrs.field(init=False, default=None, repr=False)

    @property
    def closed(self) -> ConnectionClosed | None:
        """How the connection ended (code, reason, `by_peer`), or None while it is open."""
        return self._closed

    @property
    def close_code(self) -> int | None:
        return None if self._closed is None else self._closed.code

    @property
    def close_reason(self) -> str | None:
        return None if self._closed is None else self._closed.reason

    def take_all(self) -> list[Any]:
        """Every message received and not yet taken, oldest first; empties `messages`."""
        taken = list(self.messages)
        self.messages.clear()
        return taken

    def disconnect(
        self, code: int = CloseReason.ABNORMAL_CLOSURE, reason: str = "", *, by_peer: bool = True
    ) -> PeerDisconnected:
        """End the connection as the client would (`by_peer`, 1006 by default: the socket was
        lost) or as the server would, and return the `PeerDisconnected` that `serve_peer` would
        tell the party, for the caller to tell it.

        If the connection was already closed (the party closed it, or it overflowed), that
        first close stands and is what the message reports.
        """
        if self._closed is None:
            self._closed = ConnectionClosed(code, reason, by_peer=by_peer)
        assert self._peer is not None
        return _disconnected(self._peer, self._closed)

    def statistics(self) -> MemoryPeerStatistics:
        return MemoryPeerStatistics(
            received=self._received, dropped=self._dropped, pending=len(self.messages)
        )

    def _offer(self, frame: Frame) -> bool:
        if self._closed is not None:
            self._dropped += 1
            return False
        if self.outbox_full:
            self._dropped += 1
            self._closed = ConnectionClosed(
                CloseReason.POLICY_VIOLATION, _SLOW_CONSUMER, by_peer=False
            )
            return False
        assert isinstance(frame.payload, (str, bytes)), "data frames carry str or bytes"
        message = self.decode(frame.payload)
        self._received += 1
        if self.on_message is not None:
            self.on_message(message)
        else:
            self.messages.append(message)
        return True

    def _begin_close(self, code: int, reason: str) -> None:
        if self._closed is not None:
            return
        # As on a socket: a code that could not go on the wire raises before anything changes.
        close_frame(code, reason)
        self._closed = ConnectionClosed(code, reason, by_peer=False)


@final
@attrs.define(eq=False)
class _MemorySocket:
    """What a `Peer` needs of a `WebSocket`, writing into a `MemoryPeerInbox`."""

    request: WebSocketRequest
    _inbox: MemoryPeerInbox

    @property
    def closed(self) -> ConnectionClosed | None:
        return self._inbox.closed

    def send(self, frame: Frame) -> bool:
        return self._inbox._offer(frame)

    def begin_close(self, code: int = CloseReason.NORMAL_CLOSURE, reason: str = "") -> None:
        self._inbox._begin_close(code, reason)
