"""engine.apps.lanrage.identity: peer ids and WireGuard X25519 keys."""

import base64

import pytest

from engine.apps.lanrage.errors import InvalidKey
from engine.apps.lanrage.identity import (
    KEY_LENGTH,
    NodeIdentity,
    check_key,
    check_peer_id,
    generate_identity,
    public_key_of,
)

# RFC 7748 section 6.1: Alice's private and public keys.
ALICE_PRIVATE = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
ALICE_PUBLIC = bytes.fromhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_the_public_key_is_derived_as_rfc_7748_says() -> None:
    assert public_key_of(b64(ALICE_PRIVATE)) == b64(ALICE_PUBLIC)


def test_a_new_identity_is_written_as_wireguard_writes_keys() -> None:
    identity = generate_identity()
    for key in (identity.private_key, identity.public_key):
        assert len(key) == KEY_LENGTH == 44
        assert key.endswith("=")
        assert len(base64.b64decode(key, validate=True)) == 32
    assert identity.public_key == public_key_of(identity.private_key)
    assert len(identity.peer_id) == 16
    int(identity.peer_id, 16)


def test_new_private_keys_are_clamped_like_wg_genkey() -> None:
    for _ in range(20):
        raw = base64.b64decode(generate_identity().private_key)
        assert raw[0] & 7 == 0
        assert raw[31] & 128 == 0
        assert raw[31] & 64 == 64


def test_identities_differ() -> None:
    identities = [generate_identity() for _ in range(10)]
    assert len({i.peer_id for i in identities}) == 10
    assert len({i.private_key for i in identities}) == 10


def test_an_identity_whose_keys_do_not_match_is_refused() -> None:
    one, other = generate_identity(), generate_identity()
    with pytest.raises(InvalidKey, match="not the private key's"):
        NodeIdentity(one.peer_id, one.private_key, other.public_key)


def test_an_identity_round_trips_through_its_fields() -> None:
    identity = generate_identity()
    assert NodeIdentity(identity.peer_id, identity.private_key, identity.public_key) == identity


def test_the_private_key_stays_out_of_the_repr() -> None:
    identity = generate_identity()
    assert identity.private_key not in repr(identity)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "A" * 44,  # no padding
        "A" * 43 + "=" + "A",  # too long
        b64(bytes(31)),  # 31 bytes: 44 characters but two of padding
        "!" * 43 + "=",
        b64(bytes(32)).replace("A", "-", 1),  # URL-safe alphabet
        b64(bytes(32))[:42] + "B=",  # bits past the 32 bytes: another spelling of zero
    ],
)
def test_malformed_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidKey, match="44 characters of base64"):
        check_key(key)


def test_a_well_formed_key_gives_its_bytes() -> None:
    assert check_key(b64(ALICE_PUBLIC)) == ALICE_PUBLIC


@pytest.mark.parametrize(
    "peer_id", ["", "0123456789abcde", "0123456789ABCDEF", "0123456789abcdefa", "g" * 16]
)
def test_malformed_peer_ids_are_refused(peer_id: str) -> None:
    with pytest.raises(InvalidKey, match="16 lower-case hex"):
        check_peer_id(peer_id)
