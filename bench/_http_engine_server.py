"""party-engine's side of bench/rest.py: the four cases as declared `Routes`, served by
`Engine.serve`.

    python bench/_http_engine_server.py PORT [--through-quart]

Items live in one actor; reads and creates are asks to it, a missing item is its rejection
(404). Prints ``ready`` once listening; SIGTERM or SIGINT stops it gracefully.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from engine.actors import Actor, Rejection, on
from engine.collector import collect_young, freeze_survivors
from engine.supervisors import ActorSpec, SupervisorSpec
from engine.web import AppSpec, Request, Routes, open_engine


def _check_name(instance: Any, attribute: Any, value: str) -> None:
    if not 1 <= len(value) <= 50:
        raise ValueError("name must be 1-50 characters")


def _check_price(instance: Any, attribute: Any, value: float) -> None:
    if value < 0:
        raise ValueError("price must not be negative")


@attrs.frozen
class NewItem:
    name: str = attrs.field(validator=_check_name)
    price: float = attrs.field(validator=_check_price)


@attrs.frozen
class Item:
    id: int
    name: str
    price: float


@attrs.frozen
class Create:
    item: NewItem


@attrs.frozen
class Read:
    id: int


class NoSuchItem(Rejection):
    status = 404


class Items(Actor):
    async def on_start(self) -> None:
        self.items: dict[int, Item] = {1: Item(1, "first", 1.0)}

    @on(Create)
    def create(self, msg: Create) -> Item:
        item = Item(len(self.items) + 1, msg.item.name, msg.item.price)
        self.items[item.id] = item
        return item

    @on(Read)
    def read(self, msg: Read) -> Item:
        try:
            return self.items[msg.id]
        except KeyError:
            raise NoSuchItem(f"item {msg.id} not found") from None


routes = Routes()


@routes.get("/hello")
async def hello(request: Request) -> dict[str, str]:
    return {"hello": "world"}


@routes.get("/items/{item_id}", response=Item)
async def read_item(request: Request) -> Item:
    return await request.context.ask(Read(int(request.params["item_id"])))


@routes.post("/items", body=NewItem, response=Item, status=201)
async def create_item(request: Request) -> Item:
    return await request.context.ask(Create(request.body))


@asynccontextmanager
async def setup(engine: Any) -> AsyncIterator[Any]:
    supervisor = await engine.system.start_supervisor(SupervisorSpec(id="bench"))
    yield await supervisor.start_child(ActorSpec(Items, name="items"))


app = AppSpec(name="bench", routes=routes, setup=setup)


async def main(port: int, through_quart: bool) -> None:
    async def until_signal() -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                return

    async with (
        open_engine([app], environ={}) as engine,
        contextlib.AsyncExitStack() as collector,
        trio.open_nursery() as nursery,
    ):

        async def serving(task_status: trio.TaskStatus[int]) -> None:
            await engine.serve(
                "127.0.0.1",
                port,
                through_quart=through_quart,
                shutdown_trigger=until_signal,
                task_status=task_status,
            )
            nursery.cancel_scope.cancel()  # the collector's task ends with the server

        await nursery.start(serving)
        collector.enter_context(freeze_survivors())  # as `party-engine serve` does once serving
        nursery.start_soon(collect_young)
        print("ready", flush=True)


if __name__ == "__main__":
    trio.run(main, int(sys.argv[1]), "--through-quart" in sys.argv[2:])
