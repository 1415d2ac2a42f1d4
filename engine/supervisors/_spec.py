"""Child specifications: what a supervisor starts, and how it treats each child's exit."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import attrs

from engine.actors import Actor, Overflow


class RestartType(enum.Enum):
    """When a child that ended is started again (OTP's restart values)."""

    PERMANENT = "permanent"  #: always
    TRANSIENT = "transient"  #: only after a crash; a normal stop ends it
    TEMPORARY = "temporary"  #: never; the child is removed when it ends


class Strategy(enum.Enum):
    """Which children a crash takes down with it (OTP's strategies)."""

    ONE_FOR_ONE = "one_for_one"  #: only the child that crashed is restarted
    ONE_FOR_ALL = "one_for_all"  #: every child is stopped (reverse order) and restarted (in order)
    REST_FOR_ONE = "rest_for_one"  #: the crashed child and those started after it


@attrs.frozen
class Backoff:
    """Delay before the n-th consecutive restart of a child: ``initial * factor**(n-1)``,
    capped at ``maximum``. The count resets once the child has run for ``reset_after`` s."""

    initial: float = 0.1
    factor: float = 2.0
    maximum: float = 30.0
    reset_after: float = 60.0

    def delay(self, consecutive: int) -> float:
        return min(self.maximum, self.initial * self.factor ** max(0, consecutive - 1))


@attrs.frozen
class ActorSpec:
    """A worker child: an actor built by ``factory`` for every incarnation.

    ``name`` registers the actor in the system's registry (freed when it stops for good).
    ``shutdown`` is how long a graceful stop may take before the actor is cancelled.
    """

    factory: Callable[[], Actor]
    id: Hashable = None
    name: Hashable | None = None
    restart: RestartType = RestartType.PERMANENT
    shutdown: float = 5.0
    mailbox_capacity: int = 1024
    overflow: Overflow = Overflow.FAIL
    stash_capacity: int = 1000

    @property
    def child_id(self) -> Hashable:
        if self.id is not None:
            return self.id
        return self.name if self.name is not None else _describe_factory(self.factory)


@attrs.frozen
class SupervisorSpec:
    """A supervisor child (or the root): its children, strategy and restart intensity.

    More than ``max_restarts`` restarts within ``max_seconds`` make the supervisor stop its
    children and fail, and its own supervisor then applies its strategy.

    A TRANSIENT actor child started at run time (``start_child``: a room, a session) that
    crashes more than ``child_max_restarts`` times within ``child_max_seconds`` is not
    restarted again: it is stopped for good with ``ChildFailed``, and that crash does not count
    against the supervisor. One party crashing on the same input over and over thus costs at
    most ``child_max_restarts`` of the supervisor's restarts instead of taking it (and its
    other children) down. Static children (``children``) and PERMANENT ones are what the
    supervisor cannot do without: they follow its intensity alone, as in OTP, so their crash
    loop fails the supervisor rather than leaving it running without them.
    """

    id: Hashable
    children: Sequence[ActorSpec | SupervisorSpec] = ()
    strategy: Strategy = Strategy.ONE_FOR_ONE
    max_restarts: int = 3
    max_seconds: float = 5.0
    restart: RestartType = RestartType.PERMANENT
    shutdown: float = math.inf
    backoff: Backoff | None = None
    child_max_restarts: int = 3
    child_max_seconds: float = 5.0

    @property
    def child_id(self) -> Hashable:
        return self.id


ChildSpec = ActorSpec | SupervisorSpec


def _describe_factory(factory: Any) -> str:
    return getattr(factory, "__qualname__", None) or type(factory).__qualname__
