"""The P2P game coordinator: hosts, zones, sessions, WebRTC signaling and monitoring.

Modules: ``statuses`` (the status vocabularies), ``quality`` (the host quality score),
``hosts``, ``zones`` and ``sessions`` (state values and their rules), ``signaling`` (who is on a
session's WebSocket and where messages go), ``monitoring`` (dashboard figures), ``fields``,
``requests`` and ``responses`` (the HTTP bodies), ``wire`` (their converter), ``protocol`` (the
WebSocket messages), ``views`` (response bodies from state), ``errors`` and ``settings``. None
of them imports the runtime.

On the party layer: ``registry`` (the zones and the numbers, one party), ``host_party`` and
``session_party`` (one persistent actor per host and per session), ``messages`` (what they
tell each other), ``coordinator`` (the context: what takes several actors), ``routes`` and
``app`` (the only modules importing ``engine.web``).
"""

from .errors import HostNotFound as HostNotFound
from .errors import SessionNotFound as SessionNotFound
from .errors import ZoneNotFound as ZoneNotFound
from .hosts import Host as Host
from .quality import quality_score as quality_score
from .sessions import Session as Session
from .settings import P2PSettings as P2PSettings
from .statuses import HostStatus as HostStatus
from .statuses import SessionStatus as SessionStatus
from .statuses import ZoneStatus as ZoneStatus
from .zones import Zone as Zone
from .zones import ZoneBook as ZoneBook
