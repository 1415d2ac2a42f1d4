"""What host and session actors tell each other, and how they tell it.

A host that goes OFFLINE or is unregistered tells its sessions to close (``CloseSession``); a
session that closes by itself tells its host to let go of it (``Detach``). Both are tells, sent
once the sender's change is durable and never awaited: each side may be telling the other at
the same moment.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs

from engine.actors import ActorRef, ActorStopped, MailboxFull

from .statuses import SessionStatus

__all__ = ["CloseSession", "Detach", "tell"]

log = logging.getLogger("engine.apps.p2p")


@attrs.frozen
class CloseSession:
    """To a session: close as ``status`` (ENDED or FAILED); ``release_host``: tell the host to
    let go of the session (not when the host itself is closing it)."""

    status: SessionStatus
    release_host: bool = True


@attrs.frozen
class Detach:
    """To a host: the session no longer needs it (it closed, or was never created)."""

    session_id: str


def tell(ref: ActorRef, message: Any) -> None:
    """Tell ``message`` to ``ref`` if it can take it: an actor that stopped meanwhile (a host
    unregistered) has nothing left to hear; a full mailbox is logged."""
    try:
        ref.tell(message)
    except ActorStopped:
        pass
    except MailboxFull:
        log.warning("%r could not take %r: its mailbox is full", ref, message)
