"""Sessions and lobby seats nobody uses any more.

- A session is abandoned once it is older than the session age limit (24 hours by default),
  whatever its phase: whoever owns it deletes it.
- In the lobby, a human participant who is not connected to the party WebSocket and has done
  nothing (joined, marked ready) for the idle limit (30 minutes by default) is idle: the owner
  removes them as if they had left (``lobby.leave``), host hand-over included. Once a party
  has started nobody is removed: the phase timers keep the game moving without them.
"""

from __future__ import annotations

from collections.abc import Collection

from .party import PartyState

__all__ = ["abandoned", "idle_participants"]


def abandoned(state: PartyState, now: float, max_age: float) -> bool:
    return now - state.created_at >= max_age


def idle_participants(
    state: PartyState, now: float, idle_timeout: float, connected: Collection[str]
) -> tuple[str, ...]:
    """The player ids to remove from the lobby, in join order (none once started)."""
    if state.started:
        return ()
    return tuple(
        p.player_id
        for p in state.humans
        if p.player_id not in connected
        and now - max(p.joined_at, p.ready_at or p.joined_at) >= idle_timeout
    )
