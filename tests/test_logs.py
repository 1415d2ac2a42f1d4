"""engine.logs: level names in any case, the two formats, and what a JSON line holds."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from engine.logs import configure_logging, parse_level


@pytest.mark.parametrize(
    ("text", "level"),
    [("debug", 10), ("INFO", 20), (" Warning ", 30), ("error", 40), ("CRITICAL", 50), ("15", 15)],
)
def test_levels_by_name_in_any_case(text: str, level: int) -> None:
    assert parse_level(text) == level


def test_an_unknown_level_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown log level 'loud': one of debug, info"):
        parse_level("loud")


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


@pytest.mark.usefixtures("root_restored")
def test_json_lines_carry_the_fields_and_the_exception() -> None:
    stream = io.StringIO()
    configure_logging("info", "json", stream)
    log = logging.getLogger("engine.test")
    log.debug("not at info")
    log.info("party %s created", "ABC", extra={"kind": "quiz", "party": "ABC"})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("it failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first.keys() == {"time", "level", "logger", "message", "kind", "party"}
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO",
        "engine.test",
        "party ABC created",
    )
    assert (first["kind"], first["party"]) == ("quiz", "ABC")
    assert first["time"].endswith("Z") and "T" in first["time"]
    assert second["level"] == "ERROR" and "RuntimeError: boom" in second["exception"]


@pytest.mark.usefixtures("root_restored")
def test_text_lines_are_time_level_logger_message() -> None:
    stream = io.StringIO()
    configure_logging(logging.WARNING, "text", stream)
    logging.getLogger("engine.test").warning("careful")
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(" WARNING engine.test: careful")


@pytest.mark.usefixtures("root_restored")
def test_records_keep_the_process_id_that_hypercorns_error_log_writes() -> None:
    configure_logging(logging.WARNING, "text", io.StringIO())
    record = logging.getLogger("hypercorn.error").makeRecord(
        "hypercorn.error", logging.ERROR, "", 0, "Lifespan error", (), None
    )
    assert (
        logging.Formatter("[%(process)d] %(message)s").format(record).endswith("] Lifespan error")
    )


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log format 'xml'"):
        configure_logging("info", "xml")
