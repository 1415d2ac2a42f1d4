"""Who copies what, and which phraseset a voter gets.

Copies are planned once, when COPY starts and the originals are known: ``plan_copies`` gives
each active player the originals they will copy, in order. The plan guarantees:

- nobody copies their own original, and every original gets exactly two copies or none;
- every original gets its two copies whenever the party's sizes allow it (whenever any
  assignment could). When the players cannot copy them all, originals are left out whole,
  spread across their writers, rather than copied once;
- a player copies an original twice only when there is no other way to reach that number (or
  to leave them something to vote on; the second copy costs more, see ``economy``);
- copies are spread evenly: each further copy a player is given costs the plan more;
- every player keeps at least one phraseset they did not write or copy, and so something to
  vote on, whenever the sizes allow that together with the above (the tests check every
  party where everyone wrote and there are at least as many phrasesets as players).

It is a min-cost max-flow (players -> originals -> two copy slots each) over at most 9 players
and 27 originals, so it takes milliseconds; when someone would be left with nothing to vote
on, it is solved again with each player kept off one original (a few dozen tries at most).
Ties and tries are drawn from the injected ``random.Random``.

``pick_phraseset`` chooses a voter's next phraseset: one they neither wrote nor copied nor
voted on, with the fewest votes so far, so votes spread across phrasesets.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence

import attrs

from .party import Original, Phraseset

__all__ = ["COPIES_PER_ORIGINAL", "pick_phraseset", "plan_copies", "vote_eligible"]

COPIES_PER_ORIGINAL = 2
# Costs, in order of importance: a player's k-th copy costs k * _SPREAD (spreads copies evenly);
# copying the same original twice costs _TWICE (only when nothing else reaches the maximum); a
# random _JITTER below _SPREAD breaks ties.
_SPREAD = 100
_TWICE = 10_000
_JITTER = 50
_RESERVATION_TRIES = 40


def plan_copies(
    originals: Sequence[Original],
    players: Sequence[str],
    copies_per_player: int,
    rng: random.Random,
) -> dict[str, tuple[str, ...]]:
    """For each of ``players``, the ids of the originals to copy, at most ``copies_per_player``
    (an original id twice when that player copies it twice). See the module's guarantees."""
    chosen = _choose(originals, len(players) * copies_per_player // COPIES_PER_ORIGINAL, rng)
    while True:
        plan = _solve(chosen, players, copies_per_player, (), rng)
        copies = _copies(plan)
        half_done = [o for o in chosen if copies.get(o.original_id) == 1]
        if not half_done:
            break
        # One copy is no phraseset: leave that original out and share the copies again.
        chosen = [o for o in chosen if o is not half_done[0]]
    stranded = len(_stranded(chosen, plan))
    # Someone had a hand in every phraseset (small parties): reserve, for each player, one
    # original they may not copy, and plan again. A plan that loses no copy, leaves no
    # original half copied and strands fewer players replaces the current one; the search
    # stops at one that strands nobody. Random reservations find one quickly where one
    # exists (three players: two in eight work).
    best = _count(plan)
    for _ in range(_RESERVATION_TRIES if stranded else 0):
        reserved = set()
        for player in players:
            others = [o.original_id for o in chosen if o.player_id != player]
            if others:
                reserved.add((player, rng.choice(others)))
        candidate = _solve(chosen, players, copies_per_player, reserved, rng)
        if _count(candidate) != best or 1 in _copies(candidate).values():
            continue
        left = len(_stranded(chosen, candidate))
        if left < stranded:
            plan, stranded = candidate, left
            if not stranded:
                break
    return plan


def vote_eligible(phrasesets: Sequence[Phraseset], player_id: str) -> list[Phraseset]:
    """The phrasesets ``player_id`` may vote on: those they did not write or copy."""
    return [p for p in phrasesets if player_id not in p.contributors]


def pick_phraseset(
    phrasesets: Sequence[Phraseset],
    player_id: str,
    voted: Collection[str],
    vote_counts: Mapping[str, int],
    rng: random.Random,
) -> Phraseset | None:
    """The voter's next phraseset (see the module docstring), or None when none is left.
    ``voted`` holds the phraseset ids the player voted on or is voting on; ``vote_counts`` the
    votes (cast or in progress) per phraseset id."""
    candidates = [p for p in vote_eligible(phrasesets, player_id) if p.phraseset_id not in voted]
    if not candidates:
        return None
    fewest = min(vote_counts.get(p.phraseset_id, 0) for p in candidates)
    return rng.choice([p for p in candidates if vote_counts.get(p.phraseset_id, 0) == fewest])


# -- the flow --------------------------------------------------------------------------------


def _choose(originals: Sequence[Original], room: int, rng: random.Random) -> list[Original]:
    """At most ``room`` originals, taking each writer's in turn so that who is left out is
    spread across writers (writers in random order, each writer's originals in order)."""
    by_writer: dict[str, list[Original]] = {}
    for original in originals:
        by_writer.setdefault(original.player_id, []).append(original)
    queues = list(by_writer.values())
    rng.shuffle(queues)
    chosen: list[Original] = []
    while len(chosen) < min(room, len(originals)):
        for queue in queues:
            if queue and len(chosen) < room:
                chosen.append(queue.pop(0))
    return chosen


def _count(plan: Mapping[str, tuple[str, ...]]) -> int:
    return sum(len(ids) for ids in plan.values())


def _copies(plan: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    copies: dict[str, int] = {}
    for ids in plan.values():
        for original_id in ids:
            copies[original_id] = copies.get(original_id, 0) + 1
    return copies


def _stranded(originals: Sequence[Original], plan: Mapping[str, tuple[str, ...]]) -> set[str]:
    """Players who would have no phraseset to vote on under ``plan``."""
    copies = _copies(plan)
    complete = {o.original_id: o.player_id for o in originals if copies.get(o.original_id) == 2}
    stranded = set()
    for player, ids in plan.items():
        if all(author == player or oid in ids for oid, author in complete.items()):
            stranded.add(player)
    return stranded


def _solve(
    originals: Sequence[Original],
    players: Sequence[str],
    copies_per_player: int,
    forbidden: Collection[tuple[str, str]],
    rng: random.Random,
) -> dict[str, tuple[str, ...]]:
    graph = _Graph(2 + len(players) + len(originals))
    source, sink = 0, 1
    player_node = {player: 2 + i for i, player in enumerate(players)}
    original_node = {o.original_id: 2 + len(players) + i for i, o in enumerate(originals)}
    for node in player_node.values():
        for k in range(copies_per_player):
            graph.add(source, node, k * _SPREAD)
    links: list[tuple[str, str, int]] = []
    for original in originals:
        target = original_node[original.original_id]
        for _ in range(COPIES_PER_ORIGINAL):
            graph.add(target, sink, 0)
        for player, node in player_node.items():
            if player == original.player_id or (player, original.original_id) in forbidden:
                continue
            links.append(
                (player, original.original_id, graph.add(node, target, rng.randrange(_JITTER)))
            )
            links.append((player, original.original_id, graph.add(node, target, _TWICE)))
    graph.min_cost_max_flow(source, sink)
    plan: dict[str, list[str]] = {player: [] for player in players}
    for player, original_id, edge in links:
        if graph.used(edge):
            plan[player].append(original_id)
    for ids in plan.values():
        rng.shuffle(ids)
    return {player: tuple(ids) for player, ids in plan.items()}


@attrs.define(eq=False)
class _Graph:
    """A unit-capacity flow network; successive shortest paths (Bellman-Ford, as costs on
    residual edges can be negative) give a maximum flow of minimum cost."""

    size: int
    heads: list[int] = attrs.Factory(list)
    caps: list[int] = attrs.Factory(list)
    costs: list[int] = attrs.Factory(list)
    out: list[list[int]] = attrs.field()

    @out.default
    def _out(self) -> list[list[int]]:
        return [[] for _ in range(self.size)]

    def add(self, tail: int, head: int, cost: int) -> int:
        """Adds an edge of capacity 1 and its residual twin; returns the edge's index."""
        index = len(self.heads)
        for a, b, cap, c in ((tail, head, 1, cost), (head, tail, 0, -cost)):
            self.heads.append(b)
            self.caps.append(cap)
            self.costs.append(c)
            self.out[a].append(len(self.heads) - 1)
        return index

    def used(self, edge: int) -> bool:
        return self.caps[edge] == 0

    def min_cost_max_flow(self, source: int, sink: int) -> None:
        while True:
            distance: list[int | None] = [None] * self.size
            via: list[int | None] = [None] * self.size
            distance[source] = 0
            changed = True
            while changed:
                changed = False
                for node in range(self.size):
                    base = distance[node]
                    if base is None:
                        continue
                    for edge in self.out[node]:
                        if self.caps[edge] == 0:
                            continue
                        head, cost = self.heads[edge], base + self.costs[edge]
                        known = distance[head]
                        if known is None or cost < known:
                            distance[head], via[head] = cost, edge
                            changed = True
            if distance[sink] is None:
                return
            step = sink
            while step != source:
                used = via[step]
                assert used is not None
                self.caps[used] -= 1
                self.caps[used ^ 1] += 1
                step = self.heads[used ^ 1]
