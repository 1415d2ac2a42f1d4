"""The engine's log: what it says, in which logger, and its two formats.

Everything the engine logs goes through the standard library's ``logging``, under these
loggers (so an embedder's own configuration applies to them as to any library's):

- ``engine.access``: one INFO line per HTTP request, on both of the server's HTTP paths
  (``GET /health 200 0.4ms id=...``; fields ``method``, ``path``, ``status``,
  ``duration_ms``, ``request_id``, ``client``);
- ``engine.websocket``: one line per WebSocket connection when it closes (fields ``route``,
  ``code``, ``reason``, ``duration_ms``, ``messages_in``, ``messages_out``, ``client``), a
  WARNING when it was closed for being too slow a reader; a WARNING per refused upgrade
  (``route``, ``status``, ``client``);
- ``engine.parties``: a party created, restored, finished (INFO, fields ``kind`` and
  ``party``); ``engine.supervisors``: a crash (WARNING) and the restart that follows (INFO);
- ``engine.settings``: the development mode, loudly (WARNING), when it is on.

Those fields are attributes of the log record (``extra=``): the text format shows the message
alone, the JSON format (`JsonFormatter`) adds them to each line's object.

The JSON format is the standard library's, not structlog's: the engine's records are plain
``logging`` calls that an embedder's handlers already receive, one formatter is all a JSON line
needs, and a second logging API would have to be bridged to the first for no gain.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import IO, Any

__all__ = [
    "ACCESS",
    "FORMATS",
    "WEBSOCKET",
    "JsonFormatter",
    "configure_logging",
    "log_request",
    "log_websocket_closed",
    "log_websocket_refused",
    "parse_level",
]

ACCESS = logging.getLogger("engine.access")
WEBSOCKET = logging.getLogger("engine.websocket")

#: The formats ``configure_logging`` knows.
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# What every LogRecord carries by itself; anything else on a record came from ``extra=``.
_STANDARD = frozenset(
    {*logging.LogRecord("", 0, "", 0, "", (), None).__dict__, "message", "asctime", "taskName"}
)
_SLOW_CONSUMER = "slow consumer"


def parse_level(text: str) -> int:
    """A level by name in any case (``debug``, ``INFO``) or as a number; ValueError naming the
    choices otherwise."""
    name = text.strip().upper()
    if name.isdigit():
        return int(name)
    level = logging.getLevelNamesMapping().get(name)
    if level is None:
        raise ValueError(
            f"unknown log level {text!r}: one of debug, info, warning, error, critical"
        )
    return level


def configure_logging(
    level: int | str = logging.INFO, format: str = "text", stream: IO[str] | None = None
) -> None:
    """Send every record at ``level`` or above to ``stream`` (standard error), one line each,
    as text (``time level logger: message``) or ``json`` (`JsonFormatter`). Replaces the root
    logger's handlers: for a program's entry point (``party-engine serve``), not a library."""
    if format not in FORMATS:
        raise ValueError(f"unknown log format {format!r}: one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter())
    # Nothing the engine logs needs the thread or multiprocessing names; reading them is a
    # good part of what making a record costs (a server logs one a request). The process id
    # stays: Hypercorn's own error log writes it (``[%(process)d]``), and a record without
    # one would fail to format there.
    logging.logThreads = logging.logMultiprocessing = False
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(parse_level(level) if isinstance(level, str) else level)


class TextFormatter(logging.Formatter):
    """``time level logger: message`` (`TEXT_FORMAT`), local time to the millisecond, then the
    traceback if any; written out rather than through ``%``-formatting a record's dict, and
    the time formatted once a second: a third of the standard formatter's cost."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_local(record.created)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (ISO 8601, UTC), ``level``, ``logger``,
    ``message``, the record's ``extra=`` fields, and ``exception`` (the formatted traceback)
    when there is one. Values JSON cannot carry are written as their ``str``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


_seconds: dict[bool, tuple[int, str]] = {True: (-1, ""), False: (-1, "")}


def _second(seconds: int, utc: bool) -> str:
    """The date and time of ``seconds``, formatted once per second (per zone)."""
    cached, text = _seconds[utc]
    if cached != seconds:
        moment = time.gmtime(seconds) if utc else time.localtime(seconds)
        text = time.strftime("%Y-%m-%dT%H:%M:%S" if utc else "%Y-%m-%d %H:%M:%S", moment)
        _seconds[utc] = (seconds, text)
    return text


def _iso(created: float) -> str:
    seconds = int(created)
    return f"{_second(seconds, True)}.{int((created - seconds) * 1000):03d}Z"


def _local(created: float) -> str:
    seconds = int(created)
    return f"{_second(seconds, False)},{int((created - seconds) * 1000):03d}"


def log_request(
    method: str,
    path: str,
    status: int,
    started: float,
    headers: Mapping[str, str],
    client: str,
) -> None:
    """The access line of a request answered with ``status`` and response ``headers``, which
    began at ``started`` (``time.perf_counter()``). Costs one level check when INFO is off."""
    if not ACCESS.isEnabledFor(logging.INFO):
        return
    duration = (time.perf_counter() - started) * 1000
    request_id = headers.get("X-Request-ID") or headers.get("x-request-id") or "-"
    # Made and handled directly: Logger.info would also walk the stack for the caller's file
    # and line, which an access line does not show.
    record = ACCESS.makeRecord(
        ACCESS.name,
        logging.INFO,
        "",
        0,
        "%s %s %d %.1fms id=%s client=%s",
        (method, path, status, duration, request_id, client or "-"),
        None,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration, 3),
            "request_id": request_id,
            "client": client,
        },
    )
    ACCESS.handle(record)


def log_websocket_closed(
    route: str,
    code: int | None,
    reason: str,
    started: float,
    messages_in: int,
    messages_out: int,
    client: str,
) -> None:
    """The line of a WebSocket connection that opened at ``started`` (``time.perf_counter()``)
    and closed with ``code`` (None: never closed cleanly) and ``reason``; a WARNING when it was
    closed for not reading fast enough."""
    level = logging.WARNING if reason == _SLOW_CONSUMER else logging.INFO
    if not WEBSOCKET.isEnabledFor(level):
        return
    duration = (time.perf_counter() - started) * 1000
    WEBSOCKET.log(
        level,
        "websocket %s closed %s %r after %.0fms, %d in, %d out, client=%s",
        route,
        code,
        reason,
        duration,
        messages_in,
        messages_out,
        client or "-",
        extra={
            "route": route,
            "code": code,
            "reason": reason,
            "duration_ms": round(duration, 3),
            "messages_in": messages_in,
            "messages_out": messages_out,
            "client": client,
        },
    )


def log_websocket_refused(route: str, status: int, client: str) -> None:
    """A WARNING for an upgrade to ``route`` answered with ``status`` instead of a WebSocket."""
    WEBSOCKET.warning(
        "websocket %s refused %d, client=%s",
        route,
        status,
        client or "-",
        extra={"route": route, "status": status, "client": client},
    )
