"""engine.net._stun_message: the bytes of STUN Binding messages (RFC 5389)."""

import contextlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.net._stun_message import (
    BINDING,
    MAGIC_COOKIE,
    AttributeType,
    StunAttribute,
    StunClass,
    StunDecodeError,
    StunMessage,
    binding_request,
    binding_success,
    error_response,
)

TXID = bytes(range(12))

ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
ports = st.integers(0, 65535)
txids = st.binary(min_size=12, max_size=12)


def test_a_binding_request_is_a_bare_header_with_the_cookie() -> None:
    data = binding_request(TXID).encode()
    assert data == struct.pack("!HHI", 0x0001, 0, MAGIC_COOKIE) + TXID


def test_message_types_put_the_class_bits_where_the_rfc_says() -> None:
    # Section 6: Binding success is 0x0101, error 0x0111, indication 0x0011.
    for klass, kind in [
        (StunClass.SUCCESS, 0x0101),
        (StunClass.ERROR, 0x0111),
        (StunClass.INDICATION, 0x0011),
    ]:
        data = StunMessage(BINDING, klass, TXID).encode()
        assert struct.unpack_from("!H", data)[0] == kind


def test_xor_mapped_address_matches_the_rfc_5769_ipv4_vector() -> None:
    # RFC 5769 2.2: 192.0.2.1:32853 with transaction id b7e7a701bc34d686fa87dfae.
    txid = bytes.fromhex("b7e7a701bc34d686fa87dfae")
    value = binding_success(txid, ("192.0.2.1", 32853)).find(AttributeType.XOR_MAPPED_ADDRESS)
    assert value == bytes.fromhex("0001a147e112a643")


def test_xor_mapped_address_matches_the_rfc_5769_ipv6_vector() -> None:
    # RFC 5769 2.3: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
    txid = bytes.fromhex("b7e7a701bc34d686fa87dfae")
    address = ("2001:db8:1234:5678:11:2233:4455:6677", 32853)
    value = binding_success(txid, address).find(AttributeType.XOR_MAPPED_ADDRESS)
    assert value == bytes.fromhex("0002a1470113a9faa5d3f179bc25f4b5bed2b9d9")


@given(txids, st.one_of(ipv4, ipv6), ports)
def test_success_round_trips_its_mapped_address(txid: bytes, host: str, port: int) -> None:
    decoded = StunMessage.decode(binding_success(txid, (host, port)).encode())
    assert decoded.cls is StunClass.SUCCESS
    assert decoded.transaction_id == txid
    assert decoded.mapped_address() == (host, port)


@given(
    st.integers(0, 0x0FFF),
    st.sampled_from(StunClass),
    txids,
    st.lists(st.tuples(st.integers(0, 0xFFFF), st.binary(max_size=40)), max_size=5),
)
def test_encode_and_decode_are_inverses(
    method: int, klass: StunClass, txid: bytes, attributes: list[tuple[int, bytes]]
) -> None:
    message = StunMessage(method, klass, txid, tuple(StunAttribute(*a) for a in attributes))
    data = message.encode()
    assert len(data) % 4 == 0
    assert StunMessage.decode(data) == message


def test_mapped_address_is_read_when_no_xor_mapped_address_is_present() -> None:
    # Servers of RFC 3489's era answer with plain MAPPED-ADDRESS.
    value = struct.pack("!BBH4s", 0, 1, 4242, bytes([10, 0, 0, 7]))
    message = StunMessage(
        BINDING, StunClass.SUCCESS, TXID, (StunAttribute(AttributeType.MAPPED_ADDRESS, value),)
    )
    assert StunMessage.decode(message.encode()).mapped_address() == ("10.0.0.7", 4242)


def test_error_code_and_unknown_attributes_round_trip() -> None:
    error = error_response(TXID, 420, "Unknown Attribute", unknown=(0x7777,))
    message = StunMessage.decode(error.encode())
    assert message.cls is StunClass.ERROR
    assert message.error_code() == (420, "Unknown Attribute")
    assert message.find(AttributeType.UNKNOWN_ATTRIBUTES) == b"\x77\x77"


def test_unknown_required_lists_only_comprehension_required_types() -> None:
    attributes = (
        StunAttribute(0x7777, b""),
        StunAttribute(AttributeType.SOFTWARE, b"x"),
        StunAttribute(0xC001, b""),
        StunAttribute(AttributeType.XOR_MAPPED_ADDRESS, b""),
    )
    assert StunMessage(BINDING, StunClass.REQUEST, TXID, attributes).unknown_required() == (0x7777,)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x00\x00" + b"\x00" * 12,  # shorter than a header
        struct.pack("!HHI", 0xC001, 0, MAGIC_COOKIE) + TXID,  # leading bits set
        struct.pack("!HHI", 0x0001, 0, 0x12345678) + TXID,  # RFC 3489: no cookie
        struct.pack("!HHI", 0x0001, 4, MAGIC_COOKIE) + TXID,  # length past the end
        struct.pack("!HHI", 0x0001, 3, MAGIC_COOKIE) + TXID + b"abc",  # not a multiple of 4
        struct.pack("!HHI", 0x0001, 8, MAGIC_COOKIE) + TXID + struct.pack("!HH", 1, 12) + b"1234",
    ],
)
def test_malformed_messages_are_refused(data: bytes) -> None:
    with pytest.raises(StunDecodeError):
        StunMessage.decode(data)


def test_a_malformed_address_attribute_is_refused_when_read() -> None:
    message = StunMessage(
        BINDING,
        StunClass.SUCCESS,
        TXID,
        (StunAttribute(AttributeType.XOR_MAPPED_ADDRESS, b"\x00\x01\x00\x00\x01"),),
    )
    with pytest.raises(StunDecodeError):
        StunMessage.decode(message.encode()).mapped_address()


def test_a_transaction_id_has_twelve_bytes() -> None:
    with pytest.raises(ValueError, match="12 bytes"):
        binding_request(b"short")


@given(st.binary(max_size=120))
def test_decoding_arbitrary_bytes_either_succeeds_or_raises_stun_decode_error(data: bytes) -> None:
    try:
        message = StunMessage.decode(data)
    except StunDecodeError:
        return
    # Padding may be any bytes on the wire and is written as zeros: the length is kept.
    assert len(message.encode()) == len(data)


@given(txids, st.binary(max_size=80))
def test_a_valid_header_with_arbitrary_attributes_never_fails_otherwise(
    txid: bytes, body: bytes
) -> None:
    body += b"\x00" * (-len(body) % 4)
    data = struct.pack("!HHI", 0x0101, len(body), MAGIC_COOKIE) + txid + body
    try:
        message = StunMessage.decode(data)
    except StunDecodeError:
        return  # an attribute runs past the end
    assert (message.cls, message.transaction_id) == (StunClass.SUCCESS, txid)
    for read in (message.mapped_address, message.error_code):
        with contextlib.suppress(StunDecodeError):
            read()
