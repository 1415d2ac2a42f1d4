"""Rate limits keyed by anything hashable: fixed windows and token buckets.

A ``RateLimiter`` answers one question per request, "may this key act now?", and when the answer
is no, says how long until it may. Keys are whatever the caller limits by: an IP address, a
``(session_id, ip)`` pair, a user. ``limiter.keyed(key)`` is a ``KeyedLimit``: the shared limiter
and the key one client counts against, handed to whatever serves that client (``serve_peer``), so
that every connection of the same client draws on the same allowance and reconnecting resets
nothing.

Time comes from ``trio.current_time()`` (DESIGN.md, decision 10), so ``check`` must run inside
``trio.run`` and tests move time with ``MockClock``. The seconds in a ``Decision`` are relative;
an HTTP layer that wants ``X-RateLimit-Reset`` as epoch seconds adds them to wall-clock time.

Memory: a key's state is dropped as soon as remembering it would give the same answer as
forgetting it: once its window has ended, or once its bucket has refilled. Pruning is amortised
into ``check``: at most one sweep per window length, each removing every such key, so the limiter
holds only keys checked within the last two windows and needs no background task.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable
from typing import Protocol

import attrs
import trio

# Clock readings are floats: ``start + window - now`` slept off under a MockClock can land one
# ulp short of ``start + window``. A nanosecond of slack makes "wait retry_after, then retry"
# always succeed without admitting anything measurably early.
_EPSILON = 1e-9


class RateLimitKind(enum.Enum):
    """How a rule spreads its ``limit`` over its ``window``."""

    #: A key's window opens at its first request and admits ``limit`` requests until it closes.
    #: Cheap and easy to explain (watchparty's "5 per hour per IP"); up to ``2 * limit`` requests
    #: can pass in a short span that straddles the end of one window and the start of the next.
    FIXED_WINDOW = "fixed_window"
    #: A bucket of ``limit`` tokens refills continuously at ``limit / window`` per second. Allows
    #: a burst of ``limit``, then a steady rate: the right shape for messages on a connection.
    TOKEN_BUCKET = "token_bucket"


@attrs.frozen
class RateLimitRule:
    """At most ``limit`` requests per ``window`` seconds for each key, shaped by ``kind``."""

    limit: int = attrs.field(validator=[attrs.validators.instance_of(int), attrs.validators.ge(1)])
    window: float = attrs.field(converter=float, validator=attrs.validators.gt(0.0))
    kind: RateLimitKind = RateLimitKind.FIXED_WINDOW


@attrs.frozen
class Decision:
    """The answer to one ``check``.

    ``remaining`` is how many more requests of cost 1 would pass right now; ``reset_after`` is
    the number of seconds until the key's full ``limit`` is available again (the end of its
    window, or the moment its bucket is full); ``retry_after`` is 0 when allowed, otherwise the
    seconds until this same request would pass if the key makes no other request meanwhile.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: float


@attrs.frozen
class RateLimiterStatistics:
    allowed: int
    rejected: int
    keys_tracked: int


# A key's state is two floats whose meaning belongs to the algorithm.
_State = tuple[float, float]


class _Algorithm(Protocol):
    def decide(
        self, rule: RateLimitRule, state: _State | None, now: float, cost: int
    ) -> tuple[_State, Decision]: ...

    def expires_at(self, rule: RateLimitRule, state: _State) -> float:
        """When this state becomes equivalent to no state at all."""
        ...


class _FixedWindow:
    """State: ``(window_start, used)``. A rejected request uses nothing."""

    def decide(
        self, rule: RateLimitRule, state: _State | None, now: float, cost: int
    ) -> tuple[_State, Decision]:
        if state is None or now + _EPSILON >= state[0] + rule.window:
            start, used = now, 0.0
        else:
            start, used = state
        reset_after = start + rule.window - now
        if used + cost <= rule.limit:
            used += cost
            decision = Decision(True, rule.limit, int(rule.limit - used), reset_after, 0.0)
        else:
            decision = Decision(False, rule.limit, int(rule.limit - used), reset_after, reset_after)
        return (start, used), decision

    def expires_at(self, rule: RateLimitRule, state: _State) -> float:
        return state[0] + rule.window


class _TokenBucket:
    """State: ``(tokens, updated_at)``. A rejected request takes no tokens."""

    def decide(
        self, rule: RateLimitRule, state: _State | None, now: float, cost: int
    ) -> tuple[_State, Decision]:
        rate = rule.limit / rule.window
        if state is None:
            tokens = float(rule.limit)
        else:
            tokens = min(float(rule.limit), state[0] + (now - state[1]) * rate)
        if tokens + _EPSILON >= cost:
            tokens = max(0.0, tokens - cost)
            allowed, retry_after = True, 0.0
        else:
            allowed, retry_after = False, (cost - tokens) / rate
        remaining = math.floor(tokens + _EPSILON)
        reset_after = (rule.limit - tokens) / rate
        return (tokens, now), Decision(allowed, rule.limit, remaining, reset_after, retry_after)

    def expires_at(self, rule: RateLimitRule, state: _State) -> float:
        tokens, updated_at = state
        return updated_at + (rule.limit - tokens) * rule.window / rule.limit


_ALGORITHMS: dict[RateLimitKind, _Algorithm] = {
    RateLimitKind.FIXED_WINDOW: _FixedWindow(),
    RateLimitKind.TOKEN_BUCKET: _TokenBucket(),
}


@attrs.define(eq=False)
class RateLimiter:
    """Applies one ``RateLimitRule`` to many keys independently.

    ``check`` is synchronous and never waits: a caller that wants to queue rather than refuse
    sleeps ``retry_after`` itself. A limiter belongs to one Trio run (it reads that run's clock)
    and, like everything else here, to the task that owns it; it is not thread-safe.
    """

    rule: RateLimitRule
    _algorithm: _Algorithm = attrs.field(init=False)
    _states: dict[Hashable, _State] = attrs.field(factory=dict, init=False)
    _next_sweep: float = attrs.field(default=-math.inf, init=False)
    _allowed: int = attrs.field(default=0, init=False)
    _rejected: int = attrs.field(default=0, init=False)

    def __attrs_post_init__(self) -> None:
        self._algorithm = _ALGORITHMS[self.rule.kind]

    def check(self, key: Hashable, *, cost: int = 1) -> Decision:
        """Decide whether ``key`` may make a request costing ``cost`` now, and record it if so.

        Raises ``ValueError`` if ``cost`` is below 1 or above the rule's limit (such a request
        could never pass), and ``RuntimeError`` outside ``trio.run``.
        """
        if not 1 <= cost <= self.rule.limit:
            raise ValueError(f"cost must be between 1 and the limit {self.rule.limit}, not {cost}")
        now = trio.current_time()
        if now >= self._next_sweep:
            self._sweep(now)
        state, decision = self._algorithm.decide(self.rule, self._states.get(key), now, cost)
        self._states[key] = state
        if decision.allowed:
            self._allowed += 1
        else:
            self._rejected += 1
        return decision

    def keyed(self, key: Hashable) -> KeyedLimit:
        """This limiter as applied to ``key`` alone."""
        return KeyedLimit(self, key)

    def statistics(self) -> RateLimiterStatistics:
        """Counts since creation; ``keys_tracked`` prunes first, so it counts only keys whose
        limit still has an effect."""
        self._sweep(trio.current_time())
        return RateLimiterStatistics(
            allowed=self._allowed, rejected=self._rejected, keys_tracked=len(self._states)
        )

    def _sweep(self, now: float) -> None:
        # Sweeping once per window bounds the cost: every survivor was checked within the last
        # window, so a sweep's work is paid for by the checks since the previous one.
        rule, expires_at = self.rule, self._algorithm.expires_at
        expired = [key for key, state in self._states.items() if expires_at(rule, state) <= now]
        for key in expired:
            del self._states[key]
        self._next_sweep = now + rule.window


@attrs.define(eq=False)
class KeyedLimit:
    """A shared ``RateLimiter`` and the key one client's requests count against.

    The key can change while the client is served (`rekey`): a connection counted on its own
    until it says who it is, then against that user's allowance."""

    limiter: RateLimiter
    key: Hashable
    #: The key it was made with.
    initial_key: Hashable = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.initial_key = self.key

    def check(self, *, cost: int = 1) -> Decision:
        """``limiter.check(key, cost=cost)``."""
        return self.limiter.check(self.key, cost=cost)

    def rekey(self, key: Hashable | None) -> None:
        """Count against ``key`` from now on (None: the key it was made with again)."""
        self.key = self.initial_key if key is None else key
