"""Hypothesis-generated frames against every WebSocket route of every shipped app (issue 9).

Each app's routes are found as registered (``engine.cli.available_apps``), so a new app is
fuzzed with no code here. One server serves every app, under its prefix, for a whole route's
examples, and a control member stays connected to the party being fuzzed throughout (to the
end of the test when the route's examples share one party, as the lobby's and a watch party's
do; a room is new each example, its four seats being too few to share). Each example: a
fuzzed member of the same party sends one to eight hostile frames (random JSON, wrong types and
unknown events made from the route's own messages, huge, deep, non-finite, surrogate and
binary frames), then something happens that every member hears. The example passes when the
control member hears it, the fuzzed connection was not closed 1011 (nor cut without a close),
and nothing crashed (`supervision.crashes`: no restart, no party stopped, no app set up again).
Routes with no entry in ``party_members.MEMBERS`` are fuzzed anonymously.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

import attrs
import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st

from engine.net.client import (
    Client,
    ClientWebSocket,
    ReceiveTimeout,
    WebSocketClosed,
    WebSocketRejected,
)
from engine.testing import Served
from engine.web import WebSocketRoute

from fuzzing import ALL_APPS, FUZZ_SETTINGS, FuzzTally, in_worker_thread, serve_for_fuzz
from hostile_json import frames, sharp_sweep
from party_members import MEMBERS, WAIT, Members, Party
from supervision import crashes

ROUTES = [(app.name, route) for app in ALL_APPS for route in app.routes.websockets]

#: Closes a server may choose for what a client sent (policy, too big, unsupported data,
#: invalid payload, normal) or that an app defines (4000-4999). 1011 is a server error.
POLICY_CLOSES = {1000, 1003, 1007, 1008, 1009}


def _allowed(code: int | None) -> bool:
    return code in POLICY_CLOSES or (code is not None and 4000 <= code <= 4999)


async def _send_all(ws: ClientWebSocket, batch: Sequence[str | bytes]) -> int:
    """Send ``batch`` until the server closes; the number sent."""
    for sent, frame in enumerate(batch):
        try:
            await (ws.write_bytes(frame) if isinstance(frame, bytes) else ws.write_text(frame))
        except WebSocketClosed:
            return sent
    return len(batch)


async def _fuzzed(ws: ClientWebSocket, batch: Sequence[str | bytes], tally: FuzzTally) -> None:
    tally.frames += await _send_all(ws, batch)
    await ws.close()
    # The server's own close if it closed first, else its answer to ours (1000).
    tally.close_codes[ws.close_code] += 1
    assert _allowed(ws.close_code), f"closed {ws.close_code} {ws.close_reason!r} after {batch!r}"[
        :2000
    ]


@attrs.define(eq=False)
class Controls:
    """The control member of the party being fuzzed, connected until another party is fuzzed
    or the test ends. Each is held open by a task of its own in ``nursery`` (a WebSocket belongs
    to the task that opened it, and examples run in tasks of their own)."""

    nursery: trio.Nursery
    client: Client
    _party: Party | None = None
    _control: ClientWebSocket | None = None
    _holder: trio.CancelScope | None = None

    async def of(self, party: Party) -> ClientWebSocket:
        if self._control is None or party != self._party:
            if self._holder is not None:
                self._holder.cancel()
            self._control, self._holder = await self.nursery.start(self._hold, party)
            self._party = party
        return self._control

    async def _hold(self, party: Party, task_status: trio.TaskStatus[object]) -> None:
        with trio.CancelScope() as holder:
            async with party.member(self.client, "control") as control:
                task_status.started((control, holder))
                await trio.sleep_forever()


async def _with_control(
    controls: Controls,
    members: Members,
    base: str,
    batch: Sequence[str | bytes],
    tally: FuzzTally,
) -> None:
    client = controls.client
    party = await members.party(client, base)
    control = await controls.of(party)
    async with party.member(client, "fuzzed") as ws:
        await _fuzzed(ws, batch, tally)
    heard = await party.provoke(client)
    try:
        await control.receive_until(heard, WAIT)
    except (ReceiveTimeout, WebSocketClosed) as exc:
        pytest.fail(
            f"the control member heard nothing ({exc}) after {party.path} got {batch!r}"[:3000]
        )


async def _anonymous(
    client: Client,
    path: str,
    batch: Sequence[str | bytes],
    tally: FuzzTally,
    query: Mapping[str, str] | None = None,
) -> None:
    try:
        async with client.websocket(path, params=query) as ws:
            tally.upgrades[101] += 1
            await _fuzzed(ws, batch, tally)
    except WebSocketRejected as rejected:
        tally.upgrades[rejected.status_code] += 1
        assert rejected.status_code < 500, (path, query, rejected.body)


@pytest.mark.parametrize(
    ("app_name", "route"), ROUTES, ids=[f"{name}:{route.path}" for name, route in ROUTES]
)
async def test_hostile_frames_crash_nothing_and_the_party_keeps_serving(
    app_name: str, route: WebSocketRoute, tally: FuzzTally
) -> None:
    make_members = MEMBERS.get((app_name, route.path))
    members = make_members() if make_members is not None else None
    templates = members.templates if members is not None else ()
    base = f"/{app_name}"
    tally.routes.add(base + route.path)
    if members is None:
        tally.without_control.add(base + route.path)

    async with serve_for_fuzz(tally) as served, trio.open_nursery() as nursery:
        controls = Controls(nursery, served.client)

        async def example(batch: Sequence[str | bytes]) -> None:
            if members is not None:
                await _with_control(controls, members, base, batch, tally)
            else:
                path = base + re.sub(r"\{\w+\}", "fuzz", route.path)
                await _anonymous(served.client, path, batch, tally)
            _assert_no_crash(served)

        @FUZZ_SETTINGS
        @given(st.lists(frames(templates), min_size=1, max_size=8))
        def fuzz(batch: Sequence[str | bytes]) -> None:
            trio.from_thread.run(example, batch)

        await in_worker_thread(fuzz)
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize(
    ("app_name", "route"), ROUTES, ids=[f"{name}:{route.path}" for name, route in ROUTES]
)
async def test_hostile_upgrades_are_never_a_server_error(
    app_name: str, route: WebSocketRoute, tally: FuzzTally
) -> None:
    """Any path parameter and query (forged tokens, odd ids): refused with a 4xx, or served and
    closed with a policy code."""
    names = re.findall(r"\{(\w+)\}", route.path)
    async with serve_for_fuzz(tally) as served:

        async def upgrade(values: list[str], query: dict[str, str]) -> None:
            path = route.path
            for name, value in zip(names, values, strict=True):
                path = path.replace(f"{{{name}}}", quote(value, safe=""))
            await _anonymous(served.client, f"/{app_name}{path}", [], tally, query)
            _assert_no_crash(served)

        @FUZZ_SETTINGS
        @given(
            st.lists(st.text(min_size=1, max_size=40), min_size=len(names), max_size=len(names)),
            st.dictionaries(
                st.one_of(st.just("token"), st.text(max_size=8)), st.text(max_size=300), max_size=3
            ),
        )
        def fuzz(values: list[str], query: dict[str, str]) -> None:
            trio.from_thread.run(upgrade, values, query)

        await in_worker_thread(fuzz)


#: Frames per connection in the sweep: within every app's per-connection rate limit burst.
SWEEP_BATCH = 50


@pytest.mark.parametrize(
    ("app_name", "path"), list(MEMBERS), ids=[f"{name}:{path}" for name, path in MEMBERS]
)
async def test_every_sharp_value_in_every_field_crashes_nothing(
    app_name: str, path: str, tally: FuzzTally
) -> None:
    """The deterministic complement of the random fuzz: each known kind of hostile value in
    each field of each message the route accepts (`hostile_json.sharp_sweep`)."""
    members = MEMBERS[app_name, path]()
    sweep = sharp_sweep(members.templates)
    async with serve_for_fuzz(tally) as served, trio.open_nursery() as nursery:
        controls = Controls(nursery, served.client)
        for start in range(0, len(sweep), SWEEP_BATCH):
            await _with_control(
                controls, members, f"/{app_name}", sweep[start : start + SWEEP_BATCH], tally
            )
            _assert_no_crash(served)
        nursery.cancel_scope.cancel()


def _assert_no_crash(served: Served) -> None:
    assert crashes(served.engine) == 0, "an actor, party or app crashed"


def test_every_member_entry_names_a_registered_route() -> None:
    """A renamed route must not silently lose its control member."""
    registered = {(name, route.path) for name, route in ROUTES}
    assert set(MEMBERS) <= registered, set(MEMBERS) - registered
