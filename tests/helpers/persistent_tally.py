"""A persistent actor for the store tests, and a tiny line-protocol server around it.

Run as a script (``python persistent_tally.py STORE_URL``) it serves one tally on a loopback
port, printed on its first stdout line: a line ``N`` adds N and is answered ``N`` once durable;
a line ``?`` is answered with the JSON list of everything added.
"""

from __future__ import annotations

import json
import sys

import attrs
import trio

from engine.actors import Rejection, on
from engine.store import PersistentActor, open_store
from engine.supervisors import open_actor_system


@attrs.frozen
class Tally:
    seen: tuple[int, ...] = ()


@attrs.frozen
class Add:
    n: int


@attrs.frozen
class Seen:
    pass


@attrs.frozen
class Explode:
    n: int


@attrs.frozen
class Close:
    pass


class Duplicate(Rejection):
    pass


class TallyActor(PersistentActor[Tally]):
    kind = "test.tally"
    state_type = Tally

    def initial_state(self) -> Tally:
        return Tally()

    @on(Add)
    def add(self, msg: Add) -> int:
        if msg.n in self.state.seen:
            raise Duplicate(f"{msg.n} already added")
        self.state = attrs.evolve(self.state, seen=(*self.state.seen, msg.n))
        self.record_event(len(self.state.seen), {"n": msg.n})
        return msg.n

    @on(Explode)
    def explode(self, msg: Explode) -> None:
        # Changes the state, then crashes before it could be committed.
        self.state = attrs.evolve(self.state, seen=(*self.state.seen, msg.n))
        raise RuntimeError("crash mid-message")

    @on(Seen)
    def seen_(self, msg: Seen) -> list[int]:
        return list(self.state.seen)

    @on(Close)
    def close(self, msg: Close) -> None:
        self.finish()


async def serve(url: str) -> None:
    async with open_store(url) as store, open_actor_system() as system:
        tally = await system.spawn(
            lambda: TallyActor(store, "t1"), name="tally", mailbox_capacity=10_000
        )

        async def client(stream: trio.SocketStream) -> None:
            buffer = b""
            async with trio.open_nursery() as nursery:
                while data := await stream.receive_some(65536):
                    buffer += data
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        nursery.start_soon(answer, stream, line.decode())

        async def answer(stream: trio.SocketStream, line: str) -> None:
            if line == "?":
                reply = json.dumps(await tally.ask(Seen()))
            else:
                reply = str(await tally.ask(Add(int(line))))
            await stream.send_all(reply.encode() + b"\n")

        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        print(listeners[0].socket.getsockname()[1], flush=True)
        await trio.serve_listeners(client, listeners)


if __name__ == "__main__":
    trio.run(serve, sys.argv[1])
