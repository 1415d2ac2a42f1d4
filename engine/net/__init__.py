"""One actor per connected player: WebSocket I/O on Hypercorn's port, heartbeat, rate limits,
sequence numbers and resume, and the wire codec; a STUN client and responder (RFC 5389) and
NAT observation over UDP.

The Trio client for tests and embedders is `engine.net.client`, imported on its own: the server
side does not need httpx or trio-websocket. In-memory peers, to drive a party without a socket,
are in `engine.net.testing`, also imported on its own.
"""

from ._batch import batched_sends as batched_sends
from ._codec import JSON_CODEC as JSON_CODEC
from ._codec import Codec as Codec
from ._codec import DecodeError as DecodeError
from ._codec import JsonCodec as JsonCodec
from ._events import EventStream as EventStream
from ._events import EventStreamStatistics as EventStreamStatistics
from ._events import Journal as Journal
from ._forwarded import TrustedProxies as TrustedProxies
from ._frames import CloseReason as CloseReason
from ._frames import Frame as Frame
from ._frames import binary_frame as binary_frame
from ._frames import text_frame as text_frame
from ._http1 import BodyRefused as BodyRefused
from ._http1 import Headers as HttpHeaders
from ._http1 import HttpReply as HttpReply
from ._http1 import HttpRequest as HttpRequest
from ._http1 import RouteHandler as RouteHandler
from ._json import MAX_DEPTH as MAX_JSON_DEPTH
from ._json import MAX_INT_DIGITS as MAX_JSON_INT_DIGITS
from ._json import JsonRejected as JsonRejected
from ._json import UnencodableValue as UnencodableValue
from ._json import dumps as json_dumps
from ._json import loads as json_loads
from ._listener import serve_tcp as serve_tcp
from ._nat import NatObservation as NatObservation
from ._nat import observe_nat as observe_nat
from ._peer import ErrorEncoder as ErrorEncoder
from ._peer import Peer as Peer
from ._peer import PeerConnected as PeerConnected
from ._peer import PeerDisconnected as PeerDisconnected
from ._peer import PeerMessage as PeerMessage
from ._peer import serve_peer as serve_peer
from ._ratelimit import Decision as Decision
from ._ratelimit import KeyedLimit as KeyedLimit
from ._ratelimit import RateLimiter as RateLimiter
from ._ratelimit import RateLimiterStatistics as RateLimiterStatistics
from ._ratelimit import RateLimitKind as RateLimitKind
from ._ratelimit import RateLimitRule as RateLimitRule
from ._stun import StunBinding as StunBinding
from ._stun import StunError as StunError
from ._stun import StunErrorResponse as StunErrorResponse
from ._stun import StunResponder as StunResponder
from ._stun import StunResponderStatistics as StunResponderStatistics
from ._stun import StunTimeout as StunTimeout
from ._stun import open_stun_responder as open_stun_responder
from ._stun import open_udp_socket as open_udp_socket
from ._stun import serve_stun as serve_stun
from ._stun import stun_binding as stun_binding
from ._websocket import WebSocket as WebSocket
from ._websocket import open_server_websocket as open_server_websocket
from ._ws_errors import ConnectionClosed as ConnectionClosed
from ._ws_errors import MessageTooBig as MessageTooBig
from ._ws_errors import WebSocketError as WebSocketError
from ._ws_handshake import WebSocketRequest as WebSocketRequest
from ._ws_options import WebSocketOptions as WebSocketOptions
from ._ws_options import WebSocketStatistics as WebSocketStatistics
from ._ws_routes import Accept as Accept
from ._ws_routes import Reject as Reject
from ._ws_routes import WebSocketHandler as WebSocketHandler
from ._ws_routes import WebSocketResolver as WebSocketResolver
