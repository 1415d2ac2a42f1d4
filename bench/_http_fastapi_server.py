"""FastAPI + uvicorn's side of bench/rest.py: the same four cases, written the FastAPI way.

    python bench/_http_fastapi_server.py PORT

uvicorn with uvloop and httptools, one process, no access log. Items live in a dict (FastAPI
has no actors, so its read is a plain lookup: the baseline is the cheaper one). The body is a
pydantic model with the same rules as the engine's. Prints ``ready`` once listening.
"""

from __future__ import annotations

import socket
import sys

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

app = FastAPI()


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=50, strict=True)
    price: float = Field(ge=0, strict=True)


class Item(BaseModel):
    id: int
    name: str
    price: float


items: dict[int, Item] = {1: Item(id=1, name="first", price=1.0)}


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> Item:
    try:
        return items[item_id]
    except KeyError:
        raise HTTPException(404, f"item {item_id} not found") from None


@app.post("/items", status_code=201)
async def create_item(new: NewItem) -> Item:
    item = Item(id=len(items) + 1, name=new.name, price=new.price)
    items[item.id] = item
    return item


class _Announcing(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        print("ready", flush=True)


if __name__ == "__main__":
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="off",
    )
    _Announcing(config).run()
