"""Every ``PARTY_ENGINE_*`` variable the code reads is documented, in docs/operations.md or in
its app's page (docs/<app>.md)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

import engine
import engine.apps
from engine.cli import ServeSettings
from engine.settings import environment_variables

ROOT = Path(__file__).resolve().parents[2]
# A whole name: the prefixes spelled in docstrings (``PARTY_ENGINE_<APP>_*``) end with "_".
_NAME = re.compile(r"PARTY_ENGINE_[A-Z0-9_]*[A-Z0-9]\b")


def _spelled_in_code() -> set[str]:
    source = Path(engine.__file__).parent
    return {name for path in source.rglob("*.py") for name in _NAME.findall(path.read_text())}


def _read_by_settings_classes() -> set[str]:
    """The variables each app's settings module reads: its ``ENVIRONMENT`` mapping where it has
    one, else those ``read_settings`` derives from its attrs classes (names that need not appear
    literally anywhere)."""
    found = set(environment_variables(ServeSettings, None))
    for app in pkgutil.iter_modules(engine.apps.__path__):
        try:
            module = importlib.import_module(f"engine.apps.{app.name}.settings")
        except ModuleNotFoundError:
            continue
        if isinstance(getattr(module, "ENVIRONMENT", None), Mapping):
            found |= set(module.ENVIRONMENT)
            continue
        for value in vars(module).values():
            if isinstance(value, type) and attrs.has(value) and value.__module__ == module.__name__:
                found |= set(environment_variables(value, app.name))
    return found


def _documented(variable: str) -> bool:
    operations = (ROOT / "docs" / "operations.md").read_text()
    app = variable.removeprefix("PARTY_ENGINE_").split("_")[0].lower()
    page = ROOT / "docs" / f"{app}.md"
    return variable in operations or (page.exists() and variable in page.read_text())


def test_every_variable_is_documented() -> None:
    variables = _spelled_in_code() | _read_by_settings_classes()
    assert "PARTY_ENGINE_WATCHPARTY_SESSION_TTL" in variables  # the search finds what it should
    assert sorted(v for v in variables if not _documented(v)) == []
