"""Where sessions are created and found: one dynamic supervisor of session actors.

A session actor is registered as ``("watchparty.session", id)``. ``find`` returns the live one,
or restores it from the store on first use after a restart, or None for an id that is unknown
or expired. ``start_session_directory`` restores every saved session at start-up, so that each
one's expiry timer runs (and a session that expired while the process was down is deleted)
even if nobody asks for it again.
"""

from __future__ import annotations

import uuid
from typing import final

import attrs

from engine.actors import ActorRef
from engine.store import Record, Store, get_or_restore
from engine.supervisors import ActorSpec, ActorSystem, RestartType, Supervisor, SupervisorSpec

from .clock import TrioWallClock
from .messages import Open, Ticket
from .session import SessionSettings, SessionState, new_session
from .session_actor import SESSION_KIND, SessionActor

__all__ = ["SessionDirectory", "start_session_directory"]

# One session crashing over and over must not take the other sessions down with it.
_MAX_RESTARTS = 1000
_MAX_SECONDS = 1.0


@final
@attrs.define(eq=False)
class SessionDirectory:
    """Creates sessions and finds them by id. Made by ``start_session_directory``."""

    store: Store
    supervisor: Supervisor
    settings: SessionSettings
    clock: TrioWallClock

    async def create(self, name: str, password_hash: str) -> Ticket:
        """Start a new session and seat its host; the host's ticket.

        ``name`` must already be valid (``validation.normalise_name``). The session is durable
        when this returns. If seating the host fails (the store failed, say), the half-made
        session is stopped and the error propagates.
        """
        session_id = str(uuid.uuid4())
        seed = new_session(
            session_id, name, password_hash, str(uuid.uuid4()), self.clock.now(), self.settings
        )
        ref = await self.supervisor.start_child(
            ActorSpec(
                lambda: self._actor(session_id, seed=seed),
                name=(SESSION_KIND, session_id),
                restart=RestartType.TRANSIENT,
            )
        )
        try:
            return await ref.ask(Open())
        except Exception:
            # Nothing was saved: without this it would sit hostless in memory until it expired.
            await self.supervisor.terminate_child(ref)
            raise

    async def find(self, session_id: str) -> ActorRef | None:
        """The session's actor, restored from the store if need be; None if there is no such
        session or it has expired. ``session_id`` must be in canonical form
        (``validation.parse_session_id``)."""
        return await self._restore(session_id, None)

    async def restore_all(self) -> int:
        """Start every saved session that is not running (deleting expired ones); how many
        are running afterwards."""
        running = 0
        for session_id, record in await self.store.load_all(SESSION_KIND):
            if await self._restore(session_id, record) is not None:
                running += 1
        return running

    async def _restore(self, session_id: str, record: Record | None) -> ActorRef | None:
        # The record read at start-up is good for the first incarnation only: one restarted
        # after a crash must read what the crashed one last saved.
        records = iter([record])
        return await get_or_restore(
            self.supervisor,
            (SESSION_KIND, session_id),
            lambda: self._actor(session_id, preloaded=next(records, None)),
        )

    def _actor(
        self, session_id: str, *, seed: SessionState | None = None, preloaded: Record | None = None
    ) -> SessionActor:
        return SessionActor(
            self.store,
            session_id,
            settings=self.settings,
            clock=self.clock,
            seed=seed,
            preloaded=preloaded,
        )


async def start_session_directory(
    system: ActorSystem,
    store: Store,
    *,
    settings: SessionSettings,
    clock: TrioWallClock,
) -> SessionDirectory:
    """Start the sessions' supervisor under ``system``, restore every saved session, and return
    the directory. The sessions stop with the system."""
    supervisor = await system.start_supervisor(
        SupervisorSpec(
            id="watchparty.sessions", max_restarts=_MAX_RESTARTS, max_seconds=_MAX_SECONDS
        )
    )
    directory = SessionDirectory(store, supervisor, settings, clock)
    await directory.restore_all()
    return directory
