import attrs
import pytest
import trio

from engine.actors import Actor, NameTaken, on
from engine.supervisors import ChildStartFailed


@attrs.frozen
class Ping:
    pass


class Slow(Actor):
    """Takes a while to start, so concurrent creators overlap."""

    starts = 0

    async def on_start(self):
        type(self).starts += 1
        for _ in range(10):  # yield a few times so the other creators run meanwhile
            await trio.lowlevel.checkpoint()

    @on(Ping)
    def ping(self, msg):
        return "pong"


async def test_register_lookup_and_release_on_stop(system):
    ref = await system.spawn(Slow, name=("room", "A"))
    assert system.lookup(("room", "A")) is ref
    assert list(system.registry.names("room")) == [("room", "A")]
    with pytest.raises(NameTaken):
        await system.spawn(Slow, name=("room", "A"))
    await system.stop(ref)
    assert system.lookup(("room", "A")) is None
    assert await system.spawn(Slow, name=("room", "A")) is not ref


async def test_concurrent_get_or_start_makes_one_actor(system):
    Slow.starts = 0
    refs = []

    async def create():
        refs.append(await system.get_or_spawn(Slow, name=("party", "X")))

    async with trio.open_nursery() as nursery:
        for _ in range(20):
            nursery.start_soon(create)
    assert Slow.starts == 1
    assert len(set(refs)) == 1
    assert await refs[0].ask(Ping()) == "pong"


async def test_failed_start_frees_the_name(system):
    class Broken(Actor):
        async def on_start(self):
            raise RuntimeError("cannot start")

    with pytest.raises(ChildStartFailed, match="cannot start"):
        await system.spawn(Broken, name="b")
    assert system.lookup("b") is None
