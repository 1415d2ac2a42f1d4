import attrs
import trio

from engine.actors import Actor, Overflow, Topic, on


@attrs.frozen
class News:
    n: int


@attrs.frozen
class Seen:
    pass


@attrs.frozen
class Block:
    pass


class Reader(Actor):
    async def on_start(self):
        self.news = []
        self.gate = trio.Event()

    @on(News)
    def news_(self, msg):
        self.news.append(msg.n)

    @on(Seen)
    def seen(self, msg):
        return list(self.news)

    @on(Block)
    async def block(self, msg):
        await self.gate.wait()


async def test_publish_reaches_every_subscriber(system):
    topic = Topic("t")
    readers = [await system.spawn(Reader) for _ in range(50)]
    for ref in readers:
        topic.subscribe(ref)
    for n in range(3):
        assert topic.publish(News(n)) == 50
    for ref in readers:
        assert await ref.ask(Seen()) == [0, 1, 2]


async def test_a_full_subscriber_misses_messages_alone(system):
    topic = Topic()
    fast = await system.spawn(Reader)
    slow = await system.spawn(
        Reader, mailbox_capacity=2, overflow=Overflow.DROP_NEWEST, shutdown=0.01
    )
    topic.subscribe(fast)
    topic.subscribe(slow)
    slow.tell(Block())
    await trio.testing.wait_all_tasks_blocked()
    for n in range(5):
        topic.publish(News(n))
    assert await fast.ask(Seen()) == [0, 1, 2, 3, 4]
    assert topic.statistics().dropped == 3


async def test_stopped_subscriber_is_dropped(system):
    topic = Topic()
    ref = await system.spawn(Reader)
    topic.subscribe(ref)
    await system.stop(ref)
    assert topic.publish(News(1)) == 0
    assert len(topic) == 0
