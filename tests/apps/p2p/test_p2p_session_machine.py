"""The session rules driven by random sequences of requests: the invariants hold throughout."""

from __future__ import annotations

import contextlib

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine.apps.p2p.sessions import (
    activate,
    add_player,
    close,
    is_abandoned,
    remove_player,
)
from engine.apps.p2p.statuses import SessionStatus
from engine.errors import AppError

from p2p_values import T0, session

EMPTY = 600.0
players = st.sampled_from([f"player-{n}" for n in range(8)])


class SessionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.session = session(max_players=4)
        self.closed_as: SessionStatus | None = None

    def _apply(self, change) -> None:
        # A refused request leaves the session as it was, as the actor keeps its state.
        with contextlib.suppress(AppError):
            self.session = change(self.session)

    @rule(player=players)
    def add(self, player: str) -> None:
        self._apply(lambda s: add_player(s, player))

    @rule(player=players)
    def remove(self, player: str) -> None:
        self._apply(lambda s: remove_player(s, player, now=self.now))

    @rule()
    def activate(self) -> None:
        self._apply(activate)

    @rule(seconds=st.floats(0, 900))
    def wait(self, seconds: float) -> None:
        self.now += seconds
        if is_abandoned(self.session, self.now, EMPTY):
            self.session = close(self.session, SessionStatus.ENDED, now=self.now)

    @rule(status=st.sampled_from([SessionStatus.ENDED, SessionStatus.FAILED]))
    def close(self, status: SessionStatus) -> None:
        if self.closed_as is None and self.session.status.is_open:
            self.closed_as = status
        self.session = close(self.session, status, now=self.now)

    @invariant()
    def capacity_holds(self) -> None:
        assert len(set(self.session.players)) == self.session.current_players
        assert self.session.current_players <= self.session.max_players

    @invariant()
    def empty_clock_matches_players(self) -> None:
        if self.session.status.is_open:
            assert (self.session.empty_since is None) == bool(self.session.players)

    @invariant()
    def closing_is_final(self) -> None:
        if self.closed_as is not None:
            assert self.session.status is self.closed_as


SessionMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestSessionMachine = SessionMachine.TestCase
