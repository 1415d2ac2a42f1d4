"""The architecture, executable: which module may import which.

Every source file under ``engine/``, ``tests/`` and ``bench/`` is parsed with ``ast`` (nothing is
imported, so a module that fails to import is still checked) and its imports, including those
inside functions and under ``TYPE_CHECKING``, are held to four rules:

1. **Layers.** Production code imports only down this list (``LAYERS``)::

       leaves       engine/errors.py, engine/clock.py, engine/settings.py, engine/wire.py,
                    engine/logs.py, engine/collector.py, engine/json_text.py
       actors       engine/actors
       supervisors  engine/supervisors
       store        engine/store
       net          engine/net
       parties      engine/parties
       cluster      engine/cluster
       web          engine/web
       testing      engine/testing      (the public testing kit)
       apps         engine/apps/<app>   (and no app imports another app)
       loadtest     engine/loadtest
       cli          engine/cli.py, engine/__main__.py

   The leaves import nothing from the engine, so every layer may use them.
2. **Private modules stay in their package.** A module whose name starts with ``_`` (such as
   ``engine/net/_codec.py``) is imported only by modules of the same package. Everything else
   imports the package's public names (``engine.net``, ``engine.net.testing``). Tests mirror
   packages, and a test may import the private modules of the package it tests
   (``tests/net/test_codec.py`` imports ``engine.net._codec``: a module's own tests are
   white-box), but not another package's. Test helpers and benchmarks test no package and
   import public names only.
3. **Rules are pure.** A rules module of an app (see ``is_rules_module``) imports no Trio, no
   I/O library and nothing from the engine but its pure leaves (``engine.errors``,
   ``engine.settings``, ``engine.wire``); from its own app it imports only other rules modules,
   so importing one never pulls the runtime in. Rules take the time as an argument rather than
   reading ``engine.clock`` (which reads Trio's clock). So the rules can be tested and reasoned
   about without an event loop, and the actor around them owns every effect.
4. **Only the edge of an app knows the web layer.** Within an app only ``routes.py`` and
   ``app.py`` import ``engine.web``.

The rules are derived from the tree: a new package under ``engine/apps`` is checked as soon as
it exists. The allow-lists below name today's known exceptions exactly; an entry that no longer
matches anything fails too, so they shrink as the work that removes the exceptions lands.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "leaves",
        (
            "engine.errors",
            "engine.clock",
            "engine.settings",
            "engine.wire",
            "engine.logs",
            "engine.collector",
            "engine.json_text",
        ),
    ),
    ("actors", ("engine.actors",)),
    ("supervisors", ("engine.supervisors",)),
    ("store", ("engine.store",)),
    ("net", ("engine.net",)),
    ("parties", ("engine.parties",)),
    ("cluster", ("engine.cluster",)),
    ("web", ("engine.web",)),
    ("testing", ("engine.testing",)),
    ("apps", ("engine.apps",)),
    ("loadtest", ("engine.loadtest",)),
    ("cli", ("engine.cli", "engine.__main__")),
)

# Engine modules a rules module may import: they import only the standard library, attrs and
# cattrs (pure libraries: no I/O, no event loop).
PURE_LEAVES = frozenset({"engine.errors", "engine.settings", "engine.wire"})
PURE_LEAF_DEPENDENCIES = frozenset({"attrs", "cattrs"})

# Third-party packages that do I/O or run an event loop: not for rules modules.
RUNTIME_LIBRARIES = frozenset(
    {
        "trio",
        "trio_websocket",
        "trio_asyncio",
        "hypercorn",
        "quart",
        "quart_trio",
        "wsproto",
        "httpx",
        "psycopg",
        "sqlite3",
    }
)

# The modules of every app that are its runtime rather than its rules: the package's re-exports,
# the app's setup, its HTTP/WebSocket routes, and test support for embedders.
APP_RUNTIME_MODULES = frozenset({"__init__", "app", "routes", "testing"})

# Per app, the other modules that are runtime: actors, the directory of its parties, its
# connections, and settings read together with the engine's options. Every module of an app not
# named here or above is a rules module, so a new module is pure unless declared otherwise.
RUNTIME_MODULES: dict[str, frozenset[str]] = {
    "liaptui": frozenset(
        {
            "directory",  # the rooms' supervisor and store
            "lobby",  # LobbyActor
            "refusals",  # the error format (PartyErrors), events stamped by engine.clock
            "room",  # RoomActor
            "settings",  # WebSocketOptions from engine.net
            "table",  # the room's timers and broadcasts (Timers, EventStream)
        }
    ),
    "lanrage": frozenset(
        {
            "agent",  # the node actor
            "control",  # the control-plane interface and this node's own
            "network",  # STUN responder, NAT detection, latency probes
            "registry",  # the control plane's parties (Party actors)
            "remote",  # another node's control plane over HTTP (httpx)
            "service",  # a node assembled
        }
    ),
    "p2p": frozenset(
        {
            "coordinator",  # the context: the directories and the registry's ref
            "host_party",  # HostParty, a Party
            "messages",  # what the actors tell each other (ActorRef.tell)
            "registry",  # RegistryActor, a PersistentActor
            "session_party",  # SessionParty, a Party
            "views",  # response bodies, times by engine.clock.rfc3339
        }
    ),
    "quipflip": frozenset(
        {
            "players",  # PlayerActor, the players' supervisor and store
            "session",  # PartySession, a Party
        }
    ),
    "watchparty": frozenset(
        {
            "session_actor",  # SessionActor, a Party
            "settings",  # strict JSON from engine.net for its JSON-valued variables
            "wire",  # the error format (PartyErrors) and message limits (engine.net)
        }
    ),
}

# Known violations in files being changed by work in progress, as (importing file, imported
# module). Each entry goes when that work lands; the test fails on one that no longer applies.
KNOWN_VIOLATIONS: dict[str, frozenset[tuple[str, str]]] = {
    "private": frozenset(),
    "rules": frozenset(),
    "web": frozenset(),
}


@attrs.frozen
class Import:
    """One imported module, as resolved from an ``import`` or ``from ... import`` statement."""

    file: str  # relative to the repository, with "/"
    module: str  # the importing module's dotted name
    target: str  # the imported module's dotted name
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module or package in this repository."""
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def sibling(path: Path, dotted: str) -> str:
    """``dotted`` as a module next to ``path`` if it is one: scripts (bench) and test helpers
    sit on ``sys.path`` and import their neighbours by bare name."""
    neighbour = f"{module_name(path.parent / '__init__.py')}.{dotted}"
    return neighbour if is_module(neighbour) and not is_module(dotted) else dotted


def imports_of(path: Path) -> Iterator[Import]:
    file = path.relative_to(ROOT).as_posix()
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=file)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(file, module, sibling(path, alias.name), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = sibling(path, node.module or "")
            for alias in node.names:
                # "from engine.net import _codec" imports a module, not a name.
                submodule = f"{source}.{alias.name}"
                yield Import(
                    file, module, submodule if is_module(submodule) else source, node.lineno
                )


def sources(*roots: str) -> list[Path]:
    return sorted(path for root in roots for path in (ROOT / root).rglob("*.py"))


def all_imports(*roots: str) -> list[Import]:
    return [found for path in sources(*roots) for found in imports_of(path)]


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int | None:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(within(module, prefix) for prefix in prefixes):
            return rank
    return None


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["engine", "apps"] else None


def apps() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "engine" / "apps").glob("*/__init__.py"))


def is_rules_module(module: str) -> bool:
    """Whether ``module`` is one of an app's rules: any app module not declared runtime."""
    app = app_of(module)
    if app is None:
        return False
    name = module.split(".")[3] if module.count(".") >= 3 else "__init__"
    return name not in APP_RUNTIME_MODULES | RUNTIME_MODULES.get(app, frozenset())


def private_package(module: str) -> str | None:
    """The package a private module belongs to (``engine.net`` for ``engine.net._codec.x``)."""
    parts = module.split(".")
    for index, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:index])
    return None


def package_tested_by(found: Import) -> str | None:
    """The engine package a test file tests: ``tests/net/...`` tests ``engine.net``."""
    parts = found.file.split("/")
    if parts[0] != "tests" or parts[1] == "helpers":
        return None
    return ".".join(["engine", *parts[1:-1]])


def unexpected(kind: str, found: set[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Violations not in the allow-list, and allow-list entries that no longer apply."""
    known = KNOWN_VIOLATIONS[kind]
    return (
        sorted(f"{file} imports {target}" for file, target in found - known),
        sorted(f"{file} -> {target}" for file, target in known - found),
    )


def assert_none(kind: str, found: set[tuple[str, str]], rule: str) -> None:
    new, stale = unexpected(kind, found)
    assert not new, f"{rule}:\n  " + "\n  ".join(new)
    assert not stale, "fixed, so remove from KNOWN_VIOLATIONS:\n  " + "\n  ".join(stale)


def test_every_engine_module_has_a_layer() -> None:
    unplaced = {
        path.relative_to(ROOT).as_posix()
        for path in sources("engine")
        if path.name != "__init__.py" or path.parent != ROOT / "engine"
        if layer_of(module_name(path)) is None
    }
    assert not unplaced, f"add these to LAYERS: {sorted(unplaced)}"


def test_imports_go_down_the_layers() -> None:
    upward = []
    for found in all_imports("engine"):
        source, target = layer_of(found.module), layer_of(found.target)
        if source is None or target is None:
            continue
        if target > source:
            upward.append(
                f"{found.file}:{found.line} ({LAYERS[source][0]}) imports {found.target}"
                f" ({LAYERS[target][0]})"
            )
        source_app, target_app = app_of(found.module), app_of(found.target)
        if target_app is not None and source_app not in (None, target_app):
            upward.append(f"{found.file}:{found.line}: one app imports another: {found.target}")
    assert not upward, "imports must go down LAYERS:\n  " + "\n  ".join(upward)


def test_leaves_import_nothing_from_the_engine() -> None:
    leaves = [
        f"{found.file}:{found.line} imports {found.target}"
        for found in all_imports("engine")
        if layer_of(found.module) == 0 and within(found.target, "engine")
    ]
    assert not leaves, "the leaves sit below every layer:\n  " + "\n  ".join(leaves)


@pytest.mark.parametrize("leaf", sorted(PURE_LEAVES))
def test_pure_leaves_import_only_the_standard_library_attrs_and_cattrs(leaf: str) -> None:
    path = ROOT.joinpath(*leaf.split(".")).with_suffix(".py")
    outside = {
        found.target
        for found in imports_of(path)
        if found.target.partition(".")[0] not in sys.stdlib_module_names
        and found.target.partition(".")[0] not in PURE_LEAF_DEPENDENCIES
    }
    assert not outside, f"{leaf} is imported by rules modules, so it must stay pure: {outside}"


def test_private_modules_stay_in_their_package() -> None:
    found_violations = set()
    for found in all_imports("engine", "tests", "bench"):
        owner = private_package(found.target)
        if owner is None or within(found.module, owner):
            continue
        if owner == package_tested_by(found):
            continue
        found_violations.add((found.file, found.target))
    assert_none("private", found_violations, "import the package's public names instead")


def test_rules_modules_import_no_runtime() -> None:
    found_violations = set()
    for found in all_imports("engine/apps"):
        if not is_rules_module(found.module):
            continue
        top = found.target.partition(".")[0]
        runtime = top in RUNTIME_LIBRARIES or (
            within(found.target, "engine")
            and found.target not in PURE_LEAVES
            and not (app_of(found.target) == app_of(found.module) and is_rules_module(found.target))
        )
        if runtime:
            found_violations.add((found.file, found.target))
    assert_none(
        "rules",
        found_violations,
        "rules modules import no Trio, no I/O and no runtime module"
        " (or declare the module in RUNTIME_MODULES if it is an actor)",
    )


def test_only_routes_and_app_import_the_web_layer() -> None:
    found_violations = {
        (found.file, found.target)
        for found in all_imports("engine/apps")
        if within(found.target, "engine.web")
        and found.module.rpartition(".")[2] not in ("routes", "app")
    }
    assert_none("web", found_violations, "only routes.py and app.py import engine.web")


@pytest.mark.parametrize("app", sorted(RUNTIME_MODULES))
def test_declared_runtime_modules_exist(app: str) -> None:
    missing = {name for name in RUNTIME_MODULES[app] if not is_module(f"engine.apps.{app}.{name}")}
    assert app in apps() and not missing, f"remove from RUNTIME_MODULES[{app!r}]: {missing}"
