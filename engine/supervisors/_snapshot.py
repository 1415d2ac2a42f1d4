"""The introspection snapshot: the live supervision tree as plain values."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Any

import attrs

#: A crash reason is cut to this many characters: a snapshot stays small whatever was raised.
REASON_CHARS = 300


@attrs.frozen
class CrashReport:
    """One crash: which child, why (``ExceptionType: message``), and when (Trio's clock)."""

    child: Hashable
    reason: str
    at: float

    @classmethod
    def of(cls, child: Hashable, exc: BaseException, at: float) -> CrashReport:
        return cls(child, f"{type(exc).__name__}: {exc}"[:REASON_CHARS], at)


@attrs.frozen
class ActorNode:
    """One actor child. ``kind`` is its class's name; ``crashes`` counts the exits that were
    crashes (a restart follows most), ``last_crash`` is the latest; ``detail`` is what the actor
    says of itself (``Actor.describe``), None between incarnations."""

    id: Hashable
    kind: str
    name: Hashable | None
    running: bool
    mailbox_depth: int
    messages_handled: int
    restarts: int
    dropped: int
    crashes: int = 0
    last_crash: CrashReport | None = None
    detail: Mapping[str, Any] | None = None


@attrs.frozen
class SupervisorNode:
    id: Hashable
    strategy: str
    restarts: int
    children: tuple[ActorNode | SupervisorNode, ...]
    #: Children started at run time that were stopped for crashing too often (``ChildFailed``).
    failed_children: int = 0
    #: Crashes of its children, counted and the latest kept even after the child is gone.
    crashes: int = 0
    last_crash: CrashReport | None = None

    def actors(self) -> Iterator[ActorNode]:
        """Every actor below this supervisor, depth first."""
        for child in self.children:
            if isinstance(child, SupervisorNode):
                yield from child.actors()
            else:
                yield child
