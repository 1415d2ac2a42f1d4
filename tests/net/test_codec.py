"""The JSON wire codec (engine/net/_codec.py)."""

from __future__ import annotations

import pytest

from engine.net._codec import JSON_CODEC, DecodeError, JsonCodec
from engine.net._frames import Opcode
from engine.net._json import UnencodableValue


def test_encodes_compact_utf8_json_in_one_text_frame() -> None:
    frame = JSON_CODEC.encode({"type": "said", "text": "héllo ✓", "n": [1, 2]})
    assert frame.opcode is Opcode.TEXT
    assert frame.payload == '{"type":"said","text":"héllo ✓","n":[1,2]}'
    assert frame.data.endswith('{"type":"said","text":"héllo ✓","n":[1,2]}'.encode())


@pytest.mark.parametrize(
    "value",
    [{"score": float("nan")}, {"score": float("-inf")}, {"when": object()}, {"name": "a\ud800"}],
)
def test_encoding_what_json_cannot_carry_is_the_senders_bug(value: object) -> None:
    with pytest.raises(UnencodableValue):
        JSON_CODEC.encode(value)


def test_decodes_objects() -> None:
    assert JSON_CODEC.decode('{"type":"say","text":"hi"}') == {"type": "say", "text": "hi"}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("{", "malformed JSON: Expecting property name enclosed in double quotes"),
        ("", "malformed JSON: Expecting value"),
        ('{"a": NaN}', "malformed JSON: NaN is not valid JSON"),
        ("[" * 100_000, "malformed JSON: nested deeper than 64 levels"),
        ("1" * 5000, "malformed JSON: a number is too long"),
        ('{"t": 1e400}', "malformed JSON: a number is out of range"),
        ('{"t": "\\ud800"}', "malformed JSON: a string holds a lone surrogate"),
        ("[1, 2]", "not a JSON object: got array"),
        ('"text"', "not a JSON object: got string"),
        ("null", "not a JSON object: got null"),
        ("true", "not a JSON object: got boolean"),
        ("4.5", "not a JSON object: got number"),
        (b"\x00\x01", "binary frame where text expected"),
    ],
)
def test_decode_errors_say_why(message: str | bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as info:
        JSON_CODEC.decode(message)
    assert info.value.reason.startswith(reason)
    # The reason goes to clients: it never mentions Python's internals.
    assert "sys." not in info.value.reason
    assert isinstance(info.value, ValueError)


def test_any_json_value_when_objects_are_not_required() -> None:
    codec = JsonCodec(objects_only=False)
    assert codec.decode("[1, 2]") == [1, 2]
    assert codec == JsonCodec(objects_only=False) != JSON_CODEC
