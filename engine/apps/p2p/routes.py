"""The coordinator's routes: every route of the API, declared once and served under both
``/api`` and ``/api/v1``, and the signaling WebSocket at ``/ws``.

Every request goes through ``guard`` first, before its body is read: the rate limit (per client
IP, across all routes; ``X-RateLimit-*`` on every answer), then, while an API key is set,
authentication (``X-API-Key`` or a bearer token; ``POST /api/auth/token`` takes the key only).
Bodies are structured with the coordinator's strict ``WIRE`` converter (422 naming every
field), query strings with the ``requests`` parsers (400). Errors are ``{"detail": ...}``.
"""

from __future__ import annotations

import hmac
import typing
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import attrs

from engine.errors import AppError
from engine.net import (
    Accept,
    CloseReason,
    KeyedLimit,
    RateLimiter,
    WebSocket,
    WebSocketOptions,
    WebSocketRequest,
)
from engine.parties import serve_member
from engine.web import (
    DetailErrors,
    HttpError,
    Message,
    Request,
    Routes,
    TokenExpired,
    TokenInvalid,
    TokenIssuer,
    WebSocketProtocol,
    rate_limit_headers,
)

from . import protocol
from .coordinator import Coordinator
from .errors import InvalidApiKey, InvalidToken, MissingCredentials, SessionClosed
from .errors import TokenExpired as TokenExpiredError
from .host_party import Beat, ReadHost, Unregister
from .registry import CreateZone, ListZones, UpdateZone
from .requests import (
    AddPlayerRequest,
    CreateSessionRequest,
    CreateZoneRequest,
    HeartbeatRequest,
    IceCandidateRequest,
    RegisterHostRequest,
    SignalRequest,
    TokenRequest,
    UpdateSessionMetricsRequest,
    UpdateZoneRequest,
    parse_best_host_query,
    parse_host_query,
    parse_signaling_query,
    parse_zone_query,
)
from .responses import (
    Dashboard,
    HeartbeatResponse,
    HostDetails,
    HostRegistered,
    HostStats,
    HostSummary,
    IceCandidateView,
    MessageResponse,
    SessionCreated,
    SessionDetails,
    SignalView,
    TokenResponse,
    ZoneCreated,
    ZoneDetails,
    ZoneSummary,
    ZoneUpdated,
)
from .session_party import (
    Activate,
    AddCandidate,
    Connection,
    PostSignal,
    ReadSession,
    RemovePlayer,
    SignalingErrors,
    UpdateMetrics,
)
from .sessions import get_answer, get_offer
from .settings import P2PSettings
from .views import (
    host_details,
    host_registered,
    host_summary,
    session_created,
    session_details,
    zone_created,
    zone_details,
    zone_summary,
    zone_updated,
)
from .wire import WIRE

__all__ = ["ERRORS", "FRAME_LIMIT", "P2P", "SOCKET_OPTIONS", "api", "routes"]

#: Query-string errors and rule refusals are 400, body validation FastAPI's 422.
ERRORS = DetailErrors(validation_status=422)
#: A signaling frame is at most 128 KiB (an SDP with many media sections is well under it);
#: a larger one is answered with an ``error`` message and the connection stays open.
FRAME_LIMIT = 128 * 1024
SOCKET_OPTIONS = WebSocketOptions(max_message_size=FRAME_LIMIT, close_on_oversize=False)


@attrs.frozen(eq=False)
class P2P:
    """The app's context: the coordinator, the token issuer, the HTTP rate limiter (by client
    IP) and the signaling one (by session and peer, shared by the peer's connections); a
    limiter is None when its limit is 0."""

    coordinator: Coordinator
    tokens: TokenIssuer
    limiter: RateLimiter | None
    signaling_limiter: RateLimiter | None
    signaling_errors: SignalingErrors = attrs.field(factory=SignalingErrors)

    @property
    def settings(self) -> P2PSettings:
        return self.coordinator.settings

    def issue(self, player_id: str) -> TokenResponse:
        token = self.tokens.issue({"sub": player_id})
        return TokenResponse(token, int(self.tokens.ttl))

    def verify(self, token: str) -> str:
        """The player ``token`` speaks for; raises ``InvalidToken`` or ``TokenExpired``."""
        try:
            claims = self.tokens.verify(token)
        except TokenExpired:
            raise TokenExpiredError() from None
        except TokenInvalid:
            raise InvalidToken() from None
        player = claims.get("sub")
        if not isinstance(player, str):
            raise InvalidToken()
        return player


_API_KEY = "ApiKey"
_BEARER = "Bearer"
_TOKEN_PATH = "/auth/token"


async def guard(request: Request) -> Mapping[str, str]:
    """The rate limit, then authentication; the ``X-RateLimit-*`` headers of the answer."""
    p2p: P2P = request.context
    headers: dict[str, str] = {}
    if p2p.limiter is not None:
        decision = p2p.limiter.check(request.client_ip)
        headers = rate_limit_headers(decision.limit, decision.remaining, decision.reset_after)
        if not decision.allowed:
            retry_after = max(1, int(decision.retry_after + 0.999))
            raise HttpError(
                429,
                "Too many requests, try again later",
                headers={**headers, "Retry-After": str(retry_after)},
            )
    if p2p.settings.api_key is not None:
        try:
            _authenticate(p2p, request, key_only=request.path.endswith(_TOKEN_PATH))
        except AppError as error:
            raise HttpError(
                error.status,
                error.message,
                code=error.code,
                headers={**headers, "WWW-Authenticate": _BEARER},
            ) from None
    return headers


def _authenticate(p2p: P2P, request: Request, *, key_only: bool) -> None:
    key = request.headers.get("X-API-Key")
    if key is not None:
        if not hmac.compare_digest(key.encode(), (p2p.settings.api_key or "").encode()):
            raise InvalidApiKey()
        return
    token = None if key_only else request.bearer_token()
    if token is None:
        raise MissingCredentials()
    p2p.verify(token)


api = Routes()

_QUERY = {400: "a query parameter is unknown or has a bad value"}


async def _ask_host(request: Request, message: Any) -> Any:
    """Ask the path's host (404 if there is none)."""
    return await request.context.coordinator.ask_host(request.params["host_id"], message)


async def _ask_session(request: Request, message: Any) -> Any:
    """Ask the path's session (404 if there is none)."""
    return await request.context.coordinator.ask_session(request.params["session_id"], message)


# -- hosts -----------------------------------------------------------------------------------


@api.post(
    "/hosts/",
    body=RegisterHostRequest,
    response=HostRegistered,
    status=201,
    responses={
        400: "max_players under the players the host last reported",
        409: "the host_id is registered by another player (the same player updates it: 201)",
    },
)
async def register_host(request: Request) -> HostRegistered:
    """Register a host, or update it (same host_id and player_id)."""
    return host_registered(await request.context.coordinator.register_host(request.body))


@api.get("/hosts/", response=list[HostSummary], responses=_QUERY)
async def list_hosts(request: Request) -> list[HostSummary]:
    """The hosts, best quality first, filtered by status and minimum quality score."""
    query = parse_host_query(request.query)
    return [host_summary(host) for host in request.context.coordinator.list_hosts(query)]


@api.get(
    "/hosts/best",
    response=HostDetails,
    responses={
        **_QUERY,
        404: "no such zone, or no host can serve it",
        400: "the zone does not take P2P sessions",
    },
)
async def best_host(request: Request) -> HostDetails:
    """The best available host for a zone (its quality, bandwidth and latency limits)."""
    zone_id = parse_best_host_query(request.query)
    return host_details(await request.context.coordinator.best_host(zone_id))


@api.get("/hosts/{host_id}", response=HostDetails, responses={404: "no such host"})
async def get_host(request: Request) -> HostDetails:
    """A host."""
    return host_details(await _ask_host(request, ReadHost()))


@api.post(
    "/hosts/{host_id}/heartbeat",
    body=HeartbeatRequest,
    response=HeartbeatResponse,
    responses={404: "no such host", 400: "more players than the host's max_players"},
)
async def heartbeat(request: Request) -> HeartbeatResponse:
    """A host's heartbeat: its metrics, and its quality score recomputed."""
    host = await _ask_host(request, Beat(request.body))
    return HeartbeatResponse(host.quality_score)


@api.delete("/hosts/{host_id}", response=MessageResponse, responses={404: "no such host"})
async def unregister_host(request: Request) -> MessageResponse:
    """Unregister a host; its open sessions end."""
    await _ask_host(request, Unregister())
    return MessageResponse("Host unregistered successfully")


# -- zones -----------------------------------------------------------------------------------


@api.post(
    "/zones/",
    body=CreateZoneRequest,
    response=ZoneCreated,
    status=201,
    responses={409: "the zone_id exists"},
)
async def create_zone(request: Request) -> ZoneCreated:
    """Create a zone."""
    return zone_created(await request.context.coordinator.ask_registry(CreateZone(request.body)))


@api.get("/zones/", response=list[ZoneSummary], responses=_QUERY)
async def list_zones(request: Request) -> list[ZoneSummary]:
    """The zones, in creation order, filtered by p2p_enabled and status."""
    query = parse_zone_query(request.query)
    zones = await request.context.coordinator.ask_registry(ListZones(query))
    return [zone_summary(zone) for zone in zones]


@api.get("/zones/{zone_id}", response=ZoneDetails, responses={404: "no such zone"})
async def get_zone(request: Request) -> ZoneDetails:
    """A zone, with its active sessions and the players it served."""
    coordinator = request.context.coordinator
    zone = await coordinator.zone(request.params["zone_id"])
    return zone_details(zone, coordinator.active_sessions(zone.zone_id))


@api.patch(
    "/zones/{zone_id}",
    body=UpdateZoneRequest,
    response=ZoneUpdated,
    responses={404: "no such zone"},
)
async def update_zone(request: Request) -> ZoneUpdated:
    """Change a zone's p2p_enabled or status."""
    message = UpdateZone(request.params["zone_id"], request.body)
    return zone_updated(await request.context.coordinator.ask_registry(message))


# -- sessions --------------------------------------------------------------------------------


@api.post(
    "/sessions/",
    body=CreateSessionRequest,
    response=SessionCreated,
    status=201,
    responses={
        404: "no such host or zone",
        400: "the host is not ONLINE or at its zone limit, or the zone takes no P2P sessions",
    },
)
async def create_session(request: Request) -> SessionCreated:
    """Create a PENDING session of a host in a zone."""
    return session_created(await request.context.coordinator.create_session(request.body))


@api.get("/sessions/{session_id}", response=SessionDetails, responses={404: "no such session"})
async def get_session(request: Request) -> SessionDetails:
    """A session."""
    return session_details(await _ask_session(request, ReadSession()))


@api.post(
    "/sessions/{session_id}/activate",
    response=MessageResponse,
    responses={404: "no such session", 400: "the session is not PENDING"},
)
async def activate_session(request: Request) -> MessageResponse:
    """PENDING to ACTIVE."""
    await _ask_session(request, Activate())
    return MessageResponse("Session activated successfully")


@api.patch(
    "/sessions/{session_id}/metrics",
    body=UpdateSessionMetricsRequest,
    response=MessageResponse,
    responses={404: "no such session", 400: "the session is closed"},
)
async def update_session_metrics(request: Request) -> MessageResponse:
    """A session's latest metrics."""
    await _ask_session(request, UpdateMetrics(request.body))
    return MessageResponse("Session metrics updated successfully")


@api.post(
    "/sessions/{session_id}/players",
    body=AddPlayerRequest,
    response=MessageResponse,
    responses={404: "no such session", 400: "the session is full or closed"},
)
async def add_player(request: Request) -> MessageResponse:
    """Add a player to a session."""
    player_id = request.body.player_id
    session = await request.context.coordinator.add_player(request.params["session_id"], player_id)
    return MessageResponse(f"Player {player_id} added to session {session.id}")


@api.delete(
    "/sessions/{session_id}/players/{player_id}",
    response=MessageResponse,
    responses={404: "no such session, or the player is not in it", 400: "the session is closed"},
)
async def remove_player(request: Request) -> MessageResponse:
    """Remove a player from a session."""
    player_id = request.params["player_id"]
    session = await _ask_session(request, RemovePlayer(player_id))
    return MessageResponse(f"Player {player_id} removed from session {session.id}")


# -- signaling over REST ---------------------------------------------------------------------

_SIGNAL_ERRORS = {404: "no such session", 400: "the session is closed"}


@api.post(
    "/signaling/offer", body=SignalRequest, response=MessageResponse, responses=_SIGNAL_ERRORS
)
async def post_offer(request: Request) -> MessageResponse:
    """Post a peer's offer (the session's latest)."""
    body: SignalRequest = request.body
    message = PostSignal("offer", body.peer_id, body.sdp)
    await request.context.coordinator.ask_session(body.session_id, message)
    return MessageResponse("Offer created successfully")


@api.get(
    "/signaling/offer/{session_id}",
    response=SignalView,
    responses={404: "no such session, or no offer posted"},
)
async def get_offer_route(request: Request) -> SignalView:
    """The session's latest offer."""
    return get_offer(await _ask_session(request, ReadSession()))


@api.post(
    "/signaling/answer", body=SignalRequest, response=MessageResponse, responses=_SIGNAL_ERRORS
)
async def post_answer(request: Request) -> MessageResponse:
    """Post a peer's answer (the session's latest)."""
    body: SignalRequest = request.body
    message = PostSignal("answer", body.peer_id, body.sdp)
    await request.context.coordinator.ask_session(body.session_id, message)
    return MessageResponse("Answer created successfully")


@api.get(
    "/signaling/answer/{session_id}",
    response=SignalView,
    responses={404: "no such session, or no answer posted"},
)
async def get_answer_route(request: Request) -> SignalView:
    """The session's latest answer."""
    return get_answer(await _ask_session(request, ReadSession()))


@api.post(
    "/signaling/ice-candidate",
    body=IceCandidateRequest,
    response=MessageResponse,
    responses=_SIGNAL_ERRORS,
)
async def post_ice_candidate(request: Request) -> MessageResponse:
    """Add an ICE candidate (an empty one ends a peer's candidates)."""
    body: IceCandidateRequest = request.body
    message = AddCandidate(body.peer_id, body.candidate)
    await request.context.coordinator.ask_session(body.session_id, message)
    return MessageResponse("ICE candidate added successfully")


@api.get(
    "/signaling/ice-candidate/{session_id}",
    response=list[IceCandidateView],
    responses={404: "no such session"},
)
async def get_ice_candidates(request: Request) -> list[IceCandidateView]:
    """The session's latest ICE candidates, oldest first."""
    return list((await _ask_session(request, ReadSession())).signals.candidates)


# -- monitoring and auth ---------------------------------------------------------------------


@api.get("/monitoring/dashboard", response=Dashboard)
async def monitoring_dashboard(request: Request) -> Dashboard:
    """Counts of hosts, zones and sessions, and the health of the services in use."""
    p2p: P2P = request.context
    return await p2p.coordinator.dashboard()


@api.get("/monitoring/hosts/stats", response=HostStats)
async def monitoring_host_stats(request: Request) -> HostStats:
    """The ONLINE hosts by quality tier."""
    p2p: P2P = request.context
    return p2p.coordinator.host_stats()


@api.post(
    _TOKEN_PATH,
    body=TokenRequest,
    response=TokenResponse,
    security=({_API_KEY: ()},),
)
async def issue_token(request: Request) -> TokenResponse:
    """A bearer token for a player (needs X-API-Key while authentication is on)."""
    p2p: P2P = request.context
    return p2p.issue(request.body.player_id)


# -- the app's routes ------------------------------------------------------------------------

routes = Routes(
    errors=ERRORS,
    guard=guard,
    converter=WIRE,
    security_schemes={
        _API_KEY: {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        _BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    },
    # Either scheme, while PARTY_ENGINE_P2P_API_KEY is set; without it the API is open.
    security=({_API_KEY: ()}, {_BEARER: ()}),
)
routes.include(api, "/api")
routes.include(api, "/api/v1")

_COMMON = {
    401: "authentication is on and the credentials are missing or bad",
    429: "over the rate limit",
}
routes.http[:] = [
    attrs.evolve(route, responses={**_COMMON, **route.responses}) for route in routes.http
]


def _messages(union: Any) -> tuple[Message, ...]:
    return tuple(
        Message(cls.type, cls, summary=(cls.__doc__ or "").strip().split("\n")[0],
                error=cls is protocol.ErrorMessage)
        for cls in typing.get_args(union)
    )  # fmt: skip


#: The signaling socket's messages: ``protocol.ClientMessage`` and ``protocol.ServerMessage``.
SIGNALING_PROTOCOL = WebSocketProtocol(
    receives=_messages(protocol.ClientMessage),
    sends=_messages(protocol.ServerMessage),
    close_codes={
        1000: "the session ended, or a newer connection of the same peer replaced this one",
        1008: "a bad token (when authentication is on), or too many messages over the limit",
    },
    description=(
        "WebRTC signaling within one session: ?peer_id=&session_id=&token=. Offers, answers"
        " and ICE candidates are relayed to the peer named in to, with from set."
    ),
)


@routes.websocket("/ws", protocol=SIGNALING_PROTOCOL)
async def signaling(p2p: P2P, request: WebSocketRequest, params: Mapping[str, str]) -> Any:
    """The signaling WebSocket: ?peer_id=&session_id=&token= (see docs/p2p.md)."""
    args = dict(parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        query = parse_signaling_query(args)
        ref = await p2p.coordinator.session(query.session_id)
        session = await p2p.coordinator.ask_session(query.session_id, ReadSession())
        if not session.status.is_open:
            raise SessionClosed(session.session_id, session.status)
    except AppError as error:
        return ERRORS.refusal(error)
    if p2p.settings.api_key is not None:
        try:
            p2p.verify(query.token or "")
        except AppError as error:
            reason = error.message

            async def refuse(ws: WebSocket, _: Any) -> None:
                await ws.close(CloseReason.POLICY_VIOLATION, reason)

            return Accept(refuse)

    limit = None
    if p2p.signaling_limiter is not None:
        limit = KeyedLimit(p2p.signaling_limiter, (session.session_id, query.peer_id))

    async def serve(ws: WebSocket, _: Any) -> None:
        await serve_member(
            ws,
            ref,
            user_id=query.peer_id,
            state=Connection(),
            errors=p2p.signaling_errors,
            rate_limit=limit,
        )

    return Accept(serve, options=SOCKET_OPTIONS)
