"""Counting what the supervision tree did, for tests that assert nothing crashed."""

from __future__ import annotations

from engine.supervisors import ActorSystem, SupervisorNode
from engine.web import Engine


def restarts(system: ActorSystem) -> int:
    """Every restart in `system`'s live tree: each supervisor's and each actor's count."""

    def count(node: SupervisorNode) -> int:
        total = node.restarts
        for child in node.children:
            total += count(child) if isinstance(child, SupervisorNode) else child.restarts
        return total

    return count(system.snapshot())


def crashes(engine: Engine) -> int:
    """Every crash the engine has recovered from, including those the live tree forgets: each
    restart in it, each party stopped for crashing too often, and each app set up again after
    its supervisor failed (the failed app's tree is gone, replaced by a new one)."""

    def failed(node: SupervisorNode) -> int:
        below = (failed(child) for child in node.children if isinstance(child, SupervisorNode))
        return node.failed_children + sum(below)

    return (
        restarts(engine.system)
        + failed(engine.system.snapshot())
        + sum(host.restarts for host in engine.hosts.values())
    )
