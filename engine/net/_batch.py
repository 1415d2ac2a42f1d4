"""Sends batched per connection: each connection's frames of one block leave in one write.

A game move sends each player two or three frames (the move's events, then the mover's hand),
all from one loop over a message's effects. Written at once, that is one system call per
frame, and a loopback `send` whose reader is awake costs some 10 us of kernel time. Inside
`batched_sends()`, `WebSocket.send` keeps the frames it accepts with the connection instead, and
the block's end hands each connection's frames to the kernel in one write, in order, before
anything else can run (the block has no checkpoint: it is plain code, not async).

A party runs a message's effects in such a block when there are several (`Party`): one
broadcast alone gains nothing from it, since each recipient gets one frame and the frames
would only leave later. Blocks nest (the outermost one writes). The batch belongs to the
thread, as a Trio run does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["batched_sends", "current_batch"]

_local = threading.local()


def current_batch() -> list[Callable[[], None]] | None:
    """The open block's list of flushes to call at its end, or None outside any block."""
    batch: list[Callable[[], None]] | None = getattr(_local, "batch", None)
    return batch


@contextmanager
def batched_sends() -> Iterator[None]:
    """Within the block, each connection's frames are written together at its end."""
    if current_batch() is not None:
        yield
        return
    batch: list[Callable[[], None]] = []
    _local.batch = batch
    try:
        yield
    finally:
        _local.batch = None
        for flush in batch:
            flush()
