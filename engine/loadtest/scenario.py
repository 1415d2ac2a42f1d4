"""A scenario, and the plan of a run: how many players play it, for how long, how fast."""

from __future__ import annotations

import importlib
import math
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from .group import Group

__all__ = ["MAX_DURATION", "MAX_PLAYERS", "MAX_WORKERS", "Plan", "Scenario", "load_scenario"]

#: The bounds of a run: a load test that never ends, or that opens more connections than a
#: machine has ports for, is a mistake.
MAX_PLAYERS = 200_000
MAX_DURATION = 3600.0
MAX_WORKERS = 64
MAX_RATE = 1000.0


@attrs.frozen
class Scenario:
    """What one group of players does, from arriving to leaving.

    ``play`` drives a `Group` of ``group_size`` players (fewer for the run's last group when
    the players do not divide evenly) through one life: one game, one party, one session until
    the run stops. When it returns, a new group of as many players takes its place, so the run
    holds its number of players to the end. When it raises, the failure is counted and a new
    group starts a second later.
    """

    name: str
    play: Callable[[Group], Awaitable[None]]
    group_size: int = attrs.field(default=1)
    description: str = ""

    @group_size.validator
    def _check_group_size(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise ValueError(f"a group has at least one player, not {value}")


def _between(low: float, high: float) -> Callable[[Any, attrs.Attribute[Any], float], None]:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
        if not (low <= value <= high and math.isfinite(value)):
            raise ValueError(f"{attribute.name} must be from {low:g} to {high:g}, not {value!r}")

    return check


@attrs.frozen
class Plan:
    """A run: ``players`` playing ``scenario`` (a name of `engine.loadtest.SCENARIOS` or
    ``module:attribute``) against ``url`` for ``duration`` seconds, arriving evenly over the
    first ``ramp`` seconds, each acting ``rate`` times a second, spread over ``workers``
    processes. Every bound is checked here, before anything starts."""

    scenario: str
    url: str
    players: int = attrs.field(validator=_between(1, MAX_PLAYERS))
    duration: float = attrs.field(validator=_between(0.1, MAX_DURATION))
    ramp: float = attrs.field(default=0.0, validator=_between(0, MAX_DURATION))
    rate: float = attrs.field(default=1.0, validator=_between(0, MAX_RATE))
    workers: int = attrs.field(default=1, validator=_between(1, MAX_WORKERS))
    group_size: int | None = None
    seed: int = 0

    def __attrs_post_init__(self) -> None:
        if self.ramp > self.duration:
            raise ValueError(f"the ramp ({self.ramp:g} s) is longer than the run")
        if self.group_size is not None and not 1 <= self.group_size <= self.players:
            raise ValueError(f"group_size must be from 1 to the players, not {self.group_size}")

    def groups(self, scenario: Scenario) -> list[int]:
        """The size of every group of the run, in order."""
        size = self.group_size or scenario.group_size
        whole, rest = divmod(self.players, size)
        return [size] * whole + ([rest] if rest else [])

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


def load_scenario(spec: str) -> Scenario:
    """The scenario ``spec`` names: a built-in one, or ``package.module:attribute``."""
    from .scenarios import SCENARIOS

    if ":" not in spec:
        if spec not in SCENARIOS:
            raise LookupError(
                f"no scenario {spec!r}: choose one of {', '.join(SCENARIOS)} "
                "or name your own as package.module:attribute"
            )
        return SCENARIOS[spec]
    module_name, _, attribute = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise LookupError(f"cannot load scenario {spec!r}: {exc}") from None
    if not isinstance(found, Scenario):
        raise LookupError(f"{spec} is a {type(found).__name__}, not an engine.loadtest.Scenario")
    return found
