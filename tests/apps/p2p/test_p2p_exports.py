"""engine.apps.p2p's public names, and that its modules stay free of the runtime."""

from __future__ import annotations

import subprocess
import sys
import types

import engine.apps.p2p


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.apps.p2p).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {
        "Host",
        "HostNotFound",
        "HostStatus",
        "P2PSettings",
        "Session",
        "SessionNotFound",
        "SessionStatus",
        "Zone",
        "ZoneBook",
        "ZoneNotFound",
        "ZoneStatus",
        "quality_score",
    }


RULE_MODULES = (
    "errors", "fields", "hosts", "monitoring", "protocol", "quality", "requests", "responses",
    "sessions", "settings", "signaling", "statuses", "views", "wire", "zones",
)  # fmt: skip
# Trio comes in only with engine.clock, the leaf module every layer may import (views format
# times with its rfc3339); nothing else of the runtime may.
RUNTIME = (
    "engine.actors",
    "engine.supervisors",
    "engine.store",
    "engine.net",
    "engine.web",
)


def test_the_rules_import_no_runtime() -> None:
    # A fresh interpreter: this one has imported the runtime for other tests already.
    imports = "; ".join(f"import engine.apps.p2p.{name}" for name in RULE_MODULES)
    check = (
        f"import sys; {imports}; print(sorted(m for m in sys.modules if m.startswith({RUNTIME!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
