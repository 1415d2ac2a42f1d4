"""engine.apps.watchparty's public names."""

import types

import engine.apps.watchparty


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.apps.watchparty).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {"SESSION_KIND", "SessionActor", "SessionSettings", "WatchPartySettings"}
