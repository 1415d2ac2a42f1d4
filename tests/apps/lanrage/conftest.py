"""Values shared by LANrage's rule tests."""

from collections.abc import Callable

import pytest

from engine.apps.lanrage.identity import generate_identity
from engine.apps.lanrage.nat import NatType
from engine.apps.lanrage.party import PeerInfo


@pytest.fixture
def make_peer() -> Callable[..., PeerInfo]:
    """A valid ``PeerInfo`` with a fresh identity; keyword arguments override its fields."""

    def make(name: str = "Alice", **overrides: object) -> PeerInfo:
        identity = generate_identity()
        values: dict[str, object] = {
            "peer_id": identity.peer_id,
            "name": name,
            "public_key": identity.public_key,
            "nat_type": NatType.UNKNOWN,
            "endpoint": None,
        }
        values.update(overrides)
        return PeerInfo(**values)  # type: ignore[arg-type]

    return make
