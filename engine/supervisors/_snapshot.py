"""The introspection snapshot: the live supervision tree as plain values."""

from __future__ import annotations

from collections.abc import Hashable, Iterator

import attrs


@attrs.frozen
class ActorNode:
    id: Hashable
    kind: str
    name: Hashable | None
    running: bool
    mailbox_depth: int
    messages_handled: int
    restarts: int
    dropped: int


@attrs.frozen
class SupervisorNode:
    id: Hashable
    strategy: str
    restarts: int
    children: tuple[ActorNode | SupervisorNode, ...]
    #: Children started at run time that were stopped for crashing too often (``ChildFailed``).
    failed_children: int = 0

    def actors(self) -> Iterator[ActorNode]:
        """Every actor below this supervisor, depth first."""
        for child in self.children:
            if isinstance(child, SupervisorNode):
                yield from child.actors()
            else:
                yield child
