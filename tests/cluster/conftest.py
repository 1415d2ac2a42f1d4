"""The cluster tests' servers: a throwaway Redis per test, the session's PostgreSQL."""

from postgres import postgres as postgres

from throwaway_redis import redis as redis
