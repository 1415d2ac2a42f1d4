"""The single writer: queued writes are committed in batches, one batch at a time.

Every backend (memory, SQLite, PostgreSQL) puts its writes through a ``GroupCommitter``: callers
queue an operation and wait; one writer task takes *everything* queued, hands it to the backend's
commit function as one batch (one transaction), and wakes each caller with its own outcome.
While a batch commits, new writes pile up and become the next batch, so under load one commit
(one fsync) serves many writes, and a lone writer waits for nothing but its own commit. With
``group=False`` each batch is a single write: the one-commit-per-write baseline.

Bursts: when many callers save at the same moment (every party answering the same tick, or a
benchmark's 1,000 savers), they all wait for one commit, and while it runs nothing else is left
to do. A backend whose commit runs outside the event loop (SQL: in a worker thread, while the
database works) therefore gets ``split_bursts``: a burst of at least ``2 * MIN_SPLIT`` writes that
finds the writer idle is committed as two batches, so the first half's callers carry on (and
queue their next writes) while the second half commits, and from then on each batch commits
while the callers of the one before work. Measured with bench/store.py (1,000 persistent actors
saving as fast as their replies come), this is what took durable saves from about 0.65 of the
memory store's rate to above 0.7 on PostgreSQL, where a commit of 1,000 saves costs the server
as much as the actors' own work. The memory store commits on the event loop, where there is
nothing to overlap, and keeps one batch.
``GroupCommitStore`` is the base of every backend's ``Store``: its writes go through the writer.

Lifetime: ``run_writer`` runs the writer task for the duration of an ``async with`` block, then
stops taking new writes (``StoreClosed``), commits everything already queued, and returns when
the writer has finished. If the writer is cancelled instead, a commit under way still completes
(backends run it in a thread that is not abandoned) and its callers get their outcomes; writes
still queued get ``StoreClosed`` and were not committed.
"""

from __future__ import annotations

import abc
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, ClassVar

import attrs
import outcome
import trio

from ._errors import StoreClosed
from ._latency import LatencyRecorder
from ._ops import JsonText, Op, Save, make_delete, make_save, make_trim
from ._record import StoreStatistics
from ._store import Store

#: Half the smallest burst that ``split_bursts`` commits in two batches: below it the extra
#: commit (an fsync) costs more than the overlap saves.
MIN_SPLIT = 32
#: Commits a batch; returns one outcome per operation, in order, and how many transactions
#: committed. One operation's failure is its ``outcome.Error``, not an exception.
CommitFunction = Callable[[list[Op]], Awaitable[tuple[list[outcome.Outcome[Any]], int]]]


@attrs.define(eq=False)
class _Pending:
    """A queued operation and the task waiting for it (None once it stopped waiting)."""

    op: Op
    task: trio.lowlevel.Task | None

    def resolve(self, result: outcome.Outcome[Any]) -> None:
        if self.task is not None:
            trio.lowlevel.reschedule(self.task, result)
            self.task = None

    def abandon(self, raise_cancel: object) -> trio.lowlevel.Abort:
        # The caller was cancelled; the operation stays queued and may still be committed.
        self.task = None
        return trio.lowlevel.Abort.SUCCEEDED


@attrs.define(eq=False)
class GroupCommitter:
    _commit: CommitFunction
    group: bool = True
    split_bursts: bool = False
    _queue: deque[_Pending] = attrs.field(factory=deque, init=False)
    _wakeup: trio.Event = attrs.field(factory=trio.Event, init=False)
    _closing: bool = attrs.field(default=False, init=False)
    _finished: trio.Event = attrs.field(factory=trio.Event, init=False)
    _commits: int = attrs.field(default=0, init=False)
    _saves: int = attrs.field(default=0, init=False)
    _ops: int = attrs.field(default=0, init=False)
    _batches: int = attrs.field(default=0, init=False)
    _last_latency: float = attrs.field(default=0.0, init=False)
    _total_latency: float = attrs.field(default=0.0, init=False)
    _latency: LatencyRecorder = attrs.field(factory=LatencyRecorder, init=False)

    async def submit(self, op: Op) -> Any:
        """Queue ``op``, wait for its commit and return its result (or raise its error).

        If cancelled while waiting, the operation stays queued and may still be committed.
        """
        if self._closing:
            raise StoreClosed("the store is closed")
        # A bare park and reschedule rather than an Event per write: this is the hot path.
        pending = _Pending(op, trio.lowlevel.current_task())
        self._queue.append(pending)
        self._wakeup.set()
        return await trio.lowlevel.wait_task_rescheduled(pending.abandon)

    async def run(self) -> None:
        """The writer task: commit batches until ``aclose`` and an empty queue."""
        batch: list[_Pending] = []
        # True when the writer has waited for work since its last commit.
        idle = True
        try:
            while self._queue or not self._closing:
                if not self._queue:
                    await self._wakeup.wait()
                    self._wakeup = trio.Event()
                    idle = True
                    continue
                batch = self._take_batch(burst=idle)
                idle = False
                started = time.perf_counter()
                results, commits = await self._commit([pending.op for pending in batch])
                self._account(batch, results, commits, time.perf_counter() - started)
                for pending, result in zip(batch, results, strict=True):
                    pending.resolve(result)
        finally:
            self._closing = True
            # Callers are still waiting here only if the writer was cancelled or crashed.
            for pending in [*batch, *self._queue]:
                pending.resolve(outcome.Error(StoreClosed("closed before this was committed")))
            self._queue.clear()
            self._finished.set()

    async def aclose(self) -> None:
        """Refuse new writes, commit the queued ones, and wait for the writer to finish."""
        self._closing = True
        self._wakeup.set()
        await self._finished.wait()

    def statistics(self) -> StoreStatistics:
        return StoreStatistics(
            commits=self._commits,
            saves=self._saves,
            mean_batch_size=self._ops / self._batches if self._batches else 0.0,
            last_commit_latency=self._last_latency,
            mean_commit_latency=self._total_latency / self._batches if self._batches else 0.0,
            queue_depth=len(self._queue),
            commit_latency=self._latency.histogram(),
        )

    def _take_batch(self, *, burst: bool) -> list[_Pending]:
        """What to commit next: everything queued, or half of a burst (see the module doc)."""
        queue = self._queue
        if not self.group:
            return [queue.popleft()]
        if burst and self.split_bursts and len(queue) >= 2 * MIN_SPLIT:
            return [queue.popleft() for _ in range(len(queue) // 2)]
        batch = list(queue)
        queue.clear()
        return batch

    def _account(
        self,
        batch: list[_Pending],
        results: list[outcome.Outcome[Any]],
        commits: int,
        latency: float,
    ) -> None:
        self._commits += commits
        self._batches += 1
        self._ops += len(batch)
        self._saves += sum(
            isinstance(pending.op, Save) and isinstance(result, outcome.Value)
            for pending, result in zip(batch, results, strict=True)
        )
        self._last_latency = latency
        self._total_latency += latency
        self._latency.observe(latency)


@contextlib.asynccontextmanager
async def run_writer(writer: GroupCommitter) -> AsyncIterator[None]:
    """Run ``writer`` for the duration of the block, then ``aclose`` it (commit what is queued).

    If the block is cancelled, the writer is cancelled too (see the module docstring). An
    exception from the block propagates as itself, after the queued writes are committed, not
    wrapped in the nursery's ``ExceptionGroup``.
    """
    body_error: BaseException | None = None
    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer.run)
        try:
            yield
        except BaseException as exc:
            body_error = exc
        await writer.aclose()
    if body_error is not None:
        raise body_error


class GroupCommitStore(Store):
    """A ``Store`` whose writes go through one ``GroupCommitter``.

    Subclasses implement the reads and ``_commit``, and run the writer with ``_running()``.
    """

    #: The backend commits outside the event loop: bursts are split (see the module doc).
    commits_off_loop: ClassVar[bool] = False

    def __init__(self, *, group_commit: bool) -> None:
        self._writer = GroupCommitter(
            self._commit, group=group_commit, split_bursts=self.commits_off_loop
        )
        self._closed = False

    @abc.abstractmethod
    async def _commit(self, ops: list[Op]) -> tuple[list[outcome.Outcome[Any]], int]:
        """The ``CommitFunction`` of this backend."""

    @contextlib.asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        """Run the writer for the block; afterwards reads raise ``StoreClosed`` too."""
        try:
            async with run_writer(self._writer):
                yield
        finally:
            self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("the store is closed")

    async def save(
        self,
        kind: str,
        key: str,
        data: dict[str, Any],
        *,
        expected_version: int,
        events: Sequence[tuple[int, dict[str, Any] | JsonText]] = (),
    ) -> int:
        version: int = await self._writer.submit(
            make_save(kind, key, data, expected_version, events)
        )
        return version

    async def delete(self, kind: str, key: str, *, expected_version: int | None = None) -> None:
        await self._writer.submit(make_delete(kind, key, expected_version))

    async def trim_events(self, kind: str, key: str, upto: int) -> None:
        await self._writer.submit(make_trim(kind, key, upto))

    def statistics(self) -> StoreStatistics:
        return self._writer.statistics()
