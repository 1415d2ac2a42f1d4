"""STUN messages (RFC 5389, section 6 and 15): the bytes of a Binding exchange.

Only what a Binding client and server need: the header (type, length, magic cookie,
transaction id), the attribute list, and the attributes MAPPED-ADDRESS, XOR-MAPPED-ADDRESS,
ERROR-CODE and UNKNOWN-ATTRIBUTES. Other attributes are kept as raw bytes, so a message decodes
whatever it carries; ``unknown_required`` names those a receiver must not ignore.

``decode`` raises ``StunDecodeError`` for anything that is not a well-formed RFC 5389 message
(wrong leading bits, no magic cookie, a length that disagrees with the datagram, a truncated
attribute): the caller drops such a datagram, as section 7.3 asks.
"""

from __future__ import annotations

import enum
import ipaddress
import struct

import attrs

__all__ = [
    "BINDING",
    "MAGIC_COOKIE",
    "Address",
    "AttributeType",
    "StunAttribute",
    "StunClass",
    "StunDecodeError",
    "StunMessage",
    "binding_request",
    "binding_success",
    "error_response",
]

#: ``(host, port)``: an IP address as text and a port.
Address = tuple[str, int]

MAGIC_COOKIE = 0x2112A442
#: The Binding method, the only one RFC 5389 defines.
BINDING = 0x001

_HEADER = struct.Struct("!HHI12s")
_ATTRIBUTE_HEADER = struct.Struct("!HH")
_FAMILY_IPV4 = 0x01
_FAMILY_IPV6 = 0x02


class StunDecodeError(ValueError):
    """The bytes are not a well-formed STUN message."""


class StunClass(enum.IntEnum):
    REQUEST = 0b00
    INDICATION = 0b01
    SUCCESS = 0b10
    ERROR = 0b11


class AttributeType(enum.IntEnum):
    MAPPED_ADDRESS = 0x0001
    ERROR_CODE = 0x0009
    UNKNOWN_ATTRIBUTES = 0x000A
    XOR_MAPPED_ADDRESS = 0x0020
    SOFTWARE = 0x8022
    FINGERPRINT = 0x8028


#: Comprehension-required attributes (type < 0x8000) this module understands.
_UNDERSTOOD = frozenset(
    {
        AttributeType.MAPPED_ADDRESS,
        AttributeType.ERROR_CODE,
        AttributeType.UNKNOWN_ATTRIBUTES,
        AttributeType.XOR_MAPPED_ADDRESS,
    }
)


@attrs.frozen
class StunAttribute:
    type: int
    value: bytes


def _transaction_id(instance: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if len(value) != 12:
        raise ValueError(f"a transaction id has 12 bytes, not {len(value)}")


@attrs.frozen
class StunMessage:
    """One STUN message; ``encode`` and ``decode`` are exact inverses for well-formed input."""

    method: int
    cls: StunClass
    transaction_id: bytes = attrs.field(validator=_transaction_id)
    attributes: tuple[StunAttribute, ...] = ()

    def encode(self) -> bytes:
        body = b"".join(_encode_attribute(a) for a in self.attributes)
        header = _HEADER.pack(
            _message_type(self.method, self.cls), len(body), MAGIC_COOKIE, self.transaction_id
        )
        return header + body

    @classmethod
    def decode(cls, data: bytes) -> StunMessage:
        if len(data) < _HEADER.size:
            raise StunDecodeError("shorter than a STUN header")
        kind, length, cookie, transaction_id = _HEADER.unpack_from(data)
        if kind & 0xC000:
            raise StunDecodeError("the two leading bits of a STUN message are zero")
        if cookie != MAGIC_COOKIE:
            raise StunDecodeError("no magic cookie (not RFC 5389)")
        if length % 4 or _HEADER.size + length != len(data):
            raise StunDecodeError("the length field disagrees with the datagram")
        method, klass = _split_type(kind)
        return cls(method, klass, transaction_id, _decode_attributes(data[_HEADER.size :]))

    def find(self, kind: int) -> bytes | None:
        """The value of the first attribute of type ``kind`` (later duplicates are ignored,
        as section 15 says)."""
        for attribute in self.attributes:
            if attribute.type == kind:
                return attribute.value
        return None

    def unknown_required(self) -> tuple[int, ...]:
        """The comprehension-required attribute types this module does not understand."""
        return tuple(
            a.type for a in self.attributes if a.type < 0x8000 and a.type not in _UNDERSTOOD
        )

    def mapped_address(self) -> Address | None:
        """XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS (older servers), else None.

        Raises ``StunDecodeError`` if the attribute is malformed.
        """
        value = self.find(AttributeType.XOR_MAPPED_ADDRESS)
        if value is not None:
            return _decode_address(value, _xor_key(self.transaction_id))
        value = self.find(AttributeType.MAPPED_ADDRESS)
        if value is not None:
            return _decode_address(value, None)
        return None

    def error_code(self) -> tuple[int, str] | None:
        """ERROR-CODE as ``(code, reason phrase)``, or None."""
        value = self.find(AttributeType.ERROR_CODE)
        if value is None:
            return None
        if len(value) < 4:
            raise StunDecodeError("ERROR-CODE is shorter than 4 bytes")
        code = (value[2] & 0x07) * 100 + value[3]
        return code, value[4:].decode("utf-8", errors="replace")


def binding_request(transaction_id: bytes) -> StunMessage:
    return StunMessage(BINDING, StunClass.REQUEST, transaction_id)


def binding_success(transaction_id: bytes, mapped: Address) -> StunMessage:
    """The answer to a Binding request from ``mapped``: its address, XOR-encoded."""
    value = _encode_address(mapped, _xor_key(transaction_id))
    return StunMessage(
        BINDING,
        StunClass.SUCCESS,
        transaction_id,
        (StunAttribute(AttributeType.XOR_MAPPED_ADDRESS, value),),
    )


def error_response(
    transaction_id: bytes,
    code: int,
    reason: str,
    *,
    method: int = BINDING,
    unknown: tuple[int, ...] = (),
) -> StunMessage:
    """An error response to a request of ``method``; ``unknown`` lists attribute types for a
    420 (Unknown Attribute)."""
    attributes = [
        StunAttribute(
            AttributeType.ERROR_CODE,
            struct.pack("!HBB", 0, code // 100, code % 100) + reason.encode(),
        )
    ]
    if unknown:
        packed = struct.pack(f"!{len(unknown)}H", *unknown)
        attributes.append(StunAttribute(AttributeType.UNKNOWN_ATTRIBUTES, packed))
    return StunMessage(method, StunClass.ERROR, transaction_id, tuple(attributes))


# -- encoding details -------------------------------------------------------------------------


def _message_type(method: int, klass: StunClass) -> int:
    # Section 6: the class bits C0 and C1 sit at bits 4 and 8, between the method's bits.
    return (
        (method & 0x000F)
        | ((method & 0x0070) << 1)
        | ((method & 0x0F80) << 2)
        | ((klass & 0b01) << 4)
        | ((klass & 0b10) << 7)
    )


def _split_type(kind: int) -> tuple[int, StunClass]:
    method = (kind & 0x000F) | ((kind & 0x00E0) >> 1) | ((kind & 0x3E00) >> 2)
    klass = ((kind >> 4) & 0b01) | ((kind >> 7) & 0b10)
    return method, StunClass(klass)


def _encode_attribute(attribute: StunAttribute) -> bytes:
    padding = -len(attribute.value) % 4
    header = _ATTRIBUTE_HEADER.pack(attribute.type, len(attribute.value))
    return header + attribute.value + b"\x00" * padding


def _decode_attributes(body: bytes) -> tuple[StunAttribute, ...]:
    attributes = []
    offset = 0
    while offset < len(body):
        if offset + _ATTRIBUTE_HEADER.size > len(body):
            raise StunDecodeError("truncated attribute header")
        kind, length = _ATTRIBUTE_HEADER.unpack_from(body, offset)
        start = offset + _ATTRIBUTE_HEADER.size
        if start + length > len(body):
            raise StunDecodeError("an attribute runs past the end of the message")
        attributes.append(StunAttribute(kind, body[start : start + length]))
        offset = start + length + (-length % 4)
    return tuple(attributes)


def _xor_key(transaction_id: bytes) -> bytes:
    # Section 15.2: ports XOR the cookie's high half, IPv4 the cookie, IPv6 cookie + id.
    return struct.pack("!I", MAGIC_COOKIE) + transaction_id


def _xor(data: bytes, key: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, key, strict=False))


def _encode_address(address: Address, key: bytes | None) -> bytes:
    host, port = address
    ip = ipaddress.ip_address(host)
    family = _FAMILY_IPV4 if ip.version == 4 else _FAMILY_IPV6
    packed_port = struct.pack("!H", port)
    packed_ip = ip.packed
    if key is not None:
        packed_port, packed_ip = _xor(packed_port, key), _xor(packed_ip, key)
    return struct.pack("!BB", 0, family) + packed_port + packed_ip


def _decode_address(value: bytes, key: bytes | None) -> Address:
    if len(value) < 4:
        raise StunDecodeError("an address attribute is shorter than 4 bytes")
    family = value[1]
    size = {_FAMILY_IPV4: 4, _FAMILY_IPV6: 16}.get(family)
    if size is None or len(value) != 4 + size:
        raise StunDecodeError(f"an address attribute of family {family:#x} and {len(value)} bytes")
    packed_port, packed_ip = value[2:4], value[4:]
    if key is not None:
        packed_port, packed_ip = _xor(packed_port, key), _xor(packed_ip, key)
    (port,) = struct.unpack("!H", packed_port)
    return str(ipaddress.ip_address(packed_ip)), port
