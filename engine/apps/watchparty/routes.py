"""WatchParty's HTTP and WebSocket routes, at the spec's paths (specs/watchparty-api.md).

::

    GET  /health                  {"status": "ok"}
    POST /api/sessions/create     {name, password} -> {id, name, share_url, token, ice_servers}
    POST /api/sessions/join       {session_id, password} -> {id, name, token}
    GET  /api/sessions/{id}       Bearer token of a participant -> the session's details
    WS   /ws/{id}?token=...       chat, WebRTC signaling and playback sync (see ``wire``)

Checks run in this order. Create: rate limit (429), body (400). Join: rate limit (429), body
(400), session (404), password (401), a free seat (403). Details and WebSocket: token (401), the
token's session is the path's (403), session (404); details then, its user holds a seat (403).
Every error body is the spec's ``{"error", "message", "details"}`` (``ERRORS``); a refused
WebSocket upgrade carries the same body, and an ``error`` message on an open connection the same
body as its payload.

Passwords never reach a session actor: the join handler asks the session for its hash, verifies
the password in a worker thread (bcrypt is slow on purpose), then asks to join with the hash it
verified. Tokens are HS256 JWTs carrying an ``Identity``, valid for an hour.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, final
from urllib.parse import parse_qs

import attrs

from engine import clock
from engine.actors import ActorRef, ActorStopped
from engine.errors import AppError
from engine.net import (
    Accept,
    RateLimiter,
    Reject,
    WebSocket,
    WebSocketOptions,
    WebSocketRequest,
)
from engine.parties import PartyDirectory, serve_member
from engine.web import (
    CodedErrors,
    Envelope,
    Message,
    PasswordHasher,
    RateLimit,
    Request,
    Routes,
    TokenExpired,
    TokenInvalid,
    TokenIssuer,
    WebSocketProtocol,
)

from . import models
from .errors import Forbidden, NotAParticipant, SessionNotFound, Unauthorized, WrongPassword
from .messages import Details, Identity, Join, NewSession, Open, PasswordHash, Ticket
from .models import (
    ClientEnvelope,
    CreateSessionRequest,
    CreateSessionResponse,
    HealthResponse,
    JoinSessionRequest,
    JoinSessionResponse,
    SessionDetails,
    json_name,
)
from .session_actor import CLOSE_EXPIRED, SessionActor
from .settings import WatchPartySettings
from .validation import parse_body
from .wire import CLIENT_PAYLOADS, SERVER_PAYLOADS, WIRE, SocketErrors, limit_text

__all__ = ["ERRORS", "WatchParty", "routes"]

# The original server's connection limits (ORIGINS): 64 KB messages, a ping every 54 s and 60 s
# to hear back, 256 frames queued for a slow reader. An oversized message is answered with an
# error message rather than by closing the connection.
_SOCKET_OPTIONS = WebSocketOptions(
    max_message_size=64 * 1024,
    close_on_oversize=False,
    max_outbox_frames=256,
    ping_interval=54.0,
    idle_timeout=60.0,
)

#: The spec's standard error body for every error of the app: its own errors carry their
#: ``error`` as ``code``; the engine's (404 for an unknown path, 429, 500, 503) get the spec's
#: title for their status; a body that is not JSON is 400 ``Bad Request`` naming what is wrong.
#: ``details`` appear only when there are some, as in the spec's examples. In a socket the body
#: is the payload of an ``error`` envelope (``wire.SocketErrors``).
ERRORS = CodedErrors(
    validation_code="Bad Request",
    event_type=None,
    empty_details=False,
    titles={
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        413: "Payload Too Large",
        426: "Upgrade Required",
        429: "Rate limit exceeded",
        500: "Internal Server Error",
        503: "Service Unavailable",
    },
)


@final
@attrs.frozen(eq=False)
class WatchParty:
    """What every handler shares (the app's context, made by ``app.setup``)."""

    sessions: PartyDirectory[SessionActor]
    settings: WatchPartySettings
    tokens: TokenIssuer
    passwords: PasswordHasher
    # Chat and signaling messages, per user across all their connections.
    messages: RateLimiter = attrs.field(init=False)

    @messages.default
    def _message_limiter(self) -> RateLimiter:
        return RateLimiter(self.settings.message_rule)

    async def session(self, session_id: str) -> ActorRef:
        """The running session ``session_id`` (canonical form); raises ``SessionNotFound``."""
        ref = await self.sessions.get(session_id)
        if ref is None:
            raise SessionNotFound()
        return ref

    async def ask(self, session_id: str, message: Any) -> Any:
        """Ask the session; raises its refusal, or ``SessionNotFound`` if it is gone."""
        try:
            return await (await self.session(session_id)).ask(message)
        except ActorStopped:
            # It expired (and stopped) between being found and being asked.
            raise SessionNotFound() from None

    def authenticate(self, token: str | None, session_id: str) -> Identity:
        """Who ``token`` says its bearer is, if it is a live token of session ``session_id``.

        Raises ``Unauthorized`` for no token, or one that is forged, expired or not ours;
        ``Forbidden`` for a token of another session.
        """
        if not token:
            raise Unauthorized("Missing token")
        try:
            identity = Identity.from_claims(self.tokens.verify(token))
        except TokenExpired:
            raise Unauthorized("Token has expired") from None
        except TokenInvalid:
            raise Unauthorized("Invalid token") from None
        # Ids are made lower-case; an upper-case spelling of the same id is the same session.
        if identity.session_id != session_id.lower():
            raise Forbidden("This token is for another session")
        return identity

    def token(self, ticket: Ticket) -> str:
        return self.tokens.issue(ticket.claims())


# Bodies are read by the app's own parser: the spec's messages name fields by label ("Name is
# required") in the order the spec checks them, and a body that is not an object is one error.
routes = Routes(errors=ERRORS, parse_body=parse_body)


def _json(value: Any) -> Any:
    # The spec's names and shapes (optional fields left out), not the route layer's converter's.
    return WIRE.unstructure(value)


def _join_key(request: Request) -> Hashable:
    # Checked before the body is parsed (a limit on guessing holds for malformed attempts too).
    body = request.body
    session_id = body.get("session_id") if isinstance(body, Mapping) else None
    return (session_id.lower() if isinstance(session_id, str) else None, request.client_ip)


@routes.get("/health", response=HealthResponse)
async def health(request: Request) -> Any:
    """The server is up."""
    return _json(HealthResponse())


@routes.post(
    "/api/sessions/create",
    body=CreateSessionRequest,
    response=CreateSessionResponse,
    rate_limit=RateLimit(
        lambda watchparty: watchparty.settings.create_rule,
        message=lambda watchparty: limit_text(watchparty.settings.create_rule, "session creations"),
    ),
    request_example={"name": "Movie night", "password": "popcorn"},
    response_example={
        "id": "7987e4d2-cf91-487a-9064-10941886b948",
        "name": "Movie night",
        "share_url": "http://localhost:5173/join/7987e4d2-cf91-487a-9064-10941886b948",
        "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.signature",
        "ice_servers": [{"urls": "stun:stun.l.google.com:19302"}],
    },
)
async def create_session(request: Request) -> Any:
    """Create a session; the caller is its host."""
    watchparty: WatchParty = request.context
    create: CreateSessionRequest = request.body
    password_hash = await watchparty.passwords.hash(create.password)
    seed = NewSession(create.name, password_hash, clock.now())
    _, session = await watchparty.sessions.create(seed)
    ticket: Ticket = await session.ask(Open())
    return _json(
        CreateSessionResponse(
            id=ticket.session_id,
            name=ticket.name,
            share_url=watchparty.settings.share_url(ticket.session_id),
            token=watchparty.token(ticket),
            ice_servers=watchparty.settings.ice_servers,
        )
    )


@routes.post(
    "/api/sessions/join",
    body=JoinSessionRequest,
    response=JoinSessionResponse,
    rate_limit=RateLimit(
        lambda watchparty: watchparty.settings.join_rule,
        key=_join_key,
        message=lambda watchparty: limit_text(watchparty.settings.join_rule, "join attempts"),
    ),
    request_example={"session_id": "7987e4d2-cf91-487a-9064-10941886b948", "password": "popcorn"},
    response_example={
        "id": "7987e4d2-cf91-487a-9064-10941886b948",
        "name": "Movie night",
        "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.signature",
    },
)
async def join_session(request: Request) -> Any:
    """Join a session with its password."""
    watchparty: WatchParty = request.context
    join: JoinSessionRequest = request.body
    password_hash = await watchparty.ask(join.session_id, PasswordHash())
    if not await watchparty.passwords.verify(join.password, password_hash):
        raise WrongPassword()
    ticket = await watchparty.ask(join.session_id, Join(password_hash))
    return _json(JoinSessionResponse(ticket.session_id, ticket.name, watchparty.token(ticket)))


@routes.get(
    "/api/sessions/{session_id}",
    response=SessionDetails,
    bearer=True,
    response_example={
        "id": "7987e4d2-cf91-487a-9064-10941886b948",
        "name": "Movie night",
        "host_id": "3d5a2e7b-7768-45cd-9b7d-574a5a84a8dc",
        "participants": ["3d5a2e7b-7768-45cd-9b7d-574a5a84a8dc"],
        "max_participants": 10,
        "created_at": "2026-12-02T06:40:43Z",
        "expires_at": "2026-12-03T06:40:43Z",
    },
)
async def session_details(request: Request) -> Any:
    """The session's details (needs a token of one of its participants)."""
    watchparty: WatchParty = request.context
    identity = watchparty.authenticate(request.bearer_token(), request.params["session_id"])
    details: SessionDetails = await watchparty.ask(identity.session_id, Details())
    if identity.user_id not in details.participants:
        # A valid token whose user holds no seat (never did, or was dropped to make room).
        raise NotAParticipant()
    return _json(details)


#: The session socket's messages, from the payload classes ``wire`` reads and writes them with.
SOCKET_PROTOCOL = WebSocketProtocol(
    receives=tuple(Message(kind, payload) for kind, payload in CLIENT_PAYLOADS.items()),
    sends=tuple(
        Message(kind, payload, schema=ERRORS.schema(), error=payload is None)
        for kind, payload in SERVER_PAYLOADS.items()
    ),
    client_envelope=Envelope("type", "payload", fields=ClientEnvelope),
    server_envelope=Envelope("type", "payload", fields=models.Envelope),
    close_codes={
        1008: "too many messages in a row over the rate limit",
        4403: "the token's user holds no seat in the session",
        CLOSE_EXPIRED: "the session expired",
    },
    description=(
        "A session's realtime channel: chat, WebRTC signaling (to one participant with"
        " target_id, or to all) and playback sync. Connect with ?token= (a token of that"
        " session); chat history and the playback state are replayed on connect."
    ),
    json_name=json_name,
)


@routes.websocket("/ws/{session_id}", protocol=SOCKET_PROTOCOL)
async def session_socket(
    watchparty: WatchParty, request: WebSocketRequest, params: Mapping[str, str]
) -> Accept | Reject:
    """The session's realtime channel (``?token=`` of that session)."""
    try:
        identity = watchparty.authenticate(_query_token(request), params["session_id"])
        session = await watchparty.session(identity.session_id)
    except AppError as error:
        return ERRORS.refusal(error)
    errors = SocketErrors(
        ERRORS, identity.session_id, identity.user_id, watchparty.settings.message_rule
    )

    async def serve(ws: WebSocket, _: Mapping[str, str]) -> None:
        await serve_member(
            ws,
            session,
            user_id=identity.user_id,
            errors=errors,
            rate_limit=watchparty.messages.keyed(identity.user_id),
        )

    return Accept(serve, options=_SOCKET_OPTIONS)


def _query_token(request: WebSocketRequest) -> str | None:
    query = parse_qs(request.query_string.decode("utf-8", "replace"))
    return next(iter(query.get("token", ())), None)
