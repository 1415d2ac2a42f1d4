"""Quotas: how many rounds of each kind a player owes, and who is done with the phase.

- Prompts: ``prompts_per_player`` each.
- Copies: ``copies_per_player`` until COPY starts; then what the copy plan gives the player,
  which is fewer when the party cannot use them all (see ``assignment``).
- Votes: ``votes_per_player`` until VOTE starts; then no more than the phrasesets the player
  did not write or copy.

A phase is complete when every ACTIVE participant has submitted what they owe for it; the
session then moves on (``phases``) without waiting for its timer.
"""

from __future__ import annotations

from .assignment import vote_eligible
from .party import PartyState, Phase, RoundKind

__all__ = ["PHASE_ROUNDS", "done", "phase_complete", "players_done", "required"]

#: The kind of round each playing phase is for.
PHASE_ROUNDS = {
    Phase.PROMPT: RoundKind.PROMPT,
    Phase.COPY: RoundKind.COPY,
    Phase.VOTE: RoundKind.VOTE,
}
_PLANNED = frozenset((Phase.COPY, Phase.VOTE, Phase.RESULTS))
_VOTING = frozenset((Phase.VOTE, Phase.RESULTS))


def required(state: PartyState, player_id: str, kind: RoundKind) -> int:
    """How many ``kind`` rounds ``player_id`` owes in this session."""
    if kind is RoundKind.COPY and state.phase in _PLANNED:
        return len(state.plan_for(player_id))
    if kind is RoundKind.VOTE and state.phase in _VOTING:
        eligible = len(vote_eligible(state.phrasesets, player_id))
        return min(state.config.votes_per_player, eligible)
    return state.config.quota(kind)


def done(state: PartyState, player_id: str) -> bool:
    """Whether ``player_id`` has submitted all the current phase asks of them (False outside
    the playing phases)."""
    kind = PHASE_ROUNDS.get(state.phase)
    if kind is None:
        return False
    return state.submitted(player_id, kind) >= required(state, player_id, kind)


def players_done(state: PartyState) -> int:
    """ACTIVE participants done with the current phase."""
    return sum(1 for p in state.active if done(state, p.player_id))


def phase_complete(state: PartyState) -> bool:
    """Whether every ACTIVE participant is done with the current (playing) phase."""
    return state.phase in PHASE_ROUNDS and all(done(state, p.player_id) for p in state.active)
