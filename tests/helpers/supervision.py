"""Counting what the supervision tree did, for tests that assert nothing crashed."""

from __future__ import annotations

from engine.supervisors import ActorSystem
from engine.supervisors import SupervisorNode


def restarts(system: ActorSystem) -> int:
    """Every restart in `system`'s live tree: each supervisor's and each actor's count."""

    def count(node: SupervisorNode) -> int:
        total = node.restarts
        for child in node.children:
            total += count(child) if isinstance(child, SupervisorNode) else child.restarts
        return total

    return count(system.snapshot())
