"""The built-in prompt texts and party codes."""

from __future__ import annotations

import random

from engine.apps.quipflip.codes import CODE_DIGITS, CODE_LETTERS, PartyCodes
from engine.apps.quipflip.phrases import normalise
from engine.apps.quipflip.prompts import PROMPTS, draw_prompt
from engine.parties import IdScheme


def test_there_are_at_least_200_distinct_well_formed_prompts() -> None:
    assert len(PROMPTS) >= 200
    assert len({p.casefold() for p in PROMPTS}) == len(PROMPTS)
    assert all(normalise(p) == p for p in PROMPTS)


def test_draw_avoids_used_prompts_until_all_are_used() -> None:
    rng = random.Random(1)
    used: set[str] = set()
    for _ in range(len(PROMPTS)):
        prompt = draw_prompt(rng, used)
        assert prompt not in used
        used.add(prompt)
    assert draw_prompt(rng, used) in PROMPTS


def test_party_codes_are_four_clear_letters_and_four_clear_digits() -> None:
    codes = PartyCodes()
    assert codes.may_collide
    assert not set("OIL") & set(CODE_LETTERS) and not set("01") & set(CODE_DIGITS)
    drawn = {codes.new() for _ in range(200)}
    assert len(drawn) > 190
    for code in drawn:
        assert len(code) == 8 and code[:4].isalpha() and code[4:].isdigit()
        assert codes.parse(code) == code and codes.parse(f" {code.lower()} ") == code
    for bad in ("ABCD1234", "ABCO2345", "ABC23456", "ABCD234", "ABCD23456", ""):
        assert codes.parse(bad) is None


def test_party_codes_fit_the_party_layers_id_schemes() -> None:
    scheme: IdScheme = PartyCodes()
    assert scheme.parse(scheme.new()) is not None
