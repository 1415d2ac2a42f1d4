"""Peers: a party's connected clients, and the reader that serves each connection.

`serve_peer(ws, party, ...)` is a WebSocket route handler's whole body. It tells the party
`PeerConnected(peer)`, then a `PeerMessage(peer, message)` for every decoded message, and
`PeerDisconnected(peer, code, reason, by_peer=...)` when the connection goes, whatever ended
it (`by_peer` tells a client leaving from the server closing the connection). The party
answers through the `Peer` handle: `send(frame)` for broadcasts encoded once (see
`EventStream`), `send_json(value)` for private messages, `close(code, reason)`.

What the reader answers itself, in the app's error format (an `ErrorEncoder`), keeping the
connection open and telling the party nothing: a message that does not decode (malformed JSON,
not an object, a binary frame), a message over the size limit (only if the route's
`WebSocketOptions` has `close_on_oversize=False`; otherwise the connection closes with 1009),
and a message over the client's rate limit. After `abuse_threshold` rate-limited messages in
a row the connection is closed with 1008 "rate limit exceeded". Whether a message's type is
known is the party's business: it answers unknown types in its own format.

The rate limit belongs to the client, not to the connection: the route passes a `KeyedLimit`,
a limiter the app shares between its connections and the key this client counts against (its
user, its token, its address), so a client that reconnects finds its allowance as it left it.
Every message counts, application heartbeats (liaptui's `ping` event) included; the
WebSocket's own ping frames have their own limit (`WebSocketOptions.ping_limit`).

The "connection actor" is the route handler's own task reading, plus the WebSocket's outbox
(with a writer task only while the outbox holds something, and the process's one heartbeat);
it has no mailbox of its own, and `serve_peer` starts no task. A
party sends by calling `peer.send(frame)`, which writes straight to the socket (or to the
bounded outbox) in the party's task. A mailbox between the party and the socket would cost a
task switch per delivered frame: measured with `bench/fanout.py --peer-mailboxes`, an actor per
peer that takes each frame from its mailbox and sends it costs 3.4 to 6.2 times the server CPU
per delivered frame of the direct send, across runs and room sizes (in a room of 1,000 on a
quiet machine: 19.5 us against 3.1 us, and the last member reads a broadcast after 24.6 ms
instead of 5.9 ms, p50). The outbox gives the same isolation without it: a peer that does not
keep up is closed with 1008 "slow consumer" instead of slowing its party (see
`WebSocket.send`).

Ordering and delivery: `PeerConnected`, the messages and `PeerDisconnected` are told in that
order from one task, so the party sees them in that order. They are told, never awaited: a
party whose mailbox refuses one (`MailboxFull`) has the connection closed with 1013 "party
busy"; a party that has stopped (`ActorStopped`), with 1011 "party unavailable". A party learns
of such a peer's end only if it got its `PeerConnected`; `PeerDisconnected` itself can still be
refused by a full mailbox, which is why a send to a gone peer is harmless (it returns False).
Parties should keep the default FAIL mailbox: a DROP policy may drop a `PeerConnected` or
`PeerDisconnected` silently.

A party that crashes and restarts has lost its peers: connections are not state. It meets
them again as their messages arrive (a `PeerMessage` from a peer it does not know: admit it
again), so apps whose clients can stay silent for long should have them send application
heartbeats, as liaptui's `ping` event does.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol, final

import attrs

from engine.actors import ActorRef, ActorStopped, MailboxFull, NoPublicConstructor

from ._codec import JSON_CODEC, Codec, DecodeError
from ._frames import CloseReason, Frame
from ._json import UnencodableValue
from ._ratelimit import KeyedLimit
from ._websocket import WebSocket
from ._ws_errors import ConnectionClosed, MessageTooBig
from ._ws_handshake import WebSocketRequest

__all__ = [
    "ErrorEncoder",
    "Peer",
    "PeerConnected",
    "PeerDisconnected",
    "PeerMessage",
    "serve_peer",
]

log = logging.getLogger("engine.net")
_BUSY = "party busy"


class _PeerSocket(Protocol):
    """What a `Peer` uses of its connection: a `WebSocket`, or `engine.net.testing`'s socket."""

    @property
    def request(self) -> WebSocketRequest: ...

    @property
    def closed(self) -> ConnectionClosed | None: ...

    def send(self, frame: Frame) -> bool: ...

    def begin_close(self, code: int, reason: str) -> None: ...


@final
class Peer(metaclass=NoPublicConstructor):
    """One connected client, as its party sees it. Made by `serve_peer`, never constructed.

    `id` is unique (random, so it stays unique across restarts); `attrs` is the app's data
    about the client (user id, name, seat), filled by the route and the party. Every method is
    synchronous and never waits, so a party calls them from its handlers. Two peers are equal
    only if they are the same connection.
    """

    __slots__ = ("_codec", "_errors", "attrs", "id", "ws")

    def __init__(
        self,
        ws: _PeerSocket,
        attrs: dict[str, Any],
        codec: Codec,
        errors: ErrorEncoder | None = None,
    ) -> None:
        self.id = secrets.token_hex(8)
        self.ws = ws
        self.attrs = attrs
        self._codec = codec
        self._errors = errors

    @property
    def remote_addr(self) -> tuple[str, int] | None:
        """The client's `(host, port)`, or None if the socket no longer knew it."""
        return self.ws.request.remote_addr

    @property
    def closed(self) -> bool:
        """True once the connection is closing or closed; sends are dropped from then on."""
        return self.ws.closed is not None

    def send(self, frame: Frame) -> bool:
        """Offer an encoded frame (a broadcast's shared one); see `WebSocket.send`.

        False if it was dropped: the connection is closing, or this frame would overflow the
        outbox, which closes the connection with 1008 "slow consumer".
        """
        return self.ws.send(frame)

    def send_json(self, value: Any) -> bool:
        """Encode `value` with the connection's codec and send it to this peer alone.

        Returns as `send`. A value the codec cannot encode is a bug of the sender, and never
        takes the sender down: the codec logs it (with the caller's stack, which names the
        actor's handler), this logs the peer and its route, and the peer gets the app's
        `ErrorEncoder.internal_error()` message instead; the call returns False. A peer made
        without an error encoder (`engine.net.testing`) raises the codec's `UnencodableValue`,
        which the actor runtime treats as a refused message, not a crash.
        """
        try:
            frame = self._codec.encode(value)
        except UnencodableValue:
            log.error("%r on %s: a message could not be encoded", self, self.ws.request.path)
            if self._errors is None:
                raise
            self.ws.send(self._codec.encode(self._errors.internal_error()))
            return False
        return self.ws.send(frame)

    def close(self, code: int = CloseReason.NORMAL_CLOSURE, reason: str = "") -> None:
        """Start closing with `code` and `reason` and return at once.

        Frames already accepted go out first. The reader then ends and the party gets
        `PeerDisconnected` with this code. Does nothing if the connection is already closing.
        Raises ValueError for a code outside 1000-4999.
        """
        # The synchronous half of WebSocket.close: a party must never wait on a client.
        self.ws.begin_close(code, reason)

    def __repr__(self) -> str:
        return f"<Peer {self.id} from {self.remote_addr} {self.attrs!r:.60}>"


@attrs.frozen
class PeerConnected:
    """A client connected; the first message about `peer`."""

    peer: Peer


@attrs.frozen
class PeerMessage:
    """A client sent `message` (decoded: a dict, with the JSON codec)."""

    peer: Peer
    message: Any


@attrs.frozen
class PeerDisconnected:
    """The connection is gone (or going); the last message about `peer`.

    `code` and `reason` say why: the client's close code, 1006 if the socket was lost, 1008
    "slow consumer" or "rate limit exceeded", 1011 "idle timeout" or "internal error", 1001 at
    shutdown, or whatever `Peer.close` was given.

    `by_peer` says who ended it: True if the client closed the connection or it was lost from
    the client's side (1006), False if the server closed it (`Peer.close`, a limit, shutdown,
    or the server aborting the socket). It tells a server going down (1001, False) from a
    client leaving with 1001 "going away" (True). It defaults to True for messages made by
    hand (tests, embedders), where a client leaving is the usual case.
    """

    peer: Peer
    code: int
    reason: str
    by_peer: bool = attrs.field(default=True, kw_only=True)


class ErrorEncoder(Protocol):
    """Builds the app's error messages for what the reader answers itself.

    Each method returns the value to send (encoded with the connection's codec), e.g.
    `{"type": "error", "code": "malformed", "message": reason}`.
    """

    def malformed(self, reason: str) -> Any:
        """The message did not decode; `reason` says why (safe to show the client)."""
        ...

    def too_big(self, limit: int) -> Any:
        """The message was larger than `limit` bytes and was discarded."""
        ...

    def rate_limited(self, retry_after: float) -> Any:
        """The message was over the rate limit; the client may retry in `retry_after` s."""
        ...

    def internal_error(self) -> Any:
        """A message to the client could not be encoded (a server bug, logged); sent in its
        place by `Peer.send_json`. It must itself always encode."""
        ...


OnMessage = Callable[[Peer, Any], object]


async def serve_peer(
    ws: WebSocket,
    party: ActorRef | None = None,
    *,
    errors: ErrorEncoder,
    rate_limit: KeyedLimit | None = None,
    abuse_threshold: int = 10,
    attrs: Mapping[str, Any] | None = None,
    on_message: OnMessage | None = None,
    codec: Codec = JSON_CODEC,
) -> None:
    """Serve one client connection to `party` until the connection goes; see the module doc.

    `attrs` (copied) become the peer's `attrs`. `rate_limit` is the client's limit, shared with
    its other connections: every message counts (oversized and malformed ones too).
    `on_message(peer, message)` routes decoded messages instead of telling `PeerMessage` to
    `party` (to several actors, say); it must not block, and `ActorStopped` or `MailboxFull` from
    it close the connection as for the party. With `on_message` the party (if any) still gets
    `PeerConnected` and `PeerDisconnected`.

    Returns once the connection is closing, however it ends; the route's WebSocket block then
    finishes the close. Errors: a bug in `on_message` or in the error encoder propagates after
    the connection starts closing with 1011 "internal error" (the listener logs it). If
    cancelled, the connection starts closing with 1001 "going away", or reports 1006
    "connection aborted" if its writer was cancelled first and closed the socket. Either way
    the party is told `PeerDisconnected` before the exception propagates. Raises TypeError if
    there is neither a party nor `on_message`, and ValueError if `abuse_threshold` is below 1.
    """
    if party is None and on_message is None:
        raise TypeError("serve_peer needs a party, an on_message, or both")
    if abuse_threshold < 1:
        raise ValueError("abuse_threshold must be at least 1")
    peer = Peer._create(ws, dict(attrs or {}), codec, errors)
    if on_message is None:
        assert party is not None
        on_message = partial(_tell_message, party)
    reader = _Reader(ws, peer, on_message, errors, rate_limit, abuse_threshold, codec)
    connected = False
    try:
        connected = party is None or _connect(party, peer)
        if connected:
            await reader.run()
    except ConnectionClosed:
        pass
    except Exception:
        ws.begin_close(CloseReason.INTERNAL_ERROR, "internal error")
        raise
    except BaseException:
        ws.begin_close(CloseReason.GOING_AWAY, "going away")
        raise
    finally:
        if connected and party is not None:
            _tell_disconnected(party, peer)


@attrs.define(eq=False)
class _Reader:
    """The receive loop of one connection."""

    ws: WebSocket
    peer: Peer
    on_message: OnMessage
    errors: ErrorEncoder
    limit: KeyedLimit | None
    abuse_threshold: int
    codec: Codec
    # Rate-limited messages in a row.
    strikes: int = 0

    async def run(self) -> None:
        """Receive until the connection closes (ConnectionClosed) or the party refuses."""
        ws, peer = self.ws, self.peer
        while True:
            try:
                message = await ws.receive()
            except MessageTooBig as exc:
                if self.admit():
                    peer.send_json(self.errors.too_big(exc.limit))
                continue
            if not self.admit():
                continue
            try:
                value = self.codec.decode(message)
            except DecodeError as exc:
                peer.send_json(self.errors.malformed(exc.reason))
                continue
            try:
                self.on_message(peer, value)
            except (MailboxFull, ActorStopped) as exc:
                _close_refused(peer, exc)
                return

    def admit(self) -> bool:
        """Count one message against the rate limit; answer or close if it is over."""
        if self.limit is None:
            return True
        decision = self.limit.check()
        if decision.allowed:
            self.strikes = 0
            return True
        self.strikes += 1
        self.ws.messages_rate_limited += 1
        if self.strikes >= self.abuse_threshold:
            self.peer.close(CloseReason.POLICY_VIOLATION, "rate limit exceeded")
        else:
            self.peer.send_json(self.errors.rate_limited(decision.retry_after))
        return False


def _connect(party: ActorRef, peer: Peer) -> bool:
    """Tell the party about the peer; False (and the connection closing) if it refused."""
    try:
        accepted = party.tell(PeerConnected(peer))
    except (MailboxFull, ActorStopped) as exc:
        _close_refused(peer, exc)
        return False
    if not accepted:
        # A DROP mailbox's policy at work: the party would never hear of this peer.
        peer.close(CloseReason.TRY_AGAIN_LATER, _BUSY)
    return accepted


def _tell_message(party: ActorRef, peer: Peer, message: Any) -> None:
    # A False return is a DROP mailbox dropping the message: its policy, not a reason to close.
    party.tell(PeerMessage(peer, message))


def _close_refused(peer: Peer, exc: MailboxFull | ActorStopped) -> None:
    if isinstance(exc, MailboxFull):
        peer.close(CloseReason.TRY_AGAIN_LATER, _BUSY)
    else:
        peer.close(CloseReason.INTERNAL_ERROR, "party unavailable")


def _tell_disconnected(party: ActorRef, peer: Peer) -> None:
    closed = peer.ws.closed
    assert closed is not None, "serve_peer ends only once the connection is closing"
    try:
        party.tell(_disconnected(peer, closed))
    except (MailboxFull, ActorStopped) as exc:
        log.debug("%r could not be told that %r left: %r", party, peer, exc)


def _disconnected(peer: Peer, closed: ConnectionClosed) -> PeerDisconnected:
    """The party's last message about `peer`, whose connection ended as `closed` says."""
    return PeerDisconnected(peer, int(closed.code), closed.reason, by_peer=closed.by_peer)
