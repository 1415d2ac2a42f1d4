"""WatchParty: password-protected watch-together sessions with chat, WebRTC signaling and
playback sync (specs/watchparty-api.md).

Modules: ``validation`` (input rules), ``session`` (state and pure transitions), ``messages``
and ``session_actor`` (the session as a persistent actor), ``wire`` (the WebSocket protocol and
JSON views), ``models`` (the spec's JSON shapes), ``errors``, ``peers``, ``clock`` and
``directory`` (creating and finding sessions); ``settings`` (the environment), ``routes`` (the
HTTP and WebSocket API) and ``app`` (the engine app), which this package does not import: only
they need the web layer.
"""

from .clock import TrioWallClock as TrioWallClock
from .directory import SessionDirectory as SessionDirectory
from .directory import start_session_directory as start_session_directory
from .errors import WatchPartyError as WatchPartyError
from .errors import error_body as error_body
from .session import SessionSettings as SessionSettings
from .session_actor import SESSION_KIND as SESSION_KIND
from .session_actor import SessionActor as SessionActor
from .settings import WatchPartySettings as WatchPartySettings
