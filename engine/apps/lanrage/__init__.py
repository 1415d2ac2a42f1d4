"""LANrage: virtual LAN parties between nodes, with a control plane and NAT detection.

Each node serves the local API (create, join, leave, status; one current party per node) and
a control plane other nodes may use. The rules are pure functions over attrs values:
``party`` (membership, heartbeats, silence, disbanding), ``addresses`` (virtual IPs),
``nat`` (NAT types, classification, the direct-connection matrix), ``identity`` (peer id and
WireGuard keys), ``node`` (a node's own state: its one current party), ``fields``
(constrained strings), ``views`` (what ``/status`` shows); ``models`` holds every JSON body
and the wire converter, ``errors`` every refusal, ``settings`` the configuration.

The runtime on top: ``registry`` (the control plane's parties, one actor each, on the party
layer), ``control`` (the control-plane interface and this node's own), ``remote`` (another
node's, over HTTP), ``agent`` (the node actor), ``network`` (STUN responder, NAT detection,
latency probes), ``service`` (a node assembled), ``routes`` and ``app`` (the HTTP edge).
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
