"""A party session as one frozen value, and the questions every rule asks of it.

`PartyState` holds everything a session knows: its configuration, its participants (in join
order) with their wallets, every round started, every original, copy and vote, the copy plan,
the phrasesets and the ledger. Rules (``lobby``, ``rounds``, ``phases``) take one and return a
new one; nothing here mutates.

Times are wall-clock seconds since the epoch (floats), passed in by the caller as ``now``.

Money: a participant's ``wallet`` is the player's balance, taken at join and changed only by
this session while the player is in it (a player is in one session at a time). Every change is
also a `Transaction` in ``ledger``, in order, so whoever keeps the players' accounts applies
``ledger[n:]`` after a step that grew it from ``n`` entries.
"""

from __future__ import annotations

import enum
import functools
import random
import uuid
from collections.abc import Iterator

import attrs
from cattrs.preconf.json import make_converter

from . import errors

__all__ = [
    "MAX_PLAYERS",
    "MIN_PLAYERS",
    "STATE_CONVERTER",
    "Copy",
    "Original",
    "Participant",
    "ParticipantStatus",
    "PartyConfig",
    "PartyState",
    "Phase",
    "PhaseTimers",
    "Phraseset",
    "Round",
    "RoundKind",
    "RoundStatus",
    "SessionStatus",
    "Transaction",
    "TransactionKind",
    "Vote",
    "new_id",
]

MIN_PLAYERS = 2
MAX_PLAYERS = 9


def new_id(rng: random.Random) -> str:
    """A UUID4 string drawn from ``rng`` (so a seeded game is reproducible)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class Phase(enum.StrEnum):
    LOBBY = "LOBBY"
    PROMPT = "PROMPT"
    COPY = "COPY"
    VOTE = "VOTE"
    RESULTS = "RESULTS"


class SessionStatus(enum.StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class ParticipantStatus(enum.StrEnum):
    JOINED = "JOINED"
    READY = "READY"
    ACTIVE = "ACTIVE"


class RoundKind(enum.StrEnum):
    PROMPT = "prompt"
    COPY = "copy"
    VOTE = "vote"


class RoundStatus(enum.StrEnum):
    ACTIVE = "active"
    SUBMITTED = "submitted"
    #: The phase ended before the player submitted; the entry was refunded.
    EXPIRED = "expired"


class TransactionKind(enum.StrEnum):
    PROMPT_ENTRY = "prompt_entry"
    COPY_ENTRY = "copy_entry"
    VOTE_ENTRY = "vote_entry"
    VOTE_PAYOUT = "vote_payout"
    PRIZE_PAYOUT = "prize_payout"
    #: An entry given back: a round that expired unsubmitted, or the entries of an original
    #: that did not get its two copies (so it never became a phraseset).
    REFUND = "refund"


@attrs.frozen
class PhaseTimers:
    """How long each playing phase may last, in seconds, before it ends on its own."""

    prompt: float = attrs.field(default=180.0, validator=attrs.validators.gt(0))
    copy: float = attrs.field(default=180.0, validator=attrs.validators.gt(0))
    vote: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))

    def seconds(self, phase: Phase) -> float:
        return {Phase.PROMPT: self.prompt, Phase.COPY: self.copy, Phase.VOTE: self.vote}[phase]


def _in_range(low: int, high: int):
    def check(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(f"{attribute.name} must be an integer between {low} and {high}")

    return check


@attrs.frozen
class PartyConfig:
    """What the host chose at creation; also the body of the create request (every field
    optional). Raises ``ValueError`` for a value out of range or ``min_players > max_players``.
    """

    min_players: int = attrs.field(default=6, validator=_in_range(MIN_PLAYERS, MAX_PLAYERS))
    max_players: int = attrs.field(default=9, validator=_in_range(MIN_PLAYERS, MAX_PLAYERS))
    prompts_per_player: int = attrs.field(default=1, validator=_in_range(1, 3))
    copies_per_player: int = attrs.field(default=2, validator=_in_range(1, 4))
    votes_per_player: int = attrs.field(default=3, validator=_in_range(2, 5))

    def __attrs_post_init__(self) -> None:
        if self.min_players > self.max_players:
            raise ValueError("min_players must not exceed max_players")

    def quota(self, kind: RoundKind) -> int:
        """The ``kind`` rounds each player owes, as configured (``progress.required`` gives
        what a given player owes once the copy plan and the phrasesets are known)."""
        if kind is RoundKind.PROMPT:
            return self.prompts_per_player
        if kind is RoundKind.COPY:
            return self.copies_per_player
        return self.votes_per_player


@attrs.frozen
class Participant:
    participant_id: str
    player_id: str
    username: str
    wallet: int
    joined_at: float
    is_ai: bool = False
    status: ParticipantStatus = ParticipantStatus.JOINED
    ready_at: float | None = None


@attrs.frozen
class Round:
    """One prompt, copy or vote round a player started.

    A prompt round carries ``prompt_text``; a copy round the ``original_id`` it copies (and the
    phrase, for the client); a vote round the ``phraseset_id`` and the ``phrases`` offered in
    the order shown. ``phrase`` is what the player submitted.
    """

    round_id: str
    party_round_id: str
    kind: RoundKind
    player_id: str
    started_at: float
    expires_at: float
    cost: int
    status: RoundStatus = RoundStatus.ACTIVE
    prompt_text: str = ""
    original_id: str = ""
    original_phrase: str = ""
    phraseset_id: str = ""
    phrases: tuple[str, ...] = ()
    phrase: str = ""


@attrs.frozen
class Original:
    """A submitted prompt round: the phrase a player wrote for ``prompt_text``."""

    original_id: str
    player_id: str
    prompt_text: str
    phrase: str


@attrs.frozen
class Copy:
    """A submitted copy round of ``original_id``."""

    round_id: str
    original_id: str
    player_id: str
    phrase: str


@attrs.frozen
class Phraseset:
    """An original and its two copies, open for voting in VOTE. ``copies`` in submission order
    (the results call them copy1 and copy2)."""

    phraseset_id: str
    original: Original
    copies: tuple[Copy, Copy]

    @functools.cached_property
    def contributors(self) -> frozenset[str]:
        return frozenset((self.original.player_id, *(c.player_id for c in self.copies)))

    @property
    def phrases(self) -> tuple[str, str, str]:
        return (self.original.phrase, self.copies[0].phrase, self.copies[1].phrase)


@attrs.frozen
class Vote:
    round_id: str
    phraseset_id: str
    player_id: str
    phrase: str
    correct: bool


@attrs.frozen
class Transaction:
    """A change to ``player_id``'s wallet: negative for an entry, positive for a payout.
    ``reference_id`` is the round (entries, vote payouts, round refunds), or the phraseset or
    original (prize payouts, refunds of an incomplete original)."""

    player_id: str
    amount: int
    kind: TransactionKind
    reference_id: str


@attrs.frozen
class PartyState:
    """One party session. ``copy_plan`` maps each active player to the originals they are to
    copy, in order (set when COPY starts); ``phrasesets`` is set when VOTE starts."""

    session_id: str
    party_code: str
    host_player_id: str
    config: PartyConfig
    created_at: float
    participants: tuple[Participant, ...] = ()
    status: SessionStatus = SessionStatus.OPEN
    phase: Phase = Phase.LOBBY
    started_at: float | None = None
    locked_at: float | None = None
    completed_at: float | None = None
    phase_started_at: float | None = None
    phase_expires_at: float | None = None
    rounds: tuple[Round, ...] = ()
    originals: tuple[Original, ...] = ()
    copies: tuple[Copy, ...] = ()
    copy_plan: tuple[tuple[str, tuple[str, ...]], ...] = ()
    phrasesets: tuple[Phraseset, ...] = ()
    votes: tuple[Vote, ...] = ()
    ledger: tuple[Transaction, ...] = ()
    #: Bumped by every change, so clients can tell two status answers apart.
    version: int = 0

    # -- participants --------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self.status is not SessionStatus.OPEN

    @property
    def is_full(self) -> bool:
        return len(self.participants) >= self.config.max_players

    @property
    def host(self) -> Participant:
        return self.participant(self.host_player_id)

    def find(self, player_id: str) -> Participant | None:
        return next((p for p in self.participants if p.player_id == player_id), None)

    def participant(self, player_id: str) -> Participant:
        """The caller's participant; raises ``NotInSession`` for anyone else."""
        found = self.find(player_id)
        if found is None:
            raise errors.NotInSession()
        return found

    @property
    def humans(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if not p.is_ai)

    @property
    def active(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.status is ParticipantStatus.ACTIVE)

    @property
    def ready_count(self) -> int:
        return sum(1 for p in self.participants if p.status is not ParticipantStatus.JOINED)

    def with_participant(self, updated: Participant) -> PartyState:
        participants = tuple(
            updated if p.player_id == updated.player_id else p for p in self.participants
        )
        return attrs.evolve(self, participants=participants)

    # -- rounds and submissions ----------------------------------------------------------------

    def round(self, round_id: str) -> Round:
        found = next((r for r in self.rounds if r.round_id == round_id), None)
        if found is None:
            raise errors.RoundNotFound()
        return found

    def rounds_of(self, player_id: str, kind: RoundKind) -> Iterator[Round]:
        return (r for r in self.rounds if r.player_id == player_id and r.kind is kind)

    def open_round(self, player_id: str) -> Round | None:
        """The player's round still waiting for a phrase (at most one at a time)."""
        return next(
            (r for r in self.rounds if r.player_id == player_id and r.status is RoundStatus.ACTIVE),
            None,
        )

    def submitted(self, player_id: str, kind: RoundKind) -> int:
        return self._submitted.get((player_id, kind), 0)

    @functools.cached_property
    def _submitted(self) -> dict[tuple[str, RoundKind], int]:
        # Progress views ask this for every player several times per step: count once per
        # state value (states are frozen, so the count never goes stale).
        counts: dict[tuple[str, RoundKind], int] = {}
        for r in self.rounds:
            if r.status is RoundStatus.SUBMITTED:
                counts[r.player_id, r.kind] = counts.get((r.player_id, r.kind), 0) + 1
        return counts

    def original(self, original_id: str) -> Original:
        return next(o for o in self.originals if o.original_id == original_id)

    def phraseset(self, phraseset_id: str) -> Phraseset:
        return next(p for p in self.phrasesets if p.phraseset_id == phraseset_id)

    def plan_for(self, player_id: str) -> tuple[str, ...]:
        return dict(self.copy_plan).get(player_id, ())

    def with_round(self, updated: Round) -> PartyState:
        rounds = tuple(updated if r.round_id == updated.round_id else r for r in self.rounds)
        return attrs.evolve(self, rounds=rounds)

    def bumped(self) -> PartyState:
        """The state with ``version`` moved on: every accepted change calls this once."""
        return attrs.evolve(self, version=self.version + 1)

    # -- money ---------------------------------------------------------------------------------

    def transact(self, *entries: Transaction) -> PartyState:
        """The state with ``entries`` applied to wallets and appended to the ledger."""
        deltas: dict[str, int] = {}
        for entry in entries:
            deltas[entry.player_id] = deltas.get(entry.player_id, 0) + entry.amount
        participants = tuple(
            attrs.evolve(p, wallet=p.wallet + deltas[p.player_id]) if p.player_id in deltas else p
            for p in self.participants
        )
        return attrs.evolve(self, participants=participants, ledger=self.ledger + entries)


#: How a session is stored: ``STATE_CONVERTER.unstructure(state)`` gives plain JSON values,
#: ``STATE_CONVERTER.structure(data, PartyState)`` the equal state back.
STATE_CONVERTER = make_converter()
