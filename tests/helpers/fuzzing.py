"""What the fuzz tests share: the apps (every shipped one), their environment, and the bounds."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from engine.cli import available_apps

#: Every shipped app, as ``party-engine serve`` serves them.
ALL_APPS = tuple(available_apps().values())

#: No bot or turn delays, bcrypt at its lowest cost: the fuzz is about input, not pacing.
FUZZ_ENVIRON = {
    "PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0",
    "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0",
    "PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4",
}

#: Bounded: a few dozen examples per route or operation, no per-example deadline (a shared
#: 2-core machine is slow at times), the same examples on every CI run (``CI=true``) and new
#: ones in development. A failure prints the blob that reproduces it.
FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: HTTP requests are cheaper than a WebSocket example (three connections and a party).
HTTP_FUZZ_SETTINGS = settings(FUZZ_SETTINGS, max_examples=60)
