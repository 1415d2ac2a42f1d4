"""WatchParty: password-protected watch-together sessions with chat, WebRTC signaling and
playback sync (specs/watchparty-api.md), on the party layer (``engine.parties``).

Modules: ``validation`` (input rules), ``session`` (state and pure transitions), ``messages``
and ``session_actor`` (the session as a party), ``wire`` (the WebSocket protocol and JSON
views), ``models`` (the spec's JSON shapes), ``errors`` and ``settings`` (the environment);
``routes`` (the HTTP and WebSocket API and the error format) and ``app`` (the engine app),
which this package does not import: only they need the web layer.
"""

from .session import SessionSettings as SessionSettings
from .session_actor import SESSION_KIND as SESSION_KIND
from .session_actor import SessionActor as SessionActor
from .settings import WatchPartySettings as WatchPartySettings
