"""What nodes say to each other through their inboxes (``pe:to:<node>``), and its encoding.

A node publishes to another node's channel a batch: its own id and a list of these messages, in
the order it posted them (one publisher task per node, so Redis keeps that order). Messages
going to a party's owner: ``Connect``, ``Message``, ``Disconnect`` (a connection served by the
sending node), ``Ask``. Messages coming back: ``Deliver``, ``Close``, ``Rekey``, ``Reply``.

Batches are pickled: nodes run the same code and trust each other, and Redis is the cluster's
private bus. Whoever can publish on the cluster's Redis can run code on its nodes: keep that
Redis as private as the PostgreSQL store (bound to the nodes' network, with a password).
"""

from __future__ import annotations

import pickle
from collections.abc import Hashable
from typing import Any

import attrs

from engine.net import RateLimitRule, WebSocketRequest

__all__ = [
    "Ask",
    "Close",
    "Connect",
    "Deliver",
    "Disconnect",
    "Message",
    "Rekey",
    "Reply",
    "decode",
    "encode",
]


@attrs.frozen(slots=True)
class Connect:
    """A connection to the party ``(kind, party_id)`` opened on the sending node."""

    conn: str
    kind: str
    party_id: str
    attrs: dict[str, Any]
    request: WebSocketRequest
    #: The rule of the rate limit the sending node applies to it, if any (see ``Rekey``).
    limit: RateLimitRule | None = None


@attrs.frozen(slots=True)
class Message:
    """A decoded message from connection ``conn``."""

    conn: str
    message: Any


@attrs.frozen(slots=True)
class Disconnect:
    """Connection ``conn`` ended (``PeerDisconnected``'s fields)."""

    conn: str
    code: int
    reason: str
    by_peer: bool


@attrs.frozen(slots=True)
class Ask:
    """Ask the party ``(kind, party_id)`` ``message``; answered with ``Reply(call, ...)``."""

    call: int
    kind: str
    party_id: str
    message: Any
    timeout: float


@attrs.frozen(slots=True)
class Reply:
    """The answer to ``Ask`` ``call``: its value, or (``ok`` False) the error it raised."""

    call: int
    ok: bool
    value: Any


@attrs.frozen(slots=True)
class Deliver:
    """A frame for the receiving node's connections ``conns``: sent once per node, framed once
    there (``text``: a text frame of ``payload``, else a binary one)."""

    conns: tuple[str, ...]
    text: bool
    payload: str | bytes


@attrs.frozen(slots=True)
class Close:
    """Close the receiving node's connection ``conn``."""

    conn: str
    code: int
    reason: str


@attrs.frozen(slots=True)
class Rekey:
    """Count the receiving node's connection ``conn`` against ``key`` from now on (None: the
    key its route gave it): the owner's party re-keyed its limit (``PeerGroup.reassign``)."""

    conn: str
    key: Hashable | None


def encode(origin: str, messages: list[Any]) -> bytes:
    return pickle.dumps((origin, messages), protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> tuple[str, list[Any]]:
    origin, messages = pickle.loads(data)
    return origin, messages
