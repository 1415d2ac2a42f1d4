"""Zones: defaults, the book of zones, updates, filters and whether a zone takes sessions."""

from __future__ import annotations

import attrs
import pytest

from engine.apps.p2p.errors import ZoneExists, ZoneNotAccepting, ZoneNotFound
from engine.apps.p2p.requests import CreateZoneRequest, UpdateZoneRequest, ZoneQuery
from engine.apps.p2p.statuses import ZoneStatus
from engine.apps.p2p.zones import (
    ZoneBook,
    add_zone,
    count_player_served,
    filter_zones,
    get_zone,
    new_zone,
    replace_zone,
    require_accepting,
    update_zone,
)

from p2p_values import T0, zone, zone_request


def test_a_minimal_zone_gets_the_documented_defaults():
    made = new_zone(CreateZoneRequest("geffen", "Geffen"), number=2, now=T0)
    assert (made.id, made.zone_display_name, made.map_name) == (2, "Geffen", "geffen")
    assert (made.max_players, made.recommended_players, made.p2p_priority) == (100, 50, 5)
    assert (made.p2p_enabled, made.status) == (True, ZoneStatus.ENABLED)
    assert (made.min_host_quality_score, made.min_bandwidth_mbps, made.max_latency_ms) == (
        0.0,
        0.0,
        None,
    )
    assert made.total_players_served == 0


def test_the_default_recommendation_never_exceeds_max_players():
    small = new_zone(CreateZoneRequest("hut", "Hut", max_players=8), number=1, now=T0)
    assert small.recommended_players == 8


def test_the_book_numbers_zones_and_refuses_a_taken_id():
    book, prontera = add_zone(ZoneBook(), zone_request(), now=T0)
    book, geffen = add_zone(book, zone_request(zone_id="geffen"), now=T0 + 1)
    assert (prontera.id, geffen.id, book.next_number) == (1, 2, 3)
    assert get_zone(book, "geffen") is geffen
    with pytest.raises(ZoneExists) as refused:
        add_zone(book, zone_request(), now=T0)
    assert (refused.value.status, refused.value.message) == (409, "Zone already exists: prontera")


def test_an_unknown_zone_is_not_found_with_the_spec_message():
    with pytest.raises(ZoneNotFound) as refused:
        get_zone(ZoneBook(), "prontera")
    assert (refused.value.status, refused.value.message) == (404, "Zone not found: prontera")
    with pytest.raises(ZoneNotFound):
        replace_zone(ZoneBook(), zone())


def test_an_update_changes_only_the_fields_given():
    prontera = zone()
    updated = update_zone(
        prontera, UpdateZoneRequest(p2p_enabled=False, status=ZoneStatus.MAINTENANCE)
    )
    assert (updated.p2p_enabled, updated.status) == (False, ZoneStatus.MAINTENANCE)
    assert attrs.evolve(updated, p2p_enabled=True, status=ZoneStatus.ENABLED) == prontera
    assert update_zone(prontera, UpdateZoneRequest()) is prontera
    book, _ = add_zone(ZoneBook(), zone_request(), now=T0)
    assert get_zone(replace_zone(book, updated), "prontera") == updated


def test_only_an_enabled_p2p_zone_takes_sessions():
    assert require_accepting(zone()) == zone()
    with pytest.raises(ZoneNotAccepting) as refused:
        require_accepting(zone(p2p_enabled=False))
    assert refused.value.message == "Zone prontera does not accept P2P sessions: P2P is disabled"
    disabled = attrs.evolve(zone(), status=ZoneStatus.DISABLED)
    with pytest.raises(ZoneNotAccepting) as refused:
        require_accepting(disabled)
    assert refused.value.message == "Zone prontera does not accept P2P sessions: it is DISABLED"


def test_filters_by_p2p_and_status_in_creation_order():
    book = ZoneBook()
    for zone_id, p2p in (("b", True), ("a", False), ("c", True)):
        book, _ = add_zone(book, zone_request(zone_id=zone_id, p2p_enabled=p2p), now=T0)
    book = replace_zone(book, attrs.evolve(get_zone(book, "c"), status=ZoneStatus.DISABLED))

    def ids(query):
        return [z.zone_id for z in filter_zones(book, query)]

    assert ids(ZoneQuery()) == ["b", "a", "c"]
    assert ids(ZoneQuery(p2p_enabled=True)) == ["b", "c"]
    assert ids(ZoneQuery(p2p_enabled=False)) == ["a"]
    assert ids(ZoneQuery(status=ZoneStatus.DISABLED)) == ["c"]
    assert ids(ZoneQuery(p2p_enabled=True, status=ZoneStatus.ENABLED)) == ["b"]


def test_players_served_accumulate():
    assert count_player_served(count_player_served(zone())).total_players_served == 2
