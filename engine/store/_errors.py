"""The store's errors, split by cause.

::

    StoreError              the backend failed (I/O, lost connection, constraint); if it hit
    │                       the commit itself, the operation may or may not have been committed
    ├── VersionConflict     a save's expected_version was stale: nothing was written
    └── StoreClosed         the store is closed, or closed before committing this operation

Third-party errors (``sqlite3.Error``, ``psycopg.Error``) never escape: they are raised as
``StoreError`` with the original as ``__cause__``. Caller bugs are not store errors: data that is
not JSON-compatible raises ``TypeError`` or ``ValueError`` before anything is queued.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises."""


class VersionConflict(StoreError):
    """The record's version is not the one the save expected; nothing was written.

    ``actual_version`` is the version found when the save was applied (0: no record).
    """

    def __init__(self, kind: str, key: str, expected_version: int, actual_version: int) -> None:
        super().__init__(
            f"{kind}/{key}: expected version {expected_version}, found {actual_version}"
        )
        self.kind = kind
        self.key = key
        self.expected_version = expected_version
        self.actual_version = actual_version


class StoreClosed(StoreError):
    """The store was closed: the operation was refused, or queued and never committed."""
