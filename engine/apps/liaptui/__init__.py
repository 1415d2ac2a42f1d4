"""Liap Tui: a 4-player piece game played over WebSocket only (specs/liaptui-ws-contract.md).

Modules: the rules, pure functions over attrs values (``pieces``, ``plays``, ``game``,
``outcomes``, ``bots``, ``views``); ``errors`` (every refusal with the spec's code);
``messages`` and ``protocol`` (the wire), ``refusals`` (the error format); the room party
(``state``, ``seating``, ``pacing``, ``table`` for its game, ``room`` for its connections and
seats); ``lobby`` and ``directory`` (creating, listing and finding rooms); ``settings`` (the
environment); ``testing`` (in-process clients and a scripted player); ``routes`` and ``app``
(the engine app), which this package does not import: only they need the web layer.
"""

from .directory import RoomDirectory as RoomDirectory
from .directory import open_directory as open_directory
from .errors import LiaptuiError as LiaptuiError
from .lobby import LobbyActor as LobbyActor
from .room import RoomActor as RoomActor
from .settings import Settings as Settings
from .state import RoomState as RoomState
from .state import Seat as Seat
