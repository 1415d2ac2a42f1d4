import pytest

from engine.supervisors import open_actor_system


@pytest.fixture
async def system():
    async with open_actor_system() as system:
        yield system
