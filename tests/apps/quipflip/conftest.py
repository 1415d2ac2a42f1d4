"""The store fixtures of the store's own tests: ``durable_url`` is SQLite, then PostgreSQL."""

from tests.store.conftest import durable_url as durable_url
from tests.store.conftest import postgres as postgres
