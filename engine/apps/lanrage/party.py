"""A party as the control plane keeps it, and the pure transitions on it.

A ``Party`` is a name, a host and its members in join order (the host first). Every transition
takes the party and returns a new one, or raises an ``engine.errors`` kind and changes
nothing. ``None`` for a party means it is gone: the host left or went silent, and the party is
disbanded with it (a party never outlives its host, so it is never empty).

Times are epoch seconds passed in as ``now``; ids are drawn from an injected ``random.Random``
(``random.SystemRandom()`` in a server: party ids must not be guessable).
"""

from __future__ import annotations

import random

import attrs

from .addresses import HOST_IP, allocate_virtual_ip
from .errors import NotAMember
from .fields import Endpoint, Name, PeerId, PublicKey, checked
from .nat import NatType

__all__ = [
    "PARTY_ID_LENGTH",
    "Member",
    "Party",
    "PeerInfo",
    "create_party",
    "drop_stale",
    "heartbeat",
    "is_stale",
    "join_party",
    "leave_party",
    "new_party_id",
]

#: Hex characters of a party id (6 random bytes).
PARTY_ID_LENGTH = 12


@attrs.frozen
class PeerInfo:
    """What a node tells the control plane about itself, on create, join and every heartbeat.

    ``endpoint`` is where its UDP probe answers (``ip:port``), None when it runs none.
    """

    peer_id: PeerId = attrs.field(validator=checked(PeerId))
    name: Name = attrs.field(validator=checked(Name))
    public_key: PublicKey = attrs.field(validator=checked(PublicKey))
    nat_type: NatType = NatType.UNKNOWN
    endpoint: Endpoint | None = attrs.field(default=None, validator=checked(Endpoint))


@attrs.frozen
class Member:
    """A peer in a party: what it said about itself, its virtual IP, when it joined and when
    the control plane last heard from it."""

    peer: PeerInfo
    virtual_ip: str
    joined_at: float
    last_seen: float

    @property
    def peer_id(self) -> str:
        return self.peer.peer_id


@attrs.frozen
class Party:
    """``members`` in join order, the host first; the wire form between nodes as it is."""

    id: str
    name: Name = attrs.field(validator=checked(Name))
    host_id: str
    created_at: float
    members: tuple[Member, ...]

    def member(self, peer_id: str) -> Member | None:
        for member in self.members:
            if member.peer_id == peer_id:
                return member
        return None

    def _replace(self, member: Member) -> Party:
        members = tuple(member if m.peer_id == member.peer_id else m for m in self.members)
        return attrs.evolve(self, members=members)


def new_party_id(rng: random.Random) -> str:
    """12 lower-case hex characters (48 random bits)."""
    return f"{rng.getrandbits(4 * PARTY_ID_LENGTH):0{PARTY_ID_LENGTH}x}"


def create_party(party_id: str, name: str, host: PeerInfo, now: float) -> Party:
    """A new party with ``host`` as its only member, at the host address."""
    return Party(party_id, Name(name), host.peer_id, now, (Member(host, HOST_IP, now, now),))


def join_party(party: Party, peer: PeerInfo, now: float) -> Party:
    """``party`` with ``peer`` in it, at the lowest free virtual IP.

    A peer already in the party (a node rejoining after a restart) keeps its address and join
    time; what it says about itself replaces what it said before. Raises ``PartyFull`` when no
    address is left.
    """
    existing = party.member(peer.peer_id)
    if existing is not None:
        return party._replace(attrs.evolve(existing, peer=peer, last_seen=now))
    ip = allocate_virtual_ip(m.virtual_ip for m in party.members)
    return attrs.evolve(party, members=(*party.members, Member(peer, ip, now, now)))


def leave_party(party: Party, peer_id: str) -> Party | None:
    """``party`` without ``peer_id``; None if that was the host (the party is disbanded).

    Raises ``NotAMember`` if the peer is not in the party.
    """
    if party.member(peer_id) is None:
        raise NotAMember()
    if peer_id == party.host_id:
        return None
    return attrs.evolve(party, members=tuple(m for m in party.members if m.peer_id != peer_id))


def heartbeat(party: Party, peer: PeerInfo, now: float) -> Party:
    """``party`` having heard from ``peer`` at ``now``, with what it says about itself now
    (its NAT type may have been detected since it joined).

    Raises ``NotAMember`` if the peer is not in the party (it left, or was dropped as silent:
    it must join again).
    """
    member = party.member(peer.peer_id)
    if member is None:
        raise NotAMember()
    return party._replace(attrs.evolve(member, peer=peer, last_seen=max(member.last_seen, now)))


def is_stale(member: Member, now: float, timeout: float) -> bool:
    """Whether ``member`` has been silent for longer than ``timeout`` seconds at ``now``."""
    return now - member.last_seen > timeout


def drop_stale(party: Party, now: float, timeout: float) -> tuple[Party | None, tuple[str, ...]]:
    """``party`` without its members silent for more than ``timeout`` seconds, and the ids
    dropped. A silent host disbands the party: the result is then None (and every member is
    listed as dropped)."""
    stale = tuple(m.peer_id for m in party.members if is_stale(m, now, timeout))
    if party.host_id in stale:
        return None, tuple(m.peer_id for m in party.members)
    if not stale:
        return party, ()
    kept = tuple(m for m in party.members if m.peer_id not in stale)
    return attrs.evolve(party, members=kept), stale
