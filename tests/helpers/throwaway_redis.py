"""A throwaway Redis server per test (``engine.cluster.testing.redis_server``) as a fixture;
tests using it skip when ``redis-server`` is not installed (``.ci/run`` installs it).

Not named ``redis``: tests/helpers is on the import path, where it would hide redis-py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.cluster.testing import RedisServer, find_redis_server, redis_server


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    if find_redis_server() is None:
        pytest.skip("no redis-server: apt-get install redis-server")
    with redis_server() as server:
        yield server
