"""engine.apps.quipflip's public names, and the rules' independence from the runtime."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import engine.apps.quipflip

RUNTIME = (
    "trio",
    "engine.actors",
    "engine.supervisors",
    "engine.store",
    "engine.net",
    "engine.parties",
    "engine.web",
    "quart",
)
#: The modules that run the rules: actors, and the HTTP edge.
ACTORS = {"players.py", "session.py"}
EDGE = {"routes.py", "app.py"}


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.apps.quipflip).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {
        "PartyConfig",
        "PartyState",
        "Phase",
        "PhaseTimers",
        "QuipflipSettings",
        "SessionStatus",
    }


def test_rules_import_nothing_of_the_runtime_and_only_the_edge_imports_the_web() -> None:
    package = Path(engine.apps.quipflip.__file__).parent
    for module in package.glob("*.py"):
        if module.name in EDGE:
            continue
        allowed = ("engine.web", "quart") if module.name in ACTORS else RUNTIME
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(allowed), f"{module.name} imports {name}"
