"""``serve_member``: a party WebSocket route's whole body."""

from __future__ import annotations

from typing import Any

import attrs

from engine.actors import ActorRef
from engine.net import JSON_CODEC, Codec, KeyedLimit, WebSocket, serve_peer

from ._errors import PartyErrors

__all__ = ["ADMISSION", "Admission", "serve_member"]

#: The key of the ``Admission`` in ``Peer.attrs``.
ADMISSION = "engine.parties.admission"


@attrs.frozen
class Admission:
    """Who a connection is, decided by the route (from a token, say) before the handshake,
    and the limit its messages count against (``PeerGroup.reassign`` re-keys it)."""

    user_id: str
    state: Any
    rate_limit: KeyedLimit | None = None


async def serve_member(
    ws: WebSocket,
    party: ActorRef,
    *,
    user_id: str,
    state: Any = None,
    errors: PartyErrors,
    rate_limit: KeyedLimit | None = None,
    codec: Codec = JSON_CODEC,
) -> None:
    """Serve one connection of ``user_id`` to ``party`` (a ``Party``) until it goes.

    The party meets it as a ``Member`` with ``state`` (the app's attrs value for this
    connection) in ``on_join``; its messages reach ``on_message`` and its end ``on_leave``.
    What the connection sends that does not decode, is too big or over ``rate_limit`` (the
    member's limit, shared by all its connections: ``limiter.keyed(user_id)`` on a limiter the
    app keeps) is answered in ``errors``' format without reaching the party (see ``serve_peer``).
    A connection that says who it is later (``PeerGroup.reassign``) is counted against its
    user's limit from then on.
    """
    await serve_peer(
        ws,
        party,
        errors=errors,
        rate_limit=rate_limit,
        attrs={ADMISSION: Admission(user_id, state, rate_limit)},
        codec=codec,
    )
