"""Quipflip's economy: what rounds cost, what votes and phrasesets pay.

- A new player's wallet holds ``STARTING_WALLET`` (5000) coins.
- A prompt round costs 100; a copy round 50, or 100 for a player's second copy of the same
  original; a vote round 10. A correct vote (for the original) pays 20 at once.
- A phraseset's prize pool starts at 200 (what its prompt and two 50-coin copies paid), plus 50
  when one player wrote both copies (the dearer second copy), plus 10 per vote, minus the 20
  paid for each correct vote. So the pool is exactly what went into the phraseset, less what
  correct voters took out.
- When voting ends the pool is shared by points: every vote for the original is 1 point to its
  writer, every vote for a copy 2 points to that copy's writer; a role's payout is
  ``points * pool // total_points``. With no votes at all each of the three roles gets
  ``pool // 3``. Integer division keeps at most two coins per phraseset; nothing else is
  created or destroyed.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "COPY_COST",
    "CORRECT_VOTE_PAYOUT",
    "POOL_PER_VOTE",
    "PRIZE_POOL_BASE",
    "PROMPT_COST",
    "SAME_COPIER_BONUS",
    "SECOND_COPY_COST",
    "STARTING_WALLET",
    "VOTE_COST",
    "copy_cost",
    "prize_pool",
    "role_payouts",
]

STARTING_WALLET = 5000
PROMPT_COST = 100
COPY_COST = 50
SECOND_COPY_COST = 100
VOTE_COST = 10
CORRECT_VOTE_PAYOUT = 20
PRIZE_POOL_BASE = 200
SAME_COPIER_BONUS = SECOND_COPY_COST - COPY_COST
POOL_PER_VOTE = VOTE_COST

_ORIGINAL_POINTS = 1
_COPY_POINTS = 2


def copy_cost(copies_already_made_of_original: int) -> int:
    """The cost of a copy round for a player who already copied the same original that many
    times (0 or 1)."""
    return SECOND_COPY_COST if copies_already_made_of_original else COPY_COST


def prize_pool(*, votes: int, correct_votes: int, same_copier: bool) -> int:
    """A phraseset's pool when voting ends."""
    bonus = SAME_COPIER_BONUS if same_copier else 0
    return PRIZE_POOL_BASE + bonus + POOL_PER_VOTE * votes - CORRECT_VOTE_PAYOUT * correct_votes


def role_payouts(pool: int, original_votes: int, copy_votes: Sequence[int]) -> tuple[int, ...]:
    """What the original's writer and each copy's writer get, in that order."""
    points = (original_votes * _ORIGINAL_POINTS, *(v * _COPY_POINTS for v in copy_votes))
    total = sum(points)
    if total == 0:
        return tuple(pool // len(points) for _ in points)
    return tuple(p * pool // total for p in points)
