"""Messages the runtime itself delivers to actors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ._ref import ActorRef


@attrs.frozen
class Terminated:
    """A watched actor stopped for good.

    ``reason`` is ``"normal"``, ``"shutdown"`` or the exception that ended it.
    """

    ref: ActorRef
    reason: Any


@attrs.frozen
class ReceiveTimeout:
    """No message arrived within the actor's receive timeout."""
