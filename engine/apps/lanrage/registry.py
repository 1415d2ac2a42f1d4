"""The control plane's parties: one persistent actor per party, on the party layer.

``PartyActor`` keeps a ``party.Party`` as its state and applies the rules of ``party`` to it,
one message at a time; every answer is the party as committed (so "joined" means durable).
A party disbanded by its host leaving, or by its host going silent, finishes: it is deleted
from the store and its id is free again. Every ``cleanup_interval`` the actor drops the
members silent for longer than ``peer_timeout`` (a timer re-armed on every start, so parties
restored after a restart keep being swept: the directory restores them all at set-up).

Ids are ``new_party_id`` drawn from ``random.SystemRandom`` (``PartyIds``); the directory
draws again when an id is live or saved.
"""

from __future__ import annotations

import random
import re
from typing import Literal

import attrs

from engine import clock
from engine.actors import on
from engine.parties import Party as PartyBase
from engine.parties import PartyDirectory, PartyErrors, start_party_directory
from engine.store import Store
from engine.supervisors import ActorSystem

from .party import (
    PARTY_ID_LENGTH,
    Party,
    PeerInfo,
    create_party,
    drop_stale,
    heartbeat,
    join_party,
    leave_party,
    new_party_id,
)
from .settings import LanrageSettings

__all__ = [
    "Beat",
    "Enter",
    "Exit",
    "PartyActor",
    "PartyIds",
    "Snapshot",
    "Sweep",
    "open_registry",
    "seed_party",
]

_PARTY_ID = re.compile(rf"[0-9a-f]{{{PARTY_ID_LENGTH}}}")


@attrs.frozen
class PartyIds:
    """12 lower-case hex characters from the system's CSPRNG; ``parse`` takes exactly that."""

    rng: random.Random = attrs.field(factory=random.SystemRandom, eq=False, repr=False)
    may_collide: bool = attrs.field(default=True, init=False)

    def new(self) -> str:
        return new_party_id(self.rng)

    def parse(self, text: str) -> str | None:
        return text if _PARTY_ID.fullmatch(text) else None


@attrs.frozen
class Enter:
    """Ask: add ``peer`` (or refresh it, keeping its address); answers the party."""

    peer: PeerInfo


@attrs.frozen
class Beat:
    """Ask: ``peer`` is alive; answers the party (``NotAMember`` if it was dropped)."""

    peer: PeerInfo


@attrs.frozen
class Exit:
    """Ask: ``peer_id`` leaves; answers ``"left"``, or ``"disbanded"`` if it was the host."""

    peer_id: str


@attrs.frozen
class Snapshot:
    """Ask: the party as it is."""


@attrs.frozen
class Sweep:
    """Timer: drop the members silent for too long."""


def seed_party(name: str, host: PeerInfo) -> Party:
    """A new party's first state; its id is filled in by the actor the directory starts."""
    return create_party("", name, host, clock.now())


class PartyActor(PartyBase[Party, None]):
    kind = "lanrage.party"
    state_type = Party

    def initial_state(self) -> Party | None:
        seed = super().initial_state()
        return None if seed is None else attrs.evolve(seed, id=self.key)

    async def on_ready(self, restored: bool) -> None:
        settings: LanrageSettings = self.context
        self.start_timer("sweep", settings.cleanup_interval, Sweep(), repeat=True)

    @on(Enter)
    def _enter(self, message: Enter) -> Party:
        self.state = join_party(self.state, message.peer, clock.now())
        return self.state

    @on(Beat)
    def _beat(self, message: Beat) -> Party:
        self.state = heartbeat(self.state, message.peer, clock.now())
        return self.state

    @on(Exit)
    def _exit(self, message: Exit) -> Literal["left", "disbanded"]:
        remaining = leave_party(self.state, message.peer_id)
        if remaining is None:
            self.finish()
            return "disbanded"
        self.state = remaining
        return "left"

    @on(Snapshot)
    def _snapshot(self, _: Snapshot) -> Party:
        return self.state

    @on(Sweep)
    def _sweep(self, _: Sweep) -> None:
        settings: LanrageSettings = self.context
        remaining, _dropped = drop_stale(self.state, clock.now(), settings.peer_timeout)
        if remaining is None:
            self.finish()
        else:
            self.state = remaining


async def open_registry(
    system: ActorSystem, store: Store, settings: LanrageSettings, errors: PartyErrors
) -> PartyDirectory[PartyActor]:
    """The directory of this node's control-plane parties, every saved one running (their
    sweeps must run even if nobody asks about them)."""
    return await start_party_directory(
        system,
        store,
        PartyActor,
        errors=errors,
        ids=PartyIds(),
        context=settings,
        restore_all=True,
    )
