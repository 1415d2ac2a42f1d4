"""A finished session's results: rankings by net coins, the three awards, and each phraseset's
votes.

- ``spent``: the player's prompt, copy and vote entries, less what was refunded;
  ``earned``: vote payouts plus prize payouts; ``net = earned - spent``.
- Rankings: every participant, by net, highest first; players with the same net share a rank
  (1, 2, 2, 4) and keep join order among themselves.
- Awards, each given only when someone qualifies: ``best_writer`` (most votes on their
  originals, at least one), ``top_impostor`` (most votes on their copies, at least one),
  ``sharpest_voter`` (highest share of correct votes, in percent to one decimal, among players
  who voted). A tie goes to the better-ranked player.
- Phraseset summaries: the votes for the original and for each copy (``copy1``, ``copy2`` in
  submission order) and which phrase got the most (the original wins a tie, then copy1).
"""

from __future__ import annotations

import attrs

from . import errors
from .party import PartyState, Phase, Phraseset, RoundKind, RoundStatus, TransactionKind

__all__ = ["AWARDS", "Award", "PartyResults", "PhrasesetSummary", "PlayerStats", "results"]

AWARDS = ("best_writer", "top_impostor", "sharpest_voter")
_ENTRIES = frozenset(
    (TransactionKind.PROMPT_ENTRY, TransactionKind.COPY_ENTRY, TransactionKind.VOTE_ENTRY)
)
_EARNINGS = frozenset((TransactionKind.VOTE_PAYOUT, TransactionKind.PRIZE_PAYOUT))


@attrs.frozen
class PlayerStats:
    player_id: str
    username: str
    rank: int
    spent: int
    earned: int
    net: int
    votes_on_originals: int
    votes_fooled: int
    correct_votes: int
    total_votes: int
    vote_accuracy: float
    prompts_submitted: int
    copies_submitted: int
    votes_submitted: int


@attrs.frozen
class Award:
    player_id: str
    username: str
    metric_value: float


@attrs.frozen
class PhrasesetSummary:
    phraseset_id: str
    prompt_text: str
    original_phrase: str
    vote_count: int
    original_player: str
    most_votes: str
    votes_breakdown: dict[str, int]


@attrs.frozen
class PartyResults:
    session_id: str
    party_code: str
    completed_at: float | None
    rankings: tuple[PlayerStats, ...]
    awards: dict[str, Award]
    phrasesets_summary: tuple[PhrasesetSummary, ...]


def results(state: PartyState) -> PartyResults:
    """The results of a session in RESULTS; raises ``ResultsNotReady`` before."""
    if state.phase is not Phase.RESULTS:
        raise errors.ResultsNotReady(state.phase)
    stats = [_stats(state, p.player_id, p.username) for p in state.participants]
    ordered = sorted(stats, key=lambda s: -s.net)
    ranked: list[PlayerStats] = []
    for position, entry in enumerate(ordered, start=1):
        tied = ranked and ranked[-1].net == entry.net
        ranked.append(attrs.evolve(entry, rank=ranked[-1].rank if tied else position))
    return PartyResults(
        session_id=state.session_id,
        party_code=state.party_code,
        completed_at=state.completed_at,
        rankings=tuple(ranked),
        awards=_awards(ranked),
        phrasesets_summary=tuple(_summary(state, p) for p in state.phrasesets),
    )


def _stats(state: PartyState, player_id: str, username: str) -> PlayerStats:
    mine = [t for t in state.ledger if t.player_id == player_id]
    entries = -sum(t.amount for t in mine if t.kind in _ENTRIES)
    refunds = sum(t.amount for t in mine if t.kind is TransactionKind.REFUND)
    earned = sum(t.amount for t in mine if t.kind in _EARNINGS)
    spent = entries - refunds
    on_originals = fooled = 0
    for phraseset in state.phrasesets:
        for vote in (v for v in state.votes if v.phraseset_id == phraseset.phraseset_id):
            if vote.correct:
                on_originals += phraseset.original.player_id == player_id
            else:
                fooled += any(
                    c.player_id == player_id and c.phrase == vote.phrase for c in phraseset.copies
                )
    votes = [v for v in state.votes if v.player_id == player_id]
    correct = sum(1 for v in votes if v.correct)
    accuracy = round(correct * 100 / len(votes), 1) if votes else 0.0

    def submitted(kind: RoundKind) -> int:
        return sum(1 for r in state.rounds_of(player_id, kind) if r.status is RoundStatus.SUBMITTED)

    return PlayerStats(
        player_id=player_id,
        username=username,
        rank=0,
        spent=spent,
        earned=earned,
        net=earned - spent,
        votes_on_originals=on_originals,
        votes_fooled=fooled,
        correct_votes=correct,
        total_votes=len(votes),
        vote_accuracy=accuracy,
        prompts_submitted=submitted(RoundKind.PROMPT),
        copies_submitted=submitted(RoundKind.COPY),
        votes_submitted=submitted(RoundKind.VOTE),
    )


def _awards(ranked: list[PlayerStats]) -> dict[str, Award]:
    metrics = {
        "best_writer": [(s, float(s.votes_on_originals)) for s in ranked if s.votes_on_originals],
        "top_impostor": [(s, float(s.votes_fooled)) for s in ranked if s.votes_fooled],
        "sharpest_voter": [(s, s.vote_accuracy) for s in ranked if s.total_votes],
    }
    awards = {}
    for name in AWARDS:
        if metrics[name]:
            # max keeps the first of equals: the better-ranked player.
            winner, value = max(metrics[name], key=lambda pair: pair[1])
            awards[name] = Award(winner.player_id, winner.username, value)
    return awards


def _summary(state: PartyState, phraseset: Phraseset) -> PhrasesetSummary:
    votes = [v for v in state.votes if v.phraseset_id == phraseset.phraseset_id]
    labels = ("original", "copy1", "copy2")
    breakdown = {
        label: sum(1 for v in votes if v.phrase == phrase)
        for label, phrase in zip(labels, phraseset.phrases, strict=False)
    }
    writer = state.find(phraseset.original.player_id)
    return PhrasesetSummary(
        phraseset_id=phraseset.phraseset_id,
        prompt_text=phraseset.original.prompt_text,
        original_phrase=phraseset.original.phrase,
        vote_count=len(votes),
        original_player=writer.username if writer is not None else "",
        most_votes=max(labels, key=lambda label: breakdown[label]),
        votes_breakdown=breakdown,
    )
