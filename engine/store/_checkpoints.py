"""SQLite's checkpoints in a thread of their own, off the commits' path.

In WAL mode a commit appends to the write-ahead log, and a checkpoint copies the log back into
the database file and fsyncs it. SQLite runs one inside whichever commit takes the log past
1,000 pages, so every few hundred milliseconds under load one batch of saves waited for it as
well as for its own fsync. Measured at 600 Liap Tui games (`party-engine loadtest liaptui`,
50 s, after the ramp), with this thread: play p50 14.8 ms and p99 88 ms, against 37.6 and
289 ms; mean commit 4.1 against 6.4 ms; the thread's own CPU 1.2 s in the run.

So the writer connection leaves checkpoints to a `Checkpointer`: after every `EVERY` commits it
wakes a thread of its own, whose connection runs a PASSIVE checkpoint, which never blocks the
writer (it copies what no reader still needs, and the writer starts the log again from its
beginning once all of it is copied). The writer keeps SQLite's own checkpoint as a backstop at
`BACKSTOP_PAGES` (40 MB of log), which it reaches only if the thread cannot keep up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

__all__ = ["BACKSTOP_PAGES", "EVERY", "Checkpointer"]

log = logging.getLogger("engine.store")

#: Commits between two checkpoints (a commit of a batch of saves writes tens of pages).
EVERY = 32
#: The writer's own automatic checkpoint, should the thread fall behind (pages of 4 KB).
BACKSTOP_PAGES = 10_000


class Checkpointer:
    """The thread that checkpoints the database ``connect`` opens; see the module docstring."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], every: int = EVERY) -> None:
        self._connect = connect
        self._every = every
        self._commits = 0
        self._wake = threading.Event()
        self._stopping = False
        #: Checkpoints run so far.
        self.checkpoints = 0
        self._thread = threading.Thread(target=self._run, name="sqlite checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Count a commit (from the writer's thread); every ``every``-th wakes the thread."""
        self._commits += 1
        if self._commits >= self._every:
            self._commits = 0
            self._wake.set()

    def stop(self) -> None:
        """End the thread, after the checkpoint under way if any."""
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    if conn is None:
                        conn = self._connect()
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.checkpoints += 1
                except sqlite3.Error as exc:
                    # The next wake tries again; meanwhile the log grows (to the backstop).
                    log.warning("SQLite checkpoint failed: %s", exc)
        finally:
            if conn is not None:
                conn.close()
