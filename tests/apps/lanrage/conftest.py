"""Values shared by LANrage's rule tests."""

from collections.abc import Callable

import pytest
from lanrage_nodes import peer_info

from engine.apps.lanrage.party import PeerInfo


@pytest.fixture
def make_peer() -> Callable[..., PeerInfo]:
    """A valid ``PeerInfo`` with a fresh identity; keyword arguments override its fields."""
    return peer_info
