"""The session index: party codes and each player's unfinished sessions, from listings."""

from __future__ import annotations

import random

import attrs

from engine.apps.quipflip.index import Listing, SessionIndex
from engine.apps.quipflip.party import SessionStatus

from quipflip_play import make_lobby


def listing(session_id: str, code: str, players: set[str], status: SessionStatus) -> Listing:
    return Listing(session_id, code, "Ada", len(players), 2, 9, 1.0, status, frozenset(players))


def test_codes_and_members_follow_the_listings() -> None:
    index = SessionIndex()
    index.report("s1", listing("s1", "ABCD2345", {"p1", "p2"}, SessionStatus.OPEN))
    index.report("s2", listing("s2", "WXYZ6789", {"p2"}, SessionStatus.IN_PROGRESS))
    assert index.by_code("ABCD2345") == "s1" and index.code_taken("WXYZ6789")
    assert index.sessions_of("p2") == {"s1", "s2"}
    # p2 left s1; s2 finished: a finished session holds nobody.
    index.report("s1", listing("s1", "ABCD2345", {"p1"}, SessionStatus.OPEN))
    index.report("s2", listing("s2", "WXYZ6789", {"p2"}, SessionStatus.COMPLETED))
    assert index.sessions_of("p2") == frozenset()
    assert index.listing("s2") is not None
    index.report("s1", None)
    assert index.by_code("ABCD2345") is None and index.sessions_of("p1") == frozenset()
    assert index.listing("s1") is None


def test_a_listing_of_a_session() -> None:
    state = make_lobby(random.Random(1), humans=2, ais=1)
    state = attrs.evolve(state, session_id="s1")
    shown = Listing.of(state)
    assert (shown.session_id, shown.party_code, shown.host_username) == (
        "s1",
        "ABCD2345",
        "player0",
    )
    assert shown.players == {"p0", "p1"} and shown.participant_count == 3
    assert not shown.joinable  # make_lobby fills its lobby
    assert attrs.evolve(shown, max_players=4).joinable
    assert not attrs.evolve(shown, max_players=4, status=SessionStatus.IN_PROGRESS).joinable
    # It holds its human players until it is over; its AI players are nobody's.
    assert shown.holds("p1") and not shown.holds("p2") and not shown.holds("p9")
    assert not attrs.evolve(shown, status=SessionStatus.COMPLETED).holds("p1")
