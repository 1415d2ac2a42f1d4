"""What the app knows of every session without asking it: its listing, and two lookups.

Each session reports a ``Listing`` after every commit that changes it (the party layer's
``summary``); ``SessionIndex.report`` receives them (``PartyDirectory.listen``) and keeps the
party codes in use and the unfinished sessions of each human player. Every saved session is
restored when the app starts, so the index covers them all. In a cluster the listing is every
node's, and another node's changes arrive a moment after that node's answers: what the index
says of a player is a hint that the sessions it names confirm (``players``). Used from one Trio
thread; nothing here waits.
"""

from __future__ import annotations

import attrs

from .party import PartyState, SessionStatus

__all__ = ["Listing", "SessionIndex"]


@attrs.frozen
class Listing:
    """A session as the lobby list and the lookups see it."""

    session_id: str
    party_code: str
    host_username: str
    participant_count: int
    min_players: int
    max_players: int
    created_at: float
    status: SessionStatus
    #: The human participants' player ids.
    players: frozenset[str]

    @classmethod
    def of(cls, state: PartyState) -> Listing:
        return cls(
            session_id=state.session_id,
            party_code=state.party_code,
            host_username=state.host.username,
            participant_count=len(state.participants),
            min_players=state.config.min_players,
            max_players=state.config.max_players,
            created_at=state.created_at,
            status=state.status,
            players=frozenset(p.player_id for p in state.humans),
        )

    @property
    def joinable(self) -> bool:
        return self.status is SessionStatus.OPEN and self.participant_count < self.max_players

    def holds(self, player_id: str) -> bool:
        """Whether the session, unfinished, has ``player_id`` (a human participant)."""
        return self.status is not SessionStatus.COMPLETED and player_id in self.players


@attrs.define(eq=False)
class SessionIndex:
    """Party codes to session ids, and each player's unfinished sessions."""

    _codes: dict[str, str] = attrs.field(factory=dict)
    _listings: dict[str, Listing] = attrs.field(factory=dict)
    _sessions_of: dict[str, set[str]] = attrs.field(factory=dict)

    def report(self, session_id: str, listing: Listing | None) -> None:
        """A session's new listing (None: it is gone)."""
        old = self._listings.pop(session_id, None)
        if old is not None:
            self._codes.pop(old.party_code, None)
            for player_id in self._unfinished(old):
                held = self._sessions_of[player_id]
                held.discard(session_id)
                if not held:
                    del self._sessions_of[player_id]
        if listing is None:
            return
        self._listings[session_id] = listing
        self._codes[listing.party_code] = session_id
        for player_id in self._unfinished(listing):
            self._sessions_of.setdefault(player_id, set()).add(session_id)

    def by_code(self, party_code: str) -> str | None:
        return self._codes.get(party_code)

    def listing(self, session_id: str) -> Listing | None:
        return self._listings.get(session_id)

    def code_taken(self, party_code: str) -> bool:
        return party_code in self._codes

    def sessions_of(self, player_id: str) -> frozenset[str]:
        """The unfinished (OPEN or IN_PROGRESS) sessions ``player_id`` is in."""
        return frozenset(self._sessions_of.get(player_id, ()))

    @staticmethod
    def _unfinished(listing: Listing) -> frozenset[str]:
        return frozenset() if listing.status is SessionStatus.COMPLETED else listing.players
