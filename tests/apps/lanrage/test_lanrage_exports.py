"""engine.apps.lanrage's public names, and its rules staying free of the runtime."""

import subprocess
import sys
import types

import engine.apps.lanrage

RULE_MODULES = [
    "addresses",
    "errors",
    "fields",
    "identity",
    "models",
    "nat",
    "node",
    "party",
    "settings",
    "views",
]


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.apps.lanrage).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {
        "ConnectionType",
        "LanrageSettings",
        "NatType",
        "NodeIdentity",
        "Party",
        "PartyNotFound",
        "PeerInfo",
        "WIRE",
        "generate_identity",
    }


def test_the_rules_import_neither_trio_nor_the_runtime() -> None:
    imports = "; ".join(f"import engine.apps.lanrage.{name}" for name in RULE_MODULES)
    forbidden = [
        "trio",
        "engine.actors",
        "engine.supervisors",
        "engine.store",
        "engine.net",
        "engine.web",
    ]
    probe = f"import sys; {imports}; print(sorted(m for m in {forbidden!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
