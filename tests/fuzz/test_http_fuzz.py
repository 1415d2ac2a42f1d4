"""Every app's HTTP API fuzzed over the real server (issue 9): no request may get a 5xx or
crash anything (`supervision.crashes`: restarts, parties stopped, apps set up again).

Schemathesis generates requests, valid and invalid, from the engine's own ``/openapi.json`` (every
app, under its prefix, as ``party-engine serve`` publishes it), so a new app's routes are fuzzed as
soon as they are registered. Routes whose bodies the document does not describe (an app that parses
its body itself) get hostile bodies too: random JSON, JSON no library would write, and bytes that
are not UTF-8, on every declared route that takes a body.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from fuzzing import (
    ALL_APPS,
    HTTP_FUZZ_SETTINGS,
    FuzzTally,
    client_addresses,
    in_worker_thread,
    serve_for_fuzz,
    session_from,
)
from hostile_json import BODIES

#: (app name, method, path as declared) of every route that may carry a body.
BODY_ROUTES = [
    (app.name, route.method, route.path)
    for app in ALL_APPS
    for route in app.routes.http
    if route.method in ("POST", "PUT", "PATCH")
]


async def test_schemathesis_finds_no_server_error(tally: FuzzTally) -> None:
    async with serve_for_fuzz(tally) as served:
        addresses = client_addresses()

        def fuzz_every_operation() -> None:
            schema = schemathesis.openapi.from_url(f"{served.base_url}/openapi.json")
            operations = []
            for result in schema.get_all_operations():
                if isinstance(result, Err):
                    raise result.err()  # a route the document describes wrongly
                operations.append(result.ok())
            assert operations, "the OpenAPI document lists no operation"
            for operation in operations:

                @HTTP_FUZZ_SETTINGS
                @given(case=st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode)))
                def fuzz(case: schemathesis.Case) -> None:
                    with session_from(next(addresses)) as session:
                        response = case.call(base_url=served.base_url, session=session, timeout=10)
                    tally.answered(response.status_code)
                    assert response.status_code < 500, (
                        f"{case.as_curl_command()}\n-> {response.status_code} {response.text[:500]}"
                    )

                fuzz()

        await in_worker_thread(fuzz_every_operation)


@pytest.mark.parametrize(
    ("app_name", "method", "path"), BODY_ROUTES, ids=[f"{a}:{m} {p}" for a, m, p in BODY_ROUTES]
)
async def test_hostile_bodies_are_never_a_server_error(
    app_name: str, method: str, path: str, tally: FuzzTally
) -> None:
    url = f"/{app_name}{path}".replace("{", "").replace("}", "")
    addresses = client_addresses()
    async with serve_for_fuzz(tally) as served:

        @HTTP_FUZZ_SETTINGS
        @given(body=BODIES)
        def fuzz(body: bytes) -> None:
            transport = httpx.HTTPTransport(local_address=next(addresses))
            with httpx.Client(base_url=served.base_url, transport=transport, timeout=10) as client:
                response = client.request(
                    method, url, content=body, headers={"Content-Type": "application/json"}
                )
            tally.answered(response.status_code)
            assert response.status_code < 500, (
                f"{method} {url} {body[:300]!r} -> {response.status_code} {response.text[:500]}"
            )

        await in_worker_thread(fuzz)
