"""engine.net's public names: the server-side transport, peers, events and codec."""

import subprocess
import sys
import types

import engine.net


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.net).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {
        # WebSocket transport and listener
        "Accept",
        "CloseReason",
        "ConnectionClosed",
        "Frame",
        "MessageTooBig",
        "Reject",
        "WebSocket",
        "WebSocketError",
        "WebSocketHandler",
        "WebSocketOptions",
        "WebSocketRequest",
        "WebSocketResolver",
        "WebSocketStatistics",
        "binary_frame",
        "open_server_websocket",
        "serve_tcp",
        "TrustedProxies",
        # the direct HTTP/1.1 path, for engine.web
        "BodyRefused",
        "HttpHeaders",
        "HttpReply",
        "HttpRequest",
        "RouteHandler",
        "text_frame",
        # rate limits
        "Decision",
        "KeyedLimit",
        "RateLimitKind",
        "RateLimitRule",
        "RateLimiter",
        "RateLimiterStatistics",
        # codec, peers and event streams
        "Codec",
        "DecodeError",
        "JSON_CODEC",
        "JsonCodec",
        "ErrorEncoder",
        "Peer",
        "PeerConnected",
        "PeerDisconnected",
        "PeerMessage",
        "serve_peer",
        "EventStream",
        "EventStreamStatistics",
        "Journal",
        "batched_sends",
        # strict JSON
        "JsonRejected",
        "MAX_JSON_DEPTH",
        "MAX_JSON_INT_DIGITS",
        "UnencodableValue",
        "json_dumps",
        "json_loads",
        # STUN and NAT observation
        "NatObservation",
        "StunBinding",
        "StunError",
        "StunErrorResponse",
        "StunResponder",
        "StunResponderStatistics",
        "StunTimeout",
        "observe_nat",
        "open_stun_responder",
        "open_udp_socket",
        "serve_stun",
        "stun_binding",
    }


def test_names_point_at_their_home_modules() -> None:
    for name in ("EventStream", "Peer", "serve_peer", "JsonCodec", "serve_tcp", "WebSocket"):
        assert getattr(engine.net, name).__module__.startswith("engine.net._")


def test_importing_the_server_api_leaves_the_client_testing_and_libraries_out() -> None:
    probe = "import engine.net, sys; print(sorted(m for m in MODULES if m in sys.modules))"
    modules = ["engine.net.client", "engine.net.testing", "httpx", "trio_websocket"]
    result = subprocess.run(
        [sys.executable, "-c", f"MODULES = {modules!r}; {probe}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_testing_names() -> None:
    import engine.net.testing

    assert set(engine.net.testing.__all__) == {
        "MemoryPeerInbox",
        "MemoryPeerStatistics",
        "memory_peer",
    }
