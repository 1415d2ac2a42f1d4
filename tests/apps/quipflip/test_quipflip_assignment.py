"""Copy planning and vote picking: the invariants, over every size a party can have."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.apps.quipflip.assignment import pick_phraseset, plan_copies, vote_eligible
from engine.apps.quipflip.party import Copy, Original, Phraseset


def originals_for(counts: list[int]) -> list[Original]:
    return [
        Original(f"o{player}.{k}", f"p{player}", "prompt", f"phrase {player} {k}")
        for player, count in enumerate(counts)
        for k in range(count)
    ]


def max_copies(originals: list[Original], players: list[str], copies: int) -> int:
    """How many copies any assignment could make: a plain augmenting-path max flow (source ->
    player, capacity ``copies``; player -> original not theirs, 2; original -> sink, 2),
    written independently of the planner."""
    capacity: dict[tuple[str, str], int] = {}
    for player in players:
        capacity[("s", player)] = copies
        for original in originals:
            if original.player_id != player:
                capacity[(player, original.original_id)] = 2
    for original in originals:
        capacity[(original.original_id, "t")] = 2
    flow = 0
    while True:
        parents: dict[str, str | None] = {"s": None}
        frontier = ["s"]
        while frontier and "t" not in parents:
            node = frontier.pop()
            for (a, b), cap in capacity.items():
                if a == node and cap > 0 and b not in parents:
                    parents[b] = a
                    frontier.append(b)
        if "t" not in parents:
            return flow
        node = "t"
        while (prev := parents[node]) is not None:
            capacity[(prev, node)] -= 1
            capacity[(node, prev)] = capacity.get((node, prev), 0) + 1
            node = prev
        flow += 1


def check_plan(
    plan: dict[str, tuple[str, ...]], originals: list[Original], players: list[str], copies: int
) -> Counter[str]:
    author = {o.original_id: o.player_id for o in originals}
    assert set(plan) == set(players)
    per_original: Counter[str] = Counter()
    for player, ids in plan.items():
        assert len(ids) <= copies
        for original_id, times in Counter(ids).items():
            assert author[original_id] != player, "nobody copies their own original"
            assert times <= 2
        per_original.update(ids)
    assert set(per_original.values()) <= {2}, "an original gets two copies or none"
    return per_original


sizes = st.integers(min_value=2, max_value=9).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.integers(1, 4),
        st.integers(0, 2**32),
    )
)


@settings(max_examples=200, deadline=None)
@given(sizes)
def test_every_original_gets_exactly_two_copies_whenever_any_plan_could(size) -> None:
    counts, copies, seed = size
    players = [f"p{i}" for i in range(len(counts))]
    originals = originals_for(counts)
    plan = plan_copies(originals, players, copies, random.Random(seed))
    complete = check_plan(plan, originals, players, copies)
    if max_copies(originals, players, copies) == 2 * len(originals):
        assert len(complete) == len(originals)
    else:
        assert len(complete) < len(originals)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(3, 9).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(1, 3), min_size=n, max_size=n),
            st.integers(1, 4),
            st.integers(0, 2**32),
        )
    )
)
def test_everyone_keeps_a_phraseset_to_vote_on_when_there_are_enough(size) -> None:
    # With fewer phrasesets than players someone may have had a hand in all of them (three
    # players, one phraseset: its writer and two copiers); from one per player on, nobody.
    counts, copies, seed = size
    players = [f"p{i}" for i in range(len(counts))]
    originals = originals_for(counts)
    plan = plan_copies(originals, players, copies, random.Random(seed))
    complete = check_plan(plan, originals, players, copies)
    assume(len(complete) >= len(players))
    author = {o.original_id: o.player_id for o in originals}
    for player in players:
        eligible = [o for o in complete if author[o] != player and o not in plan[player]]
        assert eligible, f"{player} has nothing to vote on"


@settings(max_examples=80, deadline=None)
@given(st.integers(4, 9), st.integers(1, 2), st.integers(0, 2**32))
def test_with_even_sizes_copies_are_distinct_and_even(players_count, prompts, seed) -> None:
    # Each writes ``prompts`` originals and copies twice as many: every original is completed
    # by two different players, everyone copies the same number, and everyone can vote on at
    # least as many phrasesets as they wrote.
    players = [f"p{i}" for i in range(players_count)]
    originals = originals_for([prompts] * players_count)
    plan = plan_copies(originals, players, 2 * prompts, random.Random(seed))
    complete = check_plan(plan, originals, players, 2 * prompts)
    assert len(complete) == len(originals)
    assert all(len(set(ids)) == len(ids) == 2 * prompts for ids in plan.values())
    author = {o.original_id: o.player_id for o in originals}
    for player in players:
        eligible = [o for o in complete if author[o] != player and o not in plan[player]]
        assert len(eligible) >= prompts


def test_two_players_copy_each_others_original_twice() -> None:
    originals = originals_for([1, 1])
    plan = plan_copies(originals, ["p0", "p1"], 2, random.Random(1))
    assert plan == {"p0": ("o1.0", "o1.0"), "p1": ("o0.0", "o0.0")}


def test_three_players_copy_twice_rather_than_leave_someone_without_a_vote() -> None:
    originals = originals_for([1, 1, 1])
    plan = plan_copies(originals, ["p0", "p1", "p2"], 2, random.Random(5))
    assert all(len(set(ids)) == 1 for ids in plan.values())


def test_originals_left_out_are_spread_across_writers() -> None:
    # Nine one-copy players complete four originals out of 27: four different writers.
    originals = originals_for([3] * 9)
    plan = plan_copies(originals, [f"p{i}" for i in range(9)], 1, random.Random(3))
    complete = {oid for ids in plan.values() for oid in ids}
    assert len(complete) == 4
    assert len({oid.split(".")[0] for oid in complete}) == 4


def test_the_plan_depends_only_on_the_seed() -> None:
    originals = originals_for([1] * 6)
    players = [f"p{i}" for i in range(6)]
    assert plan_copies(originals, players, 2, random.Random(9)) == plan_copies(
        originals, players, 2, random.Random(9)
    )


def phrasesets(authors: list[tuple[str, str, str]]) -> list[Phraseset]:
    return [
        Phraseset(
            f"ps{i}",
            Original(f"o{i}", writer, "prompt", f"original {i}"),
            (
                Copy(f"c{i}a", f"o{i}", first, f"first {i}"),
                Copy(f"c{i}b", f"o{i}", second, f"second {i}"),
            ),
        )
        for i, (writer, first, second) in enumerate(authors)
    ]


def test_voters_get_phrasesets_they_had_no_part_in_with_the_fewest_votes_first() -> None:
    sets = phrasesets([("a", "b", "c"), ("b", "c", "d"), ("c", "d", "e"), ("d", "e", "a")])
    assert [p.phraseset_id for p in vote_eligible(sets, "a")] == ["ps1", "ps2"]
    rng = random.Random(0)
    first = pick_phraseset(sets, "a", set(), {"ps1": 2, "ps2": 1}, rng)
    assert first is not None and first.phraseset_id == "ps2"
    second = pick_phraseset(sets, "a", {"ps2"}, {"ps1": 2, "ps2": 1}, rng)
    assert second is not None and second.phraseset_id == "ps1"
    assert pick_phraseset(sets, "a", {"ps1", "ps2"}, {}, rng) is None
