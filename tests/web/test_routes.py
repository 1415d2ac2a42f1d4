"""Routes: a set declared once and mounted under two prefixes, PATCH, and what the OpenAPI
document says of errors and security."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import pytest

from engine.net import RateLimitRule
from engine.testing import serve_apps
from engine.web import (
    AppSpec,
    Engine,
    HttpError,
    RateLimit,
    Request,
    Routes,
    make_request_converter,
)


@attrs.frozen
class Rename:
    name: str


api = Routes()


@api.get("/things/{name}", responses={404: "no such thing"})
async def get_thing(request: Request) -> dict[str, Any]:
    """Read a thing."""
    return {"name": request.params["name"], "path": request.path}


@api.patch("/things/{name}", body=Rename, security=())
async def rename(request: Request) -> dict[str, Any]:
    """Rename a thing."""
    return {"name": request.body.name}


routes = Routes(
    security_schemes={"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    security=({"key": ()},),
)
routes.include(api, "/api")
routes.include(api, "/api/v1")


@asynccontextmanager
async def setup(engine: Engine) -> AsyncIterator[None]:
    yield None


app = AppSpec(name="things", routes=routes, setup=setup)


async def test_routes_declared_once_are_served_under_each_prefix() -> None:
    async with serve_apps([app], prefixed=False) as served:
        for prefix in ("/api", "/api/v1"):
            answer = await served.client.get(f"{prefix}/things/a")
            assert answer.json() == {"name": "a", "path": f"{prefix}/things/a"}
            renamed = await served.client.patch(f"{prefix}/things/a", json={"name": "b"})
            assert renamed.json() == {"name": "b"}
        assert (await served.client.get("/things/a")).status_code == 404


async def test_openapi_documents_error_responses_and_security() -> None:
    async with serve_apps([app], prefixed=False) as served:
        document = (await served.client.get("/openapi.json")).json()
    things = {path for path in document["paths"] if "things" in path}
    assert things == {"/api/things/{name}", "/api/v1/things/{name}"}
    read = document["paths"]["/api/v1/things/{name}"]["get"]
    assert read["responses"]["404"]["description"] == "no such thing"
    assert read["responses"]["404"]["content"]["application/json"]["example"] == {
        "detail": "no such thing"
    }
    assert read["security"] == [{"key": []}]
    assert document["paths"]["/api/things/{name}"]["patch"]["security"] == []
    assert document["components"]["securitySchemes"] == {
        "key": {"type": "apiKey", "in": "header", "name": "X-Key"}
    }


def test_a_prefix_starts_with_a_slash_and_does_not_end_with_one() -> None:
    for prefix in ("api", "/api/"):
        with pytest.raises(ValueError, match="prefix"):
            Routes().include(api, prefix)


async def _guard(request: Request) -> dict[str, str]:
    if request.headers.get("X-Key") != "k":
        raise HttpError(401, "no key", headers={"WWW-Authenticate": "Key"})
    return {"X-Guarded": "yes"}


guarded = Routes(guard=_guard, converter=make_request_converter(forbid_extra_keys=True))


@guarded.post("/rename", body=Rename)
async def guarded_rename(request: Request) -> dict[str, Any]:
    """Rename, behind the guard."""
    return {"name": request.body.name}


async def _route_guard(request: Request) -> dict[str, str]:
    if request.bearer_token() != "t":
        raise HttpError(401, "no token", headers={"WWW-Authenticate": "Bearer"})
    return {"X-Route-Guarded": "yes"}


@guarded.post("/secret", body=Rename, guard=_route_guard)
async def guarded_secret(request: Request) -> dict[str, Any]:
    """Rename, behind the app's guard and the route's own."""
    return {"name": request.body.name}


guarded_app = AppSpec(name="guarded", routes=guarded, setup=setup)


async def test_the_guard_runs_before_the_body_is_read_and_its_headers_stay() -> None:
    async with serve_apps([guarded_app], prefixed=False) as served:
        client = served.client
        refused = await client.post("/rename", content=b"not json")
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Key"
        ok = await client.post("/rename", json={"name": "b"}, headers={"X-Key": "k"})
        assert ok.json() == {"name": "b"} and ok.headers["X-Guarded"] == "yes"
        # The routes' converter structures the body: this one refuses unknown fields.
        extra = await client.post("/rename", json={"name": "b", "x": 1}, headers={"X-Key": "k"})
        assert extra.status_code == 422 and extra.headers["X-Guarded"] == "yes"


async def test_a_route_guard_runs_after_the_apps_and_before_the_body_is_read() -> None:
    async with serve_apps([guarded_app], prefixed=False) as served:
        client = served.client
        both = {"X-Key": "k", "Authorization": "Bearer t"}
        no_key = await client.post(
            "/secret", json={"name": "b"}, headers={"Authorization": "Bearer t"}
        )
        assert no_key.status_code == 401 and no_key.headers["WWW-Authenticate"] == "Key"
        # A bad body without the route's token is refused by the guard, not the validation.
        no_token = await client.post("/secret", content=b"not json", headers={"X-Key": "k"})
        assert no_token.status_code == 401 and no_token.headers["WWW-Authenticate"] == "Bearer"
        invalid = await client.post("/secret", json={"name": 5}, headers=both)
        assert invalid.status_code == 422 and invalid.headers["X-Route-Guarded"] == "yes"
        ok = await client.post("/secret", json={"name": "b"}, headers=both)
        assert ok.json() == {"name": "b"}
        assert (ok.headers["X-Guarded"], ok.headers["X-Route-Guarded"]) == ("yes", "yes")
        # Other routes of the collection are not behind it.
        plain = await client.post("/rename", json={"name": "b"}, headers={"X-Key": "k"})
        assert plain.status_code == 200


def _parse_rename(data: Any, cls: type) -> Any:
    # An app's own reader: its own words, one error for a body that is not an object.
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise HttpError(400, "Name is required", code="NAME")
    return cls(data["name"].strip())


parsed = Routes(parse_body=_parse_rename)


@parsed.post("/rename", body=Rename)
async def parsed_rename(request: Request) -> dict[str, Any]:
    """Rename, the body read by the app's parser."""
    return {"name": request.body.name}


@parsed.post("/limited", body=Rename, rate_limit=RateLimit(RateLimitRule(2, 60.0)))
async def limited_rename(request: Request) -> dict[str, Any]:
    """Rename, two a minute."""
    return {"name": request.body.name}


parsed_app = AppSpec(name="parsed", routes=parsed, setup=setup)


async def test_an_app_parser_reads_declared_bodies_in_its_own_words() -> None:
    async with serve_apps([parsed_app], prefixed=False) as served:
        ok = await served.client.post("/rename", json={"name": " b "})
        assert (ok.status_code, ok.json()) == (200, {"name": "b"})
        for body in (None, [1], {"name": 3}):
            refused = await served.client.post("/rename", json=body)
            assert (refused.status_code, refused.json()) == (400, {"detail": "Name is required"})
        document = (await served.client.get("/openapi.json")).json()
    body = document["paths"]["/rename"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Rename"}


async def test_the_rate_limit_is_checked_before_the_body_is_parsed() -> None:
    async with serve_apps([parsed_app], prefixed=False) as served:
        client = served.client
        assert (await client.post("/limited", json={"name": "b"})).status_code == 200
        assert (await client.post("/limited", json=[1])).status_code == 400
        # The malformed request counted: the third is over the limit, however good its body.
        assert (await client.post("/limited", json={"name": "c"})).status_code == 429
        assert (await client.post("/limited", json=[1])).status_code == 429
