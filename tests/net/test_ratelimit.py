from __future__ import annotations

import attrs
import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.net._ratelimit import (
    Decision,
    RateLimiter,
    RateLimiterStatistics,
    RateLimitKind,
    RateLimitRule,
)

FIXED = RateLimitKind.FIXED_WINDOW
BUCKET = RateLimitKind.TOKEN_BUCKET


def test_rule_validates_its_fields() -> None:
    assert RateLimitRule(5, 60).window == 60.0
    assert RateLimitRule(5, 60).kind is FIXED
    with pytest.raises(ValueError):
        RateLimitRule(0, 60)
    with pytest.raises(ValueError):
        RateLimitRule(5, 0)
    with pytest.raises(TypeError):
        RateLimitRule(2.5, 60)  # type: ignore[arg-type]


def test_values_are_frozen() -> None:
    decision = Decision(True, 5, 4, 60.0, 0.0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decision.allowed = False  # type: ignore[misc]


async def test_fixed_window_admits_limit_then_rejects_until_the_window_ends(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter = RateLimiter(RateLimitRule(limit=3, window=60, kind=FIXED))
    first = limiter.check("1.2.3.4")
    assert first == Decision(allowed=True, limit=3, remaining=2, reset_after=60.0, retry_after=0.0)
    await trio.sleep(10)
    assert limiter.check("1.2.3.4").remaining == 1
    assert limiter.check("1.2.3.4").remaining == 0

    rejected = limiter.check("1.2.3.4")
    assert not rejected.allowed
    assert rejected.remaining == 0
    assert rejected.retry_after == pytest.approx(50.0)
    assert rejected.reset_after == pytest.approx(50.0)

    await trio.sleep(rejected.retry_after)
    fresh = limiter.check("1.2.3.4")
    assert fresh.allowed
    assert fresh.remaining == 2
    assert fresh.reset_after == pytest.approx(60.0)


async def test_rejected_requests_do_not_use_up_the_window(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter = RateLimiter(RateLimitRule(limit=1, window=10, kind=FIXED))
    assert limiter.check("k").allowed
    for _ in range(5):
        assert not limiter.check("k").allowed
    await trio.sleep(10)
    assert limiter.check("k").allowed


async def test_each_key_has_its_own_window(autojump_clock: trio.testing.MockClock) -> None:
    limiter = RateLimiter(RateLimitRule(limit=1, window=60, kind=FIXED))
    assert limiter.check("a").allowed
    await trio.sleep(30)
    assert limiter.check(("session", "1.2.3.4")).allowed
    assert not limiter.check("a").allowed
    await trio.sleep(30)
    assert limiter.check("a").allowed
    blocked = limiter.check(("session", "1.2.3.4"))
    assert not blocked.allowed
    assert blocked.retry_after == pytest.approx(30.0)


async def test_a_keyed_limit_counts_against_its_current_key(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter = RateLimiter(RateLimitRule(limit=1, window=60, kind=FIXED))
    assert limiter.check("user").allowed
    limit = limiter.keyed("connection")
    assert limit.check().allowed
    limit.rekey("user")
    assert not limit.check().allowed  # the user's allowance, already spent
    limit.rekey(None)
    assert limit.key == limit.initial_key == "connection"
    assert not limit.check().allowed  # and the connection's own, spent before


async def test_cost_is_weighed_against_the_limit(autojump_clock: trio.testing.MockClock) -> None:
    for kind in RateLimitKind:
        limiter = RateLimiter(RateLimitRule(limit=10, window=10, kind=kind))
        assert limiter.check("k", cost=7).remaining == 3
        assert not limiter.check("k", cost=4).allowed
        assert limiter.check("k", cost=3).remaining == 0
        with pytest.raises(ValueError):
            limiter.check("k", cost=11)
        with pytest.raises(ValueError):
            limiter.check("k", cost=0)


async def test_token_bucket_allows_a_burst_then_a_steady_rate(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter = RateLimiter(RateLimitRule(limit=100, window=60, kind=BUCKET))
    for expected_remaining in range(99, -1, -1):
        decision = limiter.check("conn-1")
        assert decision.allowed
        assert decision.remaining == expected_remaining
    assert decision.reset_after == pytest.approx(60.0)

    rejected = limiter.check("conn-1")
    assert not rejected.allowed
    assert rejected.retry_after == pytest.approx(0.6)  # one token every 60/100 s

    await trio.sleep(rejected.retry_after)
    assert limiter.check("conn-1").allowed
    assert not limiter.check("conn-1").allowed

    await trio.sleep(6)  # ten tokens' worth
    assert limiter.check("conn-1").remaining == 9


async def test_token_bucket_refills_to_the_limit_and_no_further(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter = RateLimiter(RateLimitRule(limit=4, window=4, kind=BUCKET))
    limiter.check("k", cost=4)
    await trio.sleep(1000)
    decision = limiter.check("k")
    assert decision.remaining == 3
    assert decision.reset_after == pytest.approx(1.0)


async def test_expired_state_is_pruned_by_later_checks(
    autojump_clock: trio.testing.MockClock,
) -> None:
    for kind in RateLimitKind:
        limiter = RateLimiter(RateLimitRule(limit=2, window=10, kind=kind))
        for ip in range(1000):
            limiter.check(ip)
        assert limiter.check(0).allowed
        assert not limiter.check(0).allowed
        assert limiter.statistics() == RateLimiterStatistics(
            allowed=1001, rejected=1, keys_tracked=1000
        )

        await trio.sleep(10)
        limiter.check("newcomer")
        assert len(limiter._states) == 1  # pruned by check itself, not only by statistics()
        assert limiter.statistics().keys_tracked == 1


async def test_a_partly_used_bucket_is_kept_until_it_has_refilled(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter = RateLimiter(RateLimitRule(limit=10, window=10, kind=BUCKET))
    limiter.check("k", cost=10)
    await trio.sleep(9.5)
    assert limiter.statistics().keys_tracked == 1
    assert limiter.check("k", cost=9).allowed
    assert not limiter.check("k", cost=2).allowed


def test_check_needs_a_trio_run() -> None:
    limiter = RateLimiter(RateLimitRule(1, 1))
    with pytest.raises(RuntimeError):
        limiter.check("k")


Step = tuple[int, float, int]  # key, delay before the check, cost

_steps = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.5, 7.0, 10.0, 25.0]),
        st.integers(1, 5),
    ),
    max_size=80,
)


def _run(rule: RateLimitRule, steps: list[Step]) -> list[tuple[float, int, int, Decision]]:
    """Play ``steps`` against a fresh limiter; return (time, key, cost, decision) per step."""
    log: list[tuple[float, int, int, Decision]] = []

    async def main() -> None:
        limiter = RateLimiter(rule)
        for key, delay, cost in steps:
            await trio.sleep(delay)
            log.append((trio.current_time(), key, cost, limiter.check(key, cost=cost)))

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    return log


@settings(max_examples=200, deadline=None)
@given(steps=_steps)
def test_fixed_window_never_admits_more_than_the_limit_per_window(steps: list[Step]) -> None:
    rule = RateLimitRule(limit=5, window=10, kind=FIXED)
    used: dict[tuple[int, float], int] = {}
    for now, key, cost, decision in _run(rule, steps):
        window = (key, round(now + decision.reset_after, 6))
        before = used.get(window, 0)
        assert decision.allowed == (before + cost <= rule.limit)
        if decision.allowed:
            used[window] = before + cost
            assert decision.remaining == rule.limit - used[window]
        else:
            assert decision.retry_after == decision.reset_after > 0


@settings(max_examples=200, deadline=None)
@given(steps=_steps)
def test_token_bucket_never_admits_more_than_burst_plus_rate(steps: list[Step]) -> None:
    rule = RateLimitRule(limit=5, window=10, kind=BUCKET)
    rate = rule.limit / rule.window
    log = _run(rule, steps)
    for key in {key for _, key, _, _ in log}:
        admitted = [(now, cost) for now, k, cost, d in log if k == key and d.allowed]
        for i, (start, _) in enumerate(admitted):
            total = 0
            for now, cost in admitted[i:]:
                total += cost
                assert total <= rule.limit + (now - start) * rate + 1e-6


@settings(max_examples=100, deadline=None)
@given(steps=_steps, kind=st.sampled_from(RateLimitKind), cost=st.integers(1, 5))
def test_waiting_retry_after_is_always_enough(
    steps: list[Step], kind: RateLimitKind, cost: int
) -> None:
    rule = RateLimitRule(limit=5, window=10, kind=kind)

    async def main() -> None:
        limiter = RateLimiter(rule)
        for key, delay, step_cost in steps:
            await trio.sleep(delay)
            limiter.check(key, cost=step_cost)
        decision = limiter.check(0, cost=cost)
        if not decision.allowed:
            await trio.sleep(decision.retry_after)
            assert limiter.check(0, cost=cost).allowed

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
