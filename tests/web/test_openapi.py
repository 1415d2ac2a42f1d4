"""The OpenAPI document the engine publishes: valid enough for clients and generators.

Checked with openapi-spec-validator 0.9.0 while writing this (every shipped app, alone and all
together); the rule it found broken is kept here without the dependency.
"""

from __future__ import annotations

import re

import pytest

from engine.cli import available_apps
from engine.web._openapi import openapi_document

APPS = list(available_apps().values())
DOCUMENTS = [openapi_document(APPS, prefixed=True)] + [
    openapi_document([a], prefixed=False) for a in APPS
]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document["info"]["title"])
def test_every_path_template_parameter_is_declared_websocket_upgrades_included(document) -> None:
    for path, operations in document["paths"].items():
        templated = set(re.findall(r"\{(\w+)\}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
            assert declared == templated, (method, path)
