"""The OpenAPI documents: valid (openapi-spec-validator), one version, and complete enough to
generate a client from: bodies, every error with the app's schema, rate-limit headers, security."""

from __future__ import annotations

import importlib.metadata
import re

import pytest
from openapi_spec_validator import validate

from engine.apps.liaptui.app import app as liaptui
from engine.apps.watchparty.app import app as watchparty
from engine.cli import available_apps
from engine.testing import serve_apps
from engine.web._openapi import openapi_document

from notes_app import app as notes

SHIPPED = list(available_apps().values())
PACKAGE_VERSION = importlib.metadata.version("party-engine")


@pytest.mark.parametrize(
    "apps",
    [[notes], [liaptui], [watchparty], [notes, *SHIPPED]],
    ids=lambda apps: "+".join(a.name for a in apps),
)
@pytest.mark.parametrize("prefixed", [False, True])
def test_every_document_is_valid_and_has_the_package_version(apps, prefixed):
    document = openapi_document(apps, prefixed=prefixed)
    validate(document)
    assert document["info"]["version"] == PACKAGE_VERSION


def test_an_app_with_a_protocol_version_shows_it_beside_the_package_version():
    info = openapi_document([liaptui], prefixed=False)["info"]
    assert info["version"] == PACKAGE_VERSION
    assert info["x-protocol-version"] == liaptui.version


def test_every_operation_answers_errors_in_the_apps_format():
    document = openapi_document([watchparty], prefixed=False)
    error = {"$ref": "#/components/schemas/WatchpartyError"}
    assert document["components"]["schemas"]["WatchpartyError"]["required"] == ["error", "message"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "default" in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) or status == "default":
                    assert response["content"]["application/json"]["schema"] == error, (
                        status,
                        path,
                    )


def test_bodies_examples_and_errors_of_a_handler_that_checks_its_body_itself():
    operation = openapi_document([watchparty], prefixed=False)["paths"]["/api/sessions/create"][
        "post"
    ]
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/CreateSessionRequest"}
    assert body["example"] == {"name": "Movie night", "password": "popcorn"}
    responses = operation["responses"]
    assert set(responses) == {"200", "400", "413", "429", "503", "default"}
    assert responses["400"]["content"]["application/json"]["example"]["error"] == "Bad Request"
    success = responses["200"]["content"]["application/json"]["schema"]
    assert success == {"$ref": "#/components/schemas/CreateSessionResponse"}


def test_rate_limited_routes_declare_their_headers():
    document = openapi_document([watchparty], prefixed=False)
    responses = document["paths"]["/api/sessions/join"]["post"]["responses"]
    limit_headers = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    assert set(responses["200"]["headers"]) == limit_headers
    assert set(responses["429"]["headers"]) == limit_headers | {"Retry-After"}
    assert set(document["components"]["headers"]) == limit_headers | {"Retry-After"}


def test_bearer_routes_declare_the_scheme_and_401_403():
    document = openapi_document([watchparty], prefixed=False)
    operation = document["paths"]["/api/sessions/{session_id}"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "404"} <= set(operation["responses"])
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "securitySchemes" not in openapi_document([liaptui], prefixed=False)["components"]


def test_websocket_routes_are_documented_with_101_and_426():
    operation = openapi_document([liaptui], prefixed=True)["paths"]["/liaptui/ws/{room_id}"]["get"]
    assert operation["parameters"][0]["name"] == "room_id"
    assert set(operation["responses"]) == {"101", "426", "default"}
    assert operation["responses"]["426"]["headers"]["Upgrade"]["schema"]["const"] == "websocket"


def test_operation_ids_are_unique():
    document = openapi_document([notes, *SHIPPED], prefixed=True)
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


async def test_the_served_root_document_has_the_engine_routes_and_is_valid():
    async with serve_apps([notes, *SHIPPED], prefixed=True) as served:
        document = (await served.client.get("/openapi.json")).json()
        validate(document)
        for path in ("/", "/docs", "/health", "/metrics", "/openapi.json"):
            assert "get" in document["paths"][path], path
        metrics = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
        assert metrics == {"text/plain": {"schema": {"type": "string"}}}
        for app in (notes, *SHIPPED):
            alone = (await served.client.get(f"/{app.name}/openapi.json")).json()
            validate(alone)
            assert alone["info"]["version"] == PACKAGE_VERSION


@pytest.mark.parametrize("prefixed", [False, True])
def test_every_path_template_parameter_is_declared_websocket_upgrades_included(prefixed) -> None:
    for app in SHIPPED:
        document = openapi_document([app], prefixed=prefixed)
        for path, operations in document["paths"].items():
            templated = set(re.findall(r"\{(\w+)\}", path))
            for method, operation in operations.items():
                declared = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
                assert declared == templated, (method, path)
