"""Route options: strict bodies (unknown fields refused) and optional bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs

from engine.testing import serve_apps
from engine.web import AppSpec, Engine, Request, Routes
from engine.web._openapi import openapi_document


@attrs.frozen
class Greeting:
    name: str = "world"


routes = Routes(forbid_extra_keys=True)


@routes.post("/greet", body=Greeting, body_optional=True)
async def greet(request: Request) -> dict[str, Any]:
    """Say hello."""
    return {"hello": request.body.name}


@asynccontextmanager
async def setup(engine: Engine) -> AsyncIterator[None]:
    yield None


app = AppSpec(name="greeter", routes=routes, setup=setup)


async def test_strict_and_optional_bodies() -> None:
    async with serve_apps([app]) as served:
        client = served.client
        assert (await client.post("/greet")).json() == {"hello": "world"}
        assert (await client.post("/greet", json={"name": "Ada"})).json() == {"hello": "Ada"}
        extra = await client.post("/greet", json={"name": "Ada", "mood": "sunny"})
        assert extra.status_code == 422
        assert extra.json()["detail"][0]["msg"] == "unknown fields: mood"


def test_the_document_shows_an_optional_body() -> None:
    document = openapi_document([app], prefixed=False)
    assert document["paths"]["/greet"]["post"]["requestBody"]["required"] is False


async def test_an_unknown_field_with_any_name_is_named() -> None:
    async with serve_apps([app]) as served:
        for name in ("\n", "a\nb"):
            refused = await served.client.post("/greet", json={name: None})
            assert refused.status_code == 422, refused.text
            assert refused.json()["detail"][0]["msg"] == f"unknown fields: {name}"
        # A name that looks like cattrs' own " @ $path" suffix is still refused, not a 500.
        odd = await served.client.post("/greet", json={"@ $x": None})
        assert odd.status_code == 422 and odd.json()["detail"][0]["loc"][0] == "body"
