"""A node's identity: its peer id and its WireGuard key pair.

Keys are X25519 (RFC 7748), written as WireGuard writes them (``wg genkey``, ``wg pubkey``): the
32 raw bytes in standard base64, 44 characters with one ``=`` of padding. New private keys are
clamped as ``wg genkey`` clamps them, so a key written here reads the same in ``wg``.

The key arithmetic is the ``cryptography`` package's (OpenSSL): key generation draws from the
operating system's CSPRNG, never from an injected ``random.Random``.
"""

from __future__ import annotations

import base64
import re
import secrets

import attrs
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import InvalidKey

__all__ = [
    "KEY_LENGTH",
    "PEER_ID_LENGTH",
    "NodeIdentity",
    "check_key",
    "check_peer_id",
    "generate_identity",
    "public_key_of",
]

#: Characters of a base64 WireGuard key.
KEY_LENGTH = 44
#: Hex characters of a peer id (8 random bytes).
PEER_ID_LENGTH = 16

_KEY = re.compile(r"[A-Za-z0-9+/]{43}=")
_PEER_ID = re.compile(rf"[0-9a-f]{{{PEER_ID_LENGTH}}}")


def check_key(key: str) -> bytes:
    """The 32 bytes of a base64 WireGuard key; raises ``InvalidKey`` for anything else,
    including a key whose last character carries bits past the 32 bytes (another spelling of
    the same key would let one key pass as two)."""
    if _KEY.fullmatch(key):
        raw = base64.b64decode(key)
        if base64.b64encode(raw).decode("ascii") == key:
            return raw
    raise InvalidKey(f"A WireGuard key is {KEY_LENGTH} characters of base64")


def check_peer_id(peer_id: str) -> str:
    """``peer_id`` if it is 16 lower-case hex characters; raises ``InvalidKey`` otherwise."""
    if not _PEER_ID.fullmatch(peer_id):
        raise InvalidKey(f"A peer id is {PEER_ID_LENGTH} lower-case hex characters")
    return peer_id


def public_key_of(private_key: str) -> str:
    """The base64 public key of a base64 private key (what ``wg pubkey`` prints)."""
    secret = X25519PrivateKey.from_private_bytes(check_key(private_key))
    raw = secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def _clamp(raw: bytes) -> bytes:
    # RFC 7748 section 5 (and wg genkey): clear the 3 low bits, clear the top bit, set bit 254.
    clamped = bytearray(raw)
    clamped[0] &= 248
    clamped[31] = (clamped[31] & 127) | 64
    return bytes(clamped)


@attrs.frozen
class NodeIdentity:
    """Who a node is, for as long as its store lives: ``peer_id`` (16 hex characters) and its
    WireGuard key pair. The constructor checks that the public key is the private key's, so
    an identity read back from a store is either whole or refused."""

    peer_id: str = attrs.field(validator=lambda _, __, value: check_peer_id(value))
    private_key: str = attrs.field(repr=False)
    public_key: str = attrs.field()

    @public_key.validator
    def _matches(self, attribute: attrs.Attribute[str], value: str) -> None:
        if public_key_of(self.private_key) != value:
            raise InvalidKey("The public key is not the private key's")


def generate_identity() -> NodeIdentity:
    """A new identity: a random peer id and a fresh, clamped key pair."""
    private = base64.b64encode(_clamp(secrets.token_bytes(32))).decode("ascii")
    return NodeIdentity(secrets.token_hex(PEER_ID_LENGTH // 2), private, public_key_of(private))
