"""The interface persistent actors use; ``open_store`` makes one for a URL.

Guarantees, on every backend:

- **Durable on return.** ``save``, ``delete`` and ``trim_events`` return only once their
  transaction has committed (for SQLite: fsynced; for PostgreSQL: as the server's
  ``synchronous_commit`` says, ``on`` by default).
- **Ordered.** Writes are committed in the order they were called; a write that returned is seen
  by every read that starts after it.
- **Atomic.** A save's state and its events are committed together or not at all.
- **Group commit.** Writes called while a commit is under way share the next transaction, one
  writer at a time. One write's failure (a repeated event seq) does not fail the others: the
  batch is rolled back and replayed one write per transaction.
- **Cancellation.** A write cancelled while it waits stays queued and may still be committed;
  one whose commit is under way will be. ``load`` afterwards tells which. Reads change nothing.
- **Failures.** ``VersionConflict`` wrote nothing; neither did a ``StoreError`` raised for the
  write's own fault (an event seq already logged). A ``StoreError`` from the database itself
  (connection lost during the commit, disk full) leaves the outcome unknown: ``load`` to see.
  ``StoreClosed``: the store closed before committing it.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

from ._ops import JsonText
from ._record import Record, StoreStatistics


class Store(abc.ABC):
    """Durable, versioned state per ``(kind, key)``, each with an append-only event log."""

    #: The database behind it: ``"memory"``, ``"sqlite"`` or ``"postgresql"`` (for health
    #: reports and logs).
    backend: str

    @abc.abstractmethod
    async def load(self, kind: str, key: str) -> Record | None:
        """The saved state, or None if there is none."""

    @abc.abstractmethod
    async def load_all(self, kind: str) -> list[tuple[str, Record]]:
        """Every ``(key, record)`` of ``kind``, ordered by key, in one query."""

    @abc.abstractmethod
    async def save(
        self,
        kind: str,
        key: str,
        data: dict[str, Any],
        *,
        expected_version: int,
        events: Sequence[tuple[int, dict[str, Any] | JsonText]] = (),
    ) -> int:
        """Replace the state and append ``events`` to the key's log; return the new version.

        ``expected_version`` is the version the caller last loaded or saved (0: the key must not
        exist yet); the new version is ``expected_version + 1``. Each event is ``(seq, data)``
        with a seq of the caller's choosing, unique within the key's log; ``data`` may come
        already encoded, as ``JsonText`` (``read_events`` returns the dict all the same).

        Raises ``VersionConflict`` if the stored version differs, ``StoreError`` if an event's
        seq is already in the log (nothing is written) or the backend fails, ``StoreClosed``
        after close, and ``TypeError``/``ValueError`` for data that is not JSON-compatible, an
        events list that repeats a seq or a negative ``expected_version`` (nothing is queued).
        """

    @abc.abstractmethod
    async def delete(self, kind: str, key: str, *, expected_version: int | None = None) -> None:
        """Delete the state and the whole event log; deleting a missing key does nothing.

        With ``expected_version`` the key is deleted only if that is its stored version: another
        version raises ``VersionConflict`` (nothing is deleted), as a save would, so a writer
        whose state is stale cannot delete what another wrote since. ``ValueError`` for a
        negative one.
        """

    @abc.abstractmethod
    async def keys(self, kind: str) -> list[str]:
        """Every key of ``kind`` that has a state, sorted."""

    @abc.abstractmethod
    async def read_events(
        self, kind: str, key: str, after: int, upto: int | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """The key's events with ``after < seq <= upto`` (no upper bound if None), by seq."""

    @abc.abstractmethod
    async def trim_events(self, kind: str, key: str, upto: int) -> None:
        """Drop the key's events with ``seq <= upto``; the state is untouched."""

    @abc.abstractmethod
    def statistics(self) -> StoreStatistics:
        """The writer's counters (see ``StoreStatistics``)."""
