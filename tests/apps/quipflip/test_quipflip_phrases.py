"""Phrase rules: normalising, lengths, copies that differ, votes among the offered."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.quipflip.errors import InvalidPhrase
from engine.apps.quipflip.phrases import check_copy, check_vote, normalise


def test_whitespace_is_trimmed_and_collapsed() -> None:
    assert normalise("  a \t tiny\n umbrella  ") == "a tiny umbrella"


@pytest.mark.parametrize("text", ["a", "  b  ", "x" * 101, ""])
def test_lengths_outside_2_to_100_are_refused(text: str) -> None:
    with pytest.raises(InvalidPhrase, match="Phrase must be between 2 and 100 characters"):
        normalise(text)


def test_the_bounds_are_accepted() -> None:
    assert normalise("ok") == "ok" and normalise("y" * 100) == "y" * 100


@pytest.mark.parametrize("text", ["bell\x07", "zero\u200bwidth", "null\x00"])
def test_control_and_format_characters_are_refused(text: str) -> None:
    with pytest.raises(InvalidPhrase, match="invalid characters"):
        normalise(text)


def test_a_copy_must_differ_ignoring_case() -> None:
    with pytest.raises(InvalidPhrase, match="Copy must differ from the original phrase"):
        check_copy("A  Rubber DUCK", "a rubber duck")
    assert check_copy("a rubber goose", "a rubber duck") == "a rubber goose"
    with pytest.raises(InvalidPhrase, match="Another copy"):
        check_copy("A RUBBER GOOSE", "a rubber duck", ["a rubber goose"])


def test_a_vote_names_an_offered_phrase() -> None:
    offered = ["a rubber duck", "a rubber goose", "a plastic duck"]
    assert check_vote("  A Rubber  Goose ", offered) == "a rubber goose"
    with pytest.raises(InvalidPhrase, match="Vote must be one of the offered phrases"):
        check_vote("a rubber swan", offered)


@given(st.text(max_size=200))
def test_normalise_accepts_or_refuses_but_never_returns_something_invalid(text: str) -> None:
    try:
        phrase = normalise(text)
    except InvalidPhrase:
        return
    assert 2 <= len(phrase) <= 100 and phrase == " ".join(phrase.split())
    assert normalise(phrase) == phrase
