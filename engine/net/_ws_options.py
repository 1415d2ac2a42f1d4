"""The limits and timers of a WebSocket connection, and the counters it reports."""

from __future__ import annotations

from typing import Any

import attrs

from ._ratelimit import RateLimitKind, RateLimitRule

__all__ = ["WebSocketOptions", "WebSocketStatistics"]


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


@attrs.frozen
class WebSocketOptions:
    """Limits and timers of one connection.

    `max_message_size` bounds an incoming message in bytes (UTF-8 bytes for text). Past it the
    connection is closed with 1009, or, with `close_on_oversize=False`, `receive` raises
    `MessageTooBig` and skips the rest of that message, for apps that answer with an error
    message instead. `max_outbox_bytes` should exceed the largest frame the app sends.

    `ping_limit` bounds the client's ping frames, each of which costs a pong: past it the
    connection is closed with 1008 "too many pings". The default allows a burst of 10, then
    one a second, far above any client's keep-alive (browsers send none; libraries one every
    few tens of seconds).
    """

    max_message_size: int = attrs.field(default=64 * 1024, validator=_positive)
    close_on_oversize: bool = True
    max_outbox_bytes: int = attrs.field(default=1 << 20, validator=_positive)
    max_outbox_frames: int = attrs.field(default=1024, validator=_positive)
    ping_interval: float = attrs.field(default=20.0, validator=_positive)
    idle_timeout: float = attrs.field(default=60.0, validator=_positive)
    close_timeout: float = attrs.field(default=5.0, validator=_positive)
    ping_limit: RateLimitRule | None = RateLimitRule(10, 10.0, RateLimitKind.TOKEN_BUCKET)


@attrs.frozen
class WebSocketStatistics:
    """Counters of one connection since it opened.

    `frames_sent` counts frames accepted by `send` (written or queued) and `bytes_sent` the
    bytes the kernel took; `frames_dropped` counts frames refused or discarded from the outbox.
    `messages_rate_limited` counts received messages the client's rate limit refused (see
    `serve_peer`).
    """

    messages_received: int
    bytes_received: int
    frames_sent: int
    bytes_sent: int
    frames_dropped: int
    outbox_frames: int
    outbox_bytes: int
    messages_rate_limited: int = 0
