"""engine.apps.liaptui's public names."""

import types

import engine.apps.liaptui


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.apps.liaptui).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {
        "LiaptuiError",
        "LobbyActor",
        "RoomActor",
        "RoomDirectory",
        "RoomState",
        "Seat",
        "Settings",
        "open_directory",
    }
