"""A node's UDP side: its STUN responder, its NAT detection, and latency probes to its peers.

These run as tasks of the app (``service.open_node``) and talk to the node actor by message,
so a slow network never holds up the local API:

- ``detect_nat``: resolves the configured STUN servers' names, observes the NAT from a fresh
  socket (``engine.net.observe_nat``) and classifies it; no server configured, none resolved or
  none answering is ``unknown``. It also works out this node's ``endpoint``: the responder's
  address, or, when the responder listens on every interface, the public address NAT detection
  saw, else this node's address toward its control plane (or toward its STUN server).
- ``probe_peers``: every ``probe_interval``, one STUN Binding request (``attempts=1``) to each
  peer's endpoint, all at once; an answer gives the round trip, no answer (or no endpoint)
  makes the peer ``unanswered``. Only the process running the node actor probes (in a
  cluster, one process at a time).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import trio

from engine.actors import ActorError, ActorRef
from engine.net import StunError, observe_nat, open_udp_socket, stun_binding

from .agent import NatDetected, Probed, ProbeTargets
from .fields import parse_endpoint
from .models import LatencySource, NatInfo
from .nat import NatType, Reachability, classify_nat
from .settings import LanrageSettings
from .views import Link

__all__ = ["PROBE_TIMEOUT", "detect_nat", "endpoint_text", "probe_peer", "probe_peers"]

log = logging.getLogger("engine.apps.lanrage")

#: Seconds a latency probe waits for its one answer.
PROBE_TIMEOUT = 1.0
# NAT detection's retransmissions: 0.5 s, then 1 s and 2 s before giving a server up.
_DETECTION_ATTEMPTS = 3
_WILDCARDS = ("0.0.0.0", "::")


def endpoint_text(address: tuple[str, int]) -> str:
    """``ip:port``, ``[ipv6]:port``."""
    host, port = address[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _resolve(host: str, port: int) -> tuple[str, int] | None:
    try:
        ipaddress.ip_address(host)
        return host, port
    except ValueError:
        pass
    try:
        found = await trio.socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError as exc:
        log.warning("STUN server %s:%s not resolved: %s", host, port, exc)
        return None
    # IPv4 first: NAT types are an IPv4 notion, and the servers must share a family.
    found.sort(key=lambda entry: entry[0] != socket.AF_INET)
    ip, resolved_port = found[0][4][:2]
    return str(ip), int(resolved_port)


async def _source_ip_towards(host: str, port: int) -> str | None:
    # Connecting a UDP socket sends nothing; the kernel picks the route and so the source IP.
    target = await _resolve(host, port)
    if target is None:
        return None
    family = socket.AF_INET6 if ":" in target[0] else socket.AF_INET
    try:
        with trio.socket.socket(family, socket.SOCK_DGRAM) as probe:
            await probe.connect(target)
            return str(probe.getsockname()[0])
    except OSError:
        return None


async def _observe(servers: Sequence[tuple[str, int]], local_host: str) -> NatInfo:
    resolved = [address for address in [await _resolve(*s) for s in servers] if address]
    if not resolved:
        return NatInfo(NatType.UNKNOWN, None, None)
    try:
        seen = await observe_nat(resolved, local=(local_host, 0), attempts=_DETECTION_ATTEMPTS)
    except OSError as exc:
        log.warning("NAT detection failed: %s", exc)
        return NatInfo(NatType.UNKNOWN, None, None)
    nat_type = classify_nat(seen.local, seen.mapped)
    if not seen.bindings:
        return NatInfo(nat_type, None, None)
    public_ip, public_port = seen.mapped[0]
    return NatInfo(nat_type, public_ip, public_port)


async def detect_nat(settings: LanrageSettings, responder: tuple[str, int] | None) -> NatDetected:
    """This node's NAT and endpoint, detected (for the node actor)."""
    local_host = "0.0.0.0"
    if responder is not None and responder[0] not in _WILDCARDS:
        local_host = responder[0]
    if settings.stun:
        nat = await _observe(settings.stun, local_host)
    else:
        nat = NatInfo(NatType.UNKNOWN, None, None)
    endpoint = None
    if responder is not None:
        host = responder[0]
        if host in _WILDCARDS:
            host = nat.public_ip or await _address_toward_control(settings) or "127.0.0.1"
        endpoint = endpoint_text((host, responder[1]))
    log.info("NAT %s, endpoint %s", nat.nat_type, endpoint)
    return NatDetected(nat, endpoint)


async def _address_toward_control(settings: LanrageSettings) -> str | None:
    if settings.control_url is not None:
        parts = urlsplit(settings.control_url)
        if parts.hostname is not None:
            return await _source_ip_towards(parts.hostname, parts.port or 80)
    if settings.stun:
        return await _source_ip_towards(*settings.stun[0])
    return None


async def probe_peer(endpoint: str | None) -> Link:
    """One UDP probe to ``endpoint``: answered with its round trip, or unanswered (also when
    the peer has no endpoint: it runs no responder)."""
    if endpoint is None:
        return Link(Reachability.UNANSWERED)
    address = parse_endpoint(endpoint)
    host = "::" if ":" in address[0] else "0.0.0.0"
    try:
        async with open_udp_socket(host) as sock:
            binding = await stun_binding(
                sock, address, rto=PROBE_TIMEOUT, attempts=1, final_wait=1.0
            )
    except (StunError, OSError):
        return Link(Reachability.UNANSWERED)
    if binding.rtt is None:  # cannot happen with one attempt; no latency without a round trip
        return Link(Reachability.ANSWERED)
    return Link(Reachability.ANSWERED, round(binding.rtt * 1000, 3), LatencySource.UDP_PROBE)


async def _probe_into(links: dict[str, Link], peer_id: str, endpoint: str | None) -> None:
    links[peer_id] = await probe_peer(endpoint)


async def probe_peers(node: Callable[[], ActorRef | None], settings: LanrageSettings) -> None:
    """Probe every peer of the node's party each ``probe_interval``, forever, in the rounds
    when ``node()`` finds the node actor in this process (None: another process runs it)."""
    while True:
        ref = node()
        targets: list[tuple[str, str | None]] = []
        if ref is not None:
            try:
                targets = await ref.ask(ProbeTargets())
            except ActorError as exc:  # restarting after a crash: try again next round
                log.warning("no probe targets: %r", exc)
        links: dict[str, Link] = {}
        async with trio.open_nursery() as nursery:
            for peer_id, endpoint in targets:
                nursery.start_soon(_probe_into, links, peer_id, endpoint)
        if ref is not None and targets:
            with contextlib.suppress(ActorError):  # stopped meanwhile: its next run probes
                ref.tell(Probed(links))
        await trio.sleep(settings.probe_interval)
