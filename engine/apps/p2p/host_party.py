"""``HostParty``: one persistent actor per registered host, keyed by its ``host_id``.

It applies the host rules (``hosts``) to its ``Host`` and keeps one timer: at the host's
offline deadline (``heartbeat_timeout`` after its last heartbeat) it checks the host again and,
if it is still silent, marks it OFFLINE and tells each session it served to close as FAILED.
Every heartbeat or registration moves the deadline. After a restart the deadline is computed
again from the saved last heartbeat and ``engine.clock.now()``, so a host that fell silent while
the server was down goes OFFLINE at once. Its listing in the directory is its ``Host`` value
(lists, the best host and monitoring read those, asking no actor).

Messages to sessions are sent only once the host's change is durable, and never awaited: a
session may ask its host to let go of it at the same moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

import attrs

from engine import clock
from engine.actors import on
from engine.parties import Party

from .hosts import (
    Host,
    attach_session,
    detach_session,
    heartbeat,
    is_stale,
    mark_offline,
    offline_deadline,
    reregister_host,
)
from .messages import CloseSession, Detach, tell
from .requests import HeartbeatRequest, RegisterHostRequest
from .statuses import HostStatus, SessionStatus

if TYPE_CHECKING:
    from .coordinator import Coordinator

__all__ = [
    "Attach",
    "Beat",
    "CheckOffline",
    "HostParty",
    "ReadHost",
    "Reregister",
    "Unregister",
]


@attrs.frozen
class Reregister:
    """Ask: the host registered again (``HostOwnedByAnother``, ``TooManyPlayers``)."""

    request: RegisterHostRequest


@attrs.frozen
class Beat:
    """Ask: a heartbeat; answers the rescored host."""

    request: HeartbeatRequest


@attrs.frozen
class ReadHost:
    """Ask: the host."""


@attrs.frozen
class Unregister:
    """Ask: end the host's open sessions (ENDED) and the host itself."""


@attrs.frozen
class Attach:
    """Ask: serve one more session (``HostUnavailable``, ``HostAtZoneLimit``); answers the
    host."""

    session_id: str
    zone_id: str


@attrs.frozen
class CheckOffline:
    """The offline timer's message."""


_OFFLINE = "offline"


class HostParty(Party[Host, None]):
    kind: ClassVar[str] = "p2p.host"
    state_type: ClassVar[type] = Host
    context: Coordinator

    async def on_ready(self, restored: bool) -> None:
        self._arm()

    def summary(self) -> Host:
        return self.state

    @on(Reregister)
    def _reregister(self, message: Reregister) -> Host:
        self.state = reregister_host(self.state, message.request, now=clock.now())
        self._arm()
        return self.state

    @on(Beat)
    def _beat(self, message: Beat) -> Host:
        self.state = heartbeat(self.state, message.request, now=clock.now())
        self._arm()
        return self.state

    @on(ReadHost)
    def _read(self, _: ReadHost) -> Host:
        return self.state

    @on(Attach)
    def _attach(self, message: Attach) -> Host:
        self.state = attach_session(self.state, message.session_id, message.zone_id)
        return self.state

    @on(Detach)
    def _detach(self, message: Detach) -> None:
        self.state = detach_session(self.state, message.session_id)

    @on(Unregister)
    async def _unregister(self, _: Unregister) -> None:
        await self._close_sessions([s.session_id for s in self.state.sessions], SessionStatus.ENDED)
        self.finish()

    @on(CheckOffline)
    async def _check(self, _: CheckOffline) -> None:
        if not is_stale(self.state, clock.now(), self.context.settings.heartbeat_timeout):
            self._arm()  # a heartbeat moved the deadline after this timer was set
            return
        self.state, failed = mark_offline(self.state)
        await self._close_sessions(failed, SessionStatus.FAILED)

    async def _close_sessions(self, session_ids: Iterable[str], status: SessionStatus) -> None:
        for session_id in session_ids:
            ref = await self.context.sessions.get(session_id)
            if ref is not None:
                close = CloseSession(status, release_host=False)
                self.after_commit(partial(tell, ref, close))

    def _arm(self) -> None:
        if self.state.status is HostStatus.OFFLINE:
            self.cancel_timer(_OFFLINE)
            return
        timeout = self.context.settings.heartbeat_timeout
        delay = offline_deadline(self.state, timeout) - clock.now()
        self.start_timer(_OFFLINE, max(0.0, delay), CheckOffline())
