"""AI players: their names, their phrases and votes, and playing their part of a phase.

An AI player answers a prompt with a short phrase from a built-in list, copies an original by
swapping a word for a near-synonym (or, failing that, by giving it a twist), and votes for one
of the offered phrases at random: it does not know which one is the original. Everything it
does goes through the same rules as a human's (``rounds``), so it pays the same and is refused
the same; whatever it picks is always a valid submission.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from . import errors
from .party import PartyState, Round, RoundKind
from .phrases import MAX_LENGTH, check_copy
from .progress import PHASE_ROUNDS, done
from .rounds import Submission, start_round, submit

__all__ = [
    "ai_username",
    "copy_phrase",
    "original_phrase",
    "play_ai_turns",
    "play_turns",
    "vote_choice",
]

_NAMES = (
    "Robo Quill",
    "Captain Pun",
    "Byte Bard",
    "Sir Quips-a-Lot",
    "Wordsmith 9000",
    "Echo Owl",
    "Pixel Poet",
    "Gizmo Wit",
    "Clever Circuit",
    "Doctor Rhyme",
    "Sprocket",
    "Professor Parrot",
)

_ANSWERS = (
    "a rubber duck",
    "grandma's secret recipe",
    "a very confused llama",
    "extra cheese",
    "a sock with a hole in it",
    "the wrong shoes",
    "a tiny umbrella",
    "way too much glitter",
    "a sleepy dragon",
    "yesterday's spaghetti",
    "a haunted toaster",
    "one left mitten",
    "a suspicious pineapple",
    "the loudest kazoo",
    "a polite squirrel",
    "an empty cookie jar",
    "a map to nowhere",
    "a dancing cactus",
    "three wet towels",
    "a bucket of jelly beans",
    "a very long nap",
    "the neighbor's cat",
    "a singing teapot",
    "a slightly burnt pancake",
    "a sandwich with no bread",
    "a backwards hat",
    "an angry goose",
    "the last slice of pizza",
    "a broken compass",
    "a pocket full of sand",
    "a talking parrot",
    "a giant pickle",
    "two left feet",
    "a melting snowman",
    "a secret handshake",
    "a wobbly chair",
    "an overdue library book",
    "a moustache on a stick",
    "bubble wrap",
    "a trumpet solo",
)

_SYNONYMS = {
    "big": "huge",
    "huge": "giant",
    "giant": "enormous",
    "small": "tiny",
    "tiny": "little",
    "little": "small",
    "old": "ancient",
    "new": "shiny",
    "angry": "grumpy",
    "happy": "cheerful",
    "sad": "gloomy",
    "loud": "noisy",
    "quiet": "silent",
    "fast": "speedy",
    "slow": "sluggish",
    "cat": "kitten",
    "dog": "puppy",
    "duck": "goose",
    "goose": "duck",
    "cake": "pie",
    "pie": "cake",
    "hat": "cap",
    "shoe": "boot",
    "shoes": "boots",
    "sock": "stocking",
    "car": "truck",
    "house": "cottage",
    "secret": "hidden",
    "very": "really",
    "really": "very",
    "wet": "soggy",
    "cheese": "butter",
    "pizza": "pasta",
    "sandwich": "burger",
    "toast": "bagel",
    "dragon": "dinosaur",
    "cookie": "biscuit",
    "chair": "stool",
    "funny": "silly",
    "silly": "goofy",
    "weird": "strange",
    "strange": "odd",
    "scary": "spooky",
    "bad": "awful",
    "good": "great",
    "great": "fantastic",
    "sleepy": "drowsy",
    "broken": "cracked",
}

_TWISTS = ("in disguise", "on a Tuesday", "with extra sprinkles", "upside down")
_LEADS = ("totally", "basically", "sort of", "definitely", "probably")


def ai_username(rng: random.Random, taken: Collection[str]) -> str:
    """A name for a new AI player, different from every name in ``taken``."""
    free = [name for name in _NAMES if name not in taken]
    if free:
        return rng.choice(free)
    number = 2
    while f"{_NAMES[0]} {number}" in taken:
        number += 1
    return f"{_NAMES[0]} {number}"


def original_phrase(rng: random.Random, avoid: Collection[str] = ()) -> str:
    """An answer to a prompt: the built-in answers are funny enough for any of the built-in
    prompts. Preferably not one of ``avoid`` (phrases already used in the party)."""
    fresh = [answer for answer in _ANSWERS if answer not in avoid]
    return rng.choice(fresh or _ANSWERS)


def copy_phrase(original: str, rng: random.Random, other_copies: Sequence[str] = ()) -> str:
    """A phrase close to ``original`` that ``phrases.check_copy`` accepts against it and
    ``other_copies``."""
    words = original.split()
    candidates = []
    for index, word in enumerate(words):
        swap = _SYNONYMS.get(word.lower())
        if swap is not None:
            candidates.append(" ".join((*words[:index], swap, *words[index + 1 :])))
    candidates += [f"{original} {twist}" for twist in _TWISTS]
    rng.shuffle(candidates)
    # Leads come last, and one of them always works: each gives a different phrase, and at
    # most one can equal the original and one each of other_copies (at most one, as an
    # original gets two copies).
    candidates += [f"{lead} {original}"[:MAX_LENGTH] for lead in _LEADS]
    for candidate in candidates:
        try:
            return check_copy(candidate, original, other_copies)
        except errors.InvalidPhrase:
            continue
    raise AssertionError("every lead clashed")  # pragma: no cover - see the comment above


def vote_choice(phrases: Sequence[str], rng: random.Random) -> str:
    """One of the offered ``phrases``."""
    return rng.choice(list(phrases))


def play_ai_turns(
    state: PartyState, now: float, rng: random.Random
) -> tuple[PartyState, tuple[tuple[str, Submission], ...]]:
    """Every ACTIVE AI player's part of the current phase (``play_turns``)."""
    return play_turns(state, [p.player_id for p in state.active if p.is_ai], now, rng)


def play_turns(
    state: PartyState, player_ids: Sequence[str], now: float, rng: random.Random
) -> tuple[PartyState, tuple[tuple[str, Submission], ...]]:
    """``player_ids``' part of the current phase, played as an AI player would, through the
    ordinary rules: rounds started and submitted until each is done or refused (nothing left
    to copy or vote on, not enough coins). Returns the new state and each
    ``(player_id, submission)`` in order. Outside a playing phase nothing happens."""
    kind = PHASE_ROUNDS.get(state.phase)
    if kind is None:
        return state, ()
    played: list[tuple[str, Submission]] = []
    for player_id in player_ids:
        while not done(state, player_id):
            try:
                state, round_ = start_round(state, player_id, kind, now, rng)
            except (errors.NothingToCopy, errors.NothingToVote, errors.InsufficientBalance):
                break
            phrase = _phrase(state, round_, rng)
            state, submission = submit(state, player_id, round_.round_id, phrase, now)
            played.append((player_id, submission))
    return state, tuple(played)


def _phrase(state: PartyState, round_: Round, rng: random.Random) -> str:
    if round_.kind is RoundKind.PROMPT:
        return original_phrase(rng, {o.phrase for o in state.originals})
    if round_.kind is RoundKind.COPY:
        others = [c.phrase for c in state.copies if c.original_id == round_.original_id]
        return copy_phrase(round_.original_phrase, rng, others)
    return vote_choice(round_.phrases, rng)
