"""LANrage: virtual LAN parties between nodes, with a control plane and NAT detection.

Each node serves the local API (create, join, leave, status; one current party per node) and
a control plane other nodes may use. The rules are pure functions over attrs values:
``party`` (membership, heartbeats, silence, disbanding), ``addresses`` (virtual IPs),
``nat`` (NAT types, classification, the direct-connection matrix), ``identity`` (peer id and
WireGuard keys), ``node`` (a node's own state: its one current party), ``fields``
(constrained strings), ``views`` (what ``/status`` shows); ``models`` holds every JSON body
and the wire converter, ``errors`` every refusal, ``settings`` the configuration.
"""

from .errors import PartyNotFound as PartyNotFound
from .identity import NodeIdentity as NodeIdentity
from .identity import generate_identity as generate_identity
from .models import WIRE as WIRE
from .nat import ConnectionType as ConnectionType
from .nat import NatType as NatType
from .party import Party as Party
from .party import PeerInfo as PeerInfo
from .settings import LanrageSettings as LanrageSettings
