"""The registry: one party holding every zone (a ``ZoneBook``) and the numbers the next host and
session get.

Zones are few and change rarely, so one party keeps them all and answers reads from memory;
host and session numbers (the ``id`` responses show) come from here too so that they are never
given twice, across restarts included. A number drawn for a host or session that then failed
to be created is not reused: numbers only promise to be unique and increasing.

It is a party (id ``REGISTRY_ID`` in its own directory, reached with ``get_or_create``) rather
than an actor each process starts, so that a cluster runs it once: on one node, reached from
the others through the directory's stand-ins, and restored from the store by the next node to
need it when its node dies.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from engine import clock
from engine.actors import on
from engine.parties import Party

from .requests import CreateZoneRequest, UpdateZoneRequest, ZoneQuery
from .zones import (
    Zone,
    ZoneBook,
    add_zone,
    count_player_served,
    filter_zones,
    get_zone,
    replace_zone,
    update_zone,
)

__all__ = [
    "REGISTRY_ID",
    "CountPlayerServed",
    "CreateZone",
    "GetZone",
    "ListZones",
    "NumberHost",
    "NumberSession",
    "Registry",
    "RegistryParty",
    "UpdateZone",
]

#: The registry's party id (its record's key in the store).
REGISTRY_ID = "registry"


@attrs.frozen
class Registry:
    zones: ZoneBook = attrs.field(factory=ZoneBook)
    next_host: int = 1
    next_session: int = 1


@attrs.frozen
class CreateZone:
    """Ask: the new zone (``ZoneExists`` if its id is taken)."""

    request: CreateZoneRequest


@attrs.frozen
class GetZone:
    """Ask: the zone (``ZoneNotFound``)."""

    zone_id: str


@attrs.frozen
class ListZones:
    """Ask: the zones matching ``query``, in creation order."""

    query: ZoneQuery = attrs.field(factory=ZoneQuery)


@attrs.frozen
class UpdateZone:
    """Ask: the zone with the request's changes (``ZoneNotFound``)."""

    zone_id: str
    request: UpdateZoneRequest


@attrs.frozen
class CountPlayerServed:
    """Tell: a player was added to a session in the zone."""

    zone_id: str


@attrs.frozen
class NumberHost:
    """Ask: the number of a new host."""


@attrs.frozen
class NumberSession:
    """Ask: the number of a new session."""


class RegistryParty(Party[Registry, None]):
    kind: ClassVar[str] = "p2p.registry"
    state_type: ClassVar[type] = Registry

    @on(CreateZone)
    def _create(self, message: CreateZone) -> Zone:
        zones, zone = add_zone(self.state.zones, message.request, now=clock.now())
        self.state = attrs.evolve(self.state, zones=zones)
        return zone

    @on(GetZone)
    def _get(self, message: GetZone) -> Zone:
        return get_zone(self.state.zones, message.zone_id)

    @on(ListZones)
    def _list(self, message: ListZones) -> list[Zone]:
        return filter_zones(self.state.zones, message.query)

    @on(UpdateZone)
    def _update(self, message: UpdateZone) -> Zone:
        zone = update_zone(get_zone(self.state.zones, message.zone_id), message.request)
        self.state = attrs.evolve(self.state, zones=replace_zone(self.state.zones, zone))
        return zone

    @on(CountPlayerServed)
    def _count(self, message: CountPlayerServed) -> None:
        zone = count_player_served(get_zone(self.state.zones, message.zone_id))
        self.state = attrs.evolve(self.state, zones=replace_zone(self.state.zones, zone))

    @on(NumberHost)
    def _number_host(self, _: NumberHost) -> int:
        number = self.state.next_host
        self.state = attrs.evolve(self.state, next_host=number + 1)
        return number

    @on(NumberSession)
    def _number_session(self, _: NumberSession) -> int:
        number = self.state.next_session
        self.state = attrs.evolve(self.state, next_session=number + 1)
        return number
