"""The public names of the runtime packages (STYLE.md, 2).

``__init__.py`` only re-exports, one ``from ._module import Name as Name`` per name. These tests
freeze the resulting names, so that adding one is a deliberate change to this list and removing
or renaming one (which breaks every embedder) cannot happen by accident.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import types
from pathlib import Path

import pytest

EXPECTED = {
    "engine.actors": {
        "Actor",
        "ActorCrashed",
        "ActorError",
        "ActorRef",
        "ActorStopped",
        "AskTimeout",
        "Beat",
        "Cell",
        "CellStatistics",
        "DEFAULT_ASK_TIMEOUT",
        "Mailbox",
        "MailboxFull",
        "MailboxStatistics",
        "NameTaken",
        "NoPublicConstructor",
        "Overflow",
        "ReceiveTimeout",
        "Registry",
        "Rejection",
        "Schedule",
        "StashFull",
        "Terminated",
        "Topic",
        "TopicStatistics",
        "UnhandledMessage",
        "Visit",
        "on",
        "schedule",
    },
    "engine.parties": {
        "Admission",
        "Birth",
        "Cluster",
        "FinishParty",
        "IdScheme",
        "JoinCodes",
        "Member",
        "Party",
        "PartyDirectory",
        "PartyDirectoryStatistics",
        "PartyErrors",
        "PeerGroup",
        "PeerGroupStatistics",
        "Placement",
        "UNAMBIGUOUS",
        "UuidIds",
        "join_cluster",
        "refusal_close_code",
        "serve_member",
        "start_party_directory",
    },
    "engine.cluster": {
        "ClusterNode",
        "ClusterPlacement",
        "ClusterSettings",
        "ClusterUnreachable",
        "OwnerUnreachable",
        "RemoteError",
        "check_cluster",
        "open_cluster",
    },
    "engine.supervisors": {
        "ActorNode",
        "ActorSpec",
        "ActorSystem",
        "Backoff",
        "ChildFailed",
        "ChildSpec",
        "CrashReport",
        "ChildStartFailed",
        "RestartType",
        "Strategy",
        "Supervisor",
        "SupervisorFailed",
        "SupervisorNode",
        "SupervisorSpec",
        "open_actor_system",
    },
}

PACKAGES = sorted(EXPECTED)


def public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


def re_exports(module: types.ModuleType) -> list[tuple[str, str, str | None]]:
    """``(submodule, name, alias)`` for every import in the package's ``__init__.py``."""
    tree = ast.parse(source(module))
    found = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                found.append((node.module or "", alias.name, alias.asname))
    return found


def statements(module: types.ModuleType) -> list[ast.stmt]:
    return ast.parse(source(module)).body


def source(module: types.ModuleType) -> str:
    assert module.__file__ is not None, f"{module.__name__} has no source file"
    return Path(module.__file__).read_text()


@pytest.mark.parametrize("package", PACKAGES)
def test_public_names_match_the_frozen_list(package: str) -> None:
    assert public_names(importlib.import_module(package)) == EXPECTED[package]


@pytest.mark.parametrize("package", PACKAGES)
def test_star_import_gives_exactly_the_public_names(package: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {package} import *", namespace)
    namespace.pop("__builtins__")
    # A submodule imported elsewhere (``engine.parties.testing``) is an attribute of its
    # package, so a star import without ``__all__`` carries it: not a public name.
    names = {name for name, value in namespace.items() if not isinstance(value, types.ModuleType)}
    assert names == EXPECTED[package]


@pytest.mark.parametrize("package", PACKAGES)
def test_init_only_re_exports_explicitly(package: str) -> None:
    module = importlib.import_module(package)
    body = statements(module)
    docstring, rest = body[0], body[1:]
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    # Nothing is defined in __init__.py: only relative imports of private submodules.
    assert all(isinstance(node, ast.ImportFrom) and node.level == 1 for node in rest)
    for submodule, name, alias in re_exports(module):
        assert submodule.startswith("_"), f"{package}.{submodule} should be private"
        # "import X as X" marks an intended re-export for type checkers and readers alike.
        assert alias == name, f"{name} is imported from .{submodule} without 'as {name}'"
        assert not name.startswith("_"), f"{package} exports the private name {name}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_re_export_is_the_submodule_object(package: str) -> None:
    module = importlib.import_module(package)
    exported = set()
    for submodule, name, _ in re_exports(module):
        source = importlib.import_module(f"{package}.{submodule}")
        assert getattr(module, name) is getattr(source, name)
        exported.add(name)
    assert exported == EXPECTED[package]


@pytest.mark.parametrize("package", PACKAGES)
def test_classes_and_functions_are_defined_inside_the_package(package: str) -> None:
    # A public name re-exported from a third-party library would tie our API to theirs.
    module = importlib.import_module(package)
    for name in EXPECTED[package]:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__.startswith(f"{package}._"), (name, value.__module__)
