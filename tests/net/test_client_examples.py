"""The examples of ``engine.net.client``'s docstring run against a real server."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import engine.net.client
from engine.apps.watchparty.app import app as watchparty
from engine.testing import serve_apps

_EXAMPLE = re.compile(r"::\n\n((?:    .*\n|\n)+)")
_BASE_URL = "http://127.0.0.1:8000"


def examples() -> list[str]:
    """Each ``::`` block of the module docstring that opens a client."""
    doc = engine.net.client.__doc__ or ""
    blocks = [textwrap.dedent(block) for block in _EXAMPLE.findall(doc)]
    return [block for block in blocks if "open_client(" in block]


async def test_the_module_docstring_example_works() -> None:
    (example,) = examples()
    assert _BASE_URL in example
    fast_hashes = {"PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4"}
    async with serve_apps([watchparty], prefixed=True, environ=fast_hashes) as served:
        code = "async def example():\n" + textwrap.indent(
            example.replace(_BASE_URL, served.base_url), "    "
        )
        namespace: dict[str, Any] = {"open_client": engine.net.client.open_client}
        exec(compile(code, "engine/net/client.py docstring", "exec"), namespace)
        await namespace["example"]()
