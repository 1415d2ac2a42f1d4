"""Members without a socket, for testing a party's hooks directly.

``memory_member(user_id, state)`` is ``engine.net.testing.memory_peer`` admitted as
``serve_member`` would admit it; tell the party about it by hand::

    peer, inbox = memory_member("ann", Connection("ann"))
    party.tell(PeerConnected(peer))
    party.tell(PeerMessage(peer, {"type": "say", "text": "hi"}))
    party.tell(inbox.disconnect())
"""

from __future__ import annotations

from typing import Any

from engine.net import Peer
from engine.net.testing import MemoryPeerInbox, memory_peer

from ._serve import ADMISSION, Admission

__all__ = ["memory_member"]


def memory_member(user_id: str, state: Any = None) -> tuple[Peer, MemoryPeerInbox]:
    """A peer carrying ``user_id`` and ``state``, and the inbox of what it is sent."""
    return memory_peer({ADMISSION: Admission(user_id, state)})
