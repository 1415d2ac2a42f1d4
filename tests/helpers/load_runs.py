"""Load-test scenarios run for a few seconds against an app served by the test, on loopback."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from engine.loadtest import Plan, Report, run_load
from engine.testing import serve_apps


async def run_scenario(
    app: str, scenario: str, environ: Mapping[str, str] | None = None, **plan: Any
) -> Report:
    """Serve ``app`` (at the root, with ``environ`` as its settings), run ``scenario`` against
    it with the `Plan` fields ``plan``, and return the report."""
    spec = importlib.import_module(f"engine.apps.{app}.app").app
    async with serve_apps([spec], environ=environ or {}, prefixed=False) as served:
        return await run_load(Plan(scenario=scenario, url=served.base_url, **plan))


def assert_clean(report: Report, *actions: str) -> None:
    """No error, and each of ``actions`` timed at least once."""
    assert not report.errors, report.error_examples
    missing = [action for action in actions if action not in report.histograms]
    assert not missing, f"never timed: {missing}; timed: {sorted(report.histograms)}"
