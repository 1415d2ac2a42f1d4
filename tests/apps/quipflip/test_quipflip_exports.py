"""engine.apps.quipflip's public names, and the rules' independence from the runtime."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import engine.apps.quipflip

RUNTIME = ("trio", "engine.actors", "engine.supervisors", "engine.store", "engine.net", "engine.web", "quart")


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.apps.quipflip).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {
        "PartyConfig", "PartyState", "Phase", "PhaseTimers", "QuipflipSettings", "SessionStatus",
    }


def test_no_module_imports_the_runtime() -> None:
    package = Path(engine.apps.quipflip.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(RUNTIME), f"{module.name} imports {name}"
