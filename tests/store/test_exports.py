"""engine.store's public names."""

import types

import engine.store


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.store).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {
        "Record",
        "Store",
        "StoreClosed",
        "StoreError",
        "StoreStatistics",
        "LatencyHistogram",
        "VersionConflict",
        "JsonText",
        "open_store",
        "prompt_handoffs",
        "PersistentActor",
        "Superseded",
        "STATE_CONVERTER",
        "get_or_restore",
        "NotSaved",
    }
