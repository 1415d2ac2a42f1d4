"""Quipflip's HTTP and WebSocket routes, at the party mode API's paths.

::

    POST /auth/guest                                 a guest player and its access token
    GET  /player/me                                  the caller's player and wallet
    GET  /party/list                                 joinable sessions
    POST /party/create                               a new session, the caller its host
    POST /party/join                                 join by party code
    POST /party/{session_id}/join                    join by id
    POST /party/{session_id}/leave | ready | add-ai | ping | process-ai | start
    GET  /party/{session_id}/status | results
    POST /party/{session_id}/rounds/prompt | copy | vote
    POST /party/{session_id}/rounds/{round_id}/submit
    WS   /party/{session_id}/ws?token=...            the session's notifications

Every route but ``/auth/guest`` needs an access token (``Authorization: Bearer`` or the
``access_token`` cookie): without a valid one, 401. Errors are FastAPI's ``{"detail": ...}``;
a body that does not fit its schema (wrong type, unknown or missing field, value out of range)
is 422 naming every problem; an unexpected failure is 500 ``"Failed to <action>"``, logged with
the request id. Requests never change anything when refused.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar
from urllib.parse import parse_qs

import attrs

from engine import clock
from engine.actors import ActorRef, ActorStopped, AskTimeout, MailboxFull
from engine.errors import AppError
from engine.net import Accept, KeyedLimit, RateLimiter, RateLimitRule, Reject, WebSocketRequest
from engine.parties import PartyDirectory, UuidIds, serve_member
from engine.web import (
    DetailErrors,
    Envelope,
    HttpError,
    Message,
    Request,
    Routes,
    TokenExpired,
    TokenInvalid,
    TokenIssuer,
    WebSocketProtocol,
)

from . import errors, models, views
from .codes import PartyCodes
from .index import SessionIndex
from .messages import (
    AddAI,
    Leave,
    PingPlayers,
    ProcessAI,
    Ready,
    Results,
    Start,
    StartRound,
    Status,
    Submit,
)
from .models import WIRE
from .party import PartyConfig, PartyState, RoundKind
from .players import Accounts, CreateSession, JoinSession, PlayerAccount, ReadAccount
from .session import Connection, PartySession
from .settings import QuipflipSettings

__all__ = ["ACCESS_TOKEN_COOKIE", "ERRORS", "Quipflip", "routes"]

log = logging.getLogger("engine.apps.quipflip")

#: The cookie a browser client may carry the access token in.
ACCESS_TOKEN_COOKIE = "access_token"
ERRORS = DetailErrors(validation_status=422)
IDS = UuidIds()
CODES = PartyCodes()

# Bodies are strict: a field of the wrong type or unknown to the schema is refused, named.
routes = Routes(errors=ERRORS, forbid_extra_keys=True)
H = TypeVar("H", bound=Callable[[Request], Awaitable[Any]])


@attrs.define(eq=False)
class Quipflip:
    """What every handler shares (the app's context, made by ``app.setup``)."""

    settings: QuipflipSettings
    sessions: PartyDirectory[PartySession]
    accounts: Accounts
    index: SessionIndex
    tokens: TokenIssuer
    # What one player may send over their party sockets, which are read-only: keep-alives, and
    # no flood (past it, each message is answered with a rate-limited error event).
    messages: RateLimiter = attrs.field(init=False)

    @messages.default
    def _message_limiter(self) -> RateLimiter:
        rate = self.settings.message_rate_limit
        return RateLimiter(RateLimitRule(rate.count, rate.seconds))

    def player_id(self, token: str | None) -> str:
        """Whose ``token`` this is; raises a 401 for none, or one forged or expired."""
        if not token:
            raise _unauthorized("Not authenticated")
        try:
            claims = self.tokens.verify(token)
        except TokenExpired:
            raise _unauthorized("Token has expired") from None
        except TokenInvalid:
            raise _unauthorized("Invalid token") from None
        subject = claims.get("sub")
        if not isinstance(subject, str):
            raise _unauthorized("Invalid token")
        return subject

    def caller(self, request: Request) -> str:
        return self.player_id(request.bearer_token() or _cookie_token(request.headers))

    async def account(self, player_id: str) -> ActorRef:
        ref = await self.accounts.get(player_id)
        if ref is None:  # a token signed for an account that is gone
            raise _unauthorized("Invalid token")
        return ref

    async def session(self, session_id: str, missing: AppError | None = None) -> ActorRef:
        """The session ``session_id``; raises ``missing`` ("Session not found") if none."""
        canonical = IDS.parse(session_id)
        ref = None if canonical is None else await self.sessions.get(canonical)
        if ref is None:
            raise missing or errors.SessionNotFound()
        return ref

    async def ask(self, ref: ActorRef, message: Any) -> Any:
        """Ask a session; one that ended meanwhile is "Session not found"."""
        try:
            return await ref.ask(message)
        except ActorStopped:
            raise errors.SessionNotFound() from None

    def new_code(self) -> str:
        return self.accounts.entrances.new_code()


def _unauthorized(message: str) -> HttpError:
    return HttpError(401, message, headers={"WWW-Authenticate": "Bearer"})


def _cookie_token(headers: Mapping[str, str]) -> str | None:
    raw = headers.get("Cookie") or headers.get("cookie")
    if not raw:
        return None
    try:
        morsel = SimpleCookie(raw).get(ACCESS_TOKEN_COOKIE)
    except CookieError:
        return None
    return morsel.value if morsel is not None else None


def failing_as(action: str) -> Callable[[H], H]:
    """Answer an unexpected failure of the handler with 500 ``"Failed to <action>"`` (the
    original API's words), logged with the request id. Refusals, and the engine's 503 for a
    busy actor, pass through."""

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def run(request: Request) -> Any:
            try:
                return await handler(request)
            except (AppError, HttpError, AskTimeout, MailboxFull):
                raise
            except Exception:
                log.exception("request %s (%s) failed", request.request_id, request.path)
                raise HttpError(
                    500, f"Failed to {action}", details={"request_id": request.request_id}
                ) from None

        return run  # type: ignore[return-value]

    return decorate


# -- players ------------------------------------------------------------------------------------


@routes.post(
    "/auth/guest",
    body=models.GuestAuthRequest,
    body_optional=True,
    response=models.GuestAuthResponse,
)
@failing_as("create guest player")
async def guest(request: Request) -> Any:
    """Create a guest player (5000 coins) and its access token."""
    party: Quipflip = request.context
    body: models.GuestAuthRequest = request.body
    player_id = str(IDS.new())
    username = body.username or f"Guest {player_id[:6]}"
    await party.accounts.create(PlayerAccount(player_id, username, clock.now()))
    token = party.tokens.issue({"sub": player_id, "username": username})
    ttl = int(party.tokens.ttl)
    return WIRE.unstructure(models.GuestAuthResponse(token, ttl, player_id, username))


@routes.get("/player/me", response=models.PlayerResponse, bearer=True)
@failing_as("get player")
async def me(request: Request) -> Any:
    """The caller's player, with its wallet."""
    party: Quipflip = request.context
    account: PlayerAccount = await (await party.account(party.caller(request))).ask(ReadAccount())
    player = models.PlayerResponse(
        account.player_id, account.username, account.wallet, views.iso(account.created_at)
    )
    return WIRE.unstructure(player)


# -- sessions -----------------------------------------------------------------------------------


@routes.get("/party/list", response=models.PartyListResponse, bearer=True)
@failing_as("list parties")
async def list_parties(request: Request) -> Any:
    """The sessions one can join (in the lobby, not full), oldest first."""
    party: Quipflip = request.context
    party.caller(request)
    return WIRE.unstructure(views.list_view(party.sessions.listing()))


@routes.post(
    "/party/create",
    body=models.CreatePartySessionRequest,
    body_optional=True,
    response=models.CreatePartySessionResponse,
    bearer=True,
)
@failing_as("create party session")
async def create(request: Request) -> Any:
    """Create a session; the caller is its host."""
    party: Quipflip = request.context
    player_id = party.caller(request)
    config: PartyConfig = request.body
    # The player's account creates it: one entry at a time per player (``players``).
    account = await party.account(player_id)
    state: PartyState = await account.ask(CreateSession(config))
    return WIRE.unstructure(views.create_view(state))


@routes.post(
    "/party/join",
    body=models.JoinPartySessionRequest,
    response=models.JoinPartySessionResponse,
    bearer=True,
)
@failing_as("join party session")
async def join_by_code(request: Request) -> Any:
    """Join a session by its party code."""
    party: Quipflip = request.context
    player_id = party.caller(request)
    body: models.JoinPartySessionRequest = request.body
    code = CODES.parse(body.party_code)
    session_id = None if code is None else party.index.by_code(code)
    if session_id is None:
        raise errors.SessionNotFound.for_code(body.party_code.strip().upper())
    missing = errors.SessionNotFound.for_code(body.party_code.strip().upper())
    return await _join(party, player_id, session_id, missing)


@routes.post(
    "/party/{session_id}/join",
    response=models.JoinPartySessionResponse,
    bearer=True,
)
@failing_as("join party session")
async def join_by_id(request: Request) -> Any:
    """Join a session by its id (from the list)."""
    party: Quipflip = request.context
    player_id = party.caller(request)
    missing = errors.SessionNotFound("Party session not found")
    return await _join(party, player_id, request.params["session_id"], missing)


async def _join(party: Quipflip, player_id: str, session_id: str, missing: AppError) -> Any:
    canonical = IDS.parse(session_id)
    if canonical is None:
        raise missing
    # The player's account joins it: one entry at a time per player (``players``).
    account = await party.account(player_id)
    return WIRE.unstructure(await account.ask(JoinSession(canonical, missing)))


def _session_route(
    path: str,
    method: str,
    make: Callable[[str], Any],
    action: str,
    response: type,
) -> None:
    """A route that asks the session ``make(caller)`` and answers what it answers."""

    async def handler(request: Request) -> Any:
        party: Quipflip = request.context
        player_id = party.caller(request)
        ref = await party.session(request.params["session_id"])
        return WIRE.unstructure(await party.ask(ref, make(player_id)))

    handler.__name__ = action.replace(" ", "_")
    handler.__doc__ = action[0].upper() + action[1:] + "."
    routes.route(method, path, response=response, bearer=True)(failing_as(action)(handler))


_session_route(
    "/party/{session_id}/leave", "POST", Leave, "leave session", models.LeavePartyResponse
)
_session_route("/party/{session_id}/ready", "POST", Ready, "mark ready", models.MarkReadyResponse)
_session_route(
    "/party/{session_id}/add-ai",
    "POST",
    AddAI,
    "add AI player",
    models.AddAIPlayerResponse,
)
_session_route(
    "/party/{session_id}/ping", "POST", PingPlayers, "send ping", models.PartyPingResponse
)
_session_route(
    "/party/{session_id}/process-ai",
    "POST",
    ProcessAI,
    "process AI submissions",
    models.ProcessAIResponse,
)
_session_route(
    "/party/{session_id}/start",
    "POST",
    Start,
    "start party session",
    models.StartPartySessionResponse,
)
_session_route(
    "/party/{session_id}/status",
    "GET",
    lambda _: Status(),
    "get session status",
    models.PartySessionStatusResponse,
)
_session_route(
    "/party/{session_id}/results",
    "GET",
    lambda _: Results(),
    "get party results",
    models.PartyResultsResponse,
)
for _kind in RoundKind:
    _session_route(
        f"/party/{{session_id}}/rounds/{_kind}",
        "POST",
        functools.partial(lambda kind, caller: StartRound(caller, kind), _kind),
        f"start {_kind} round",
        models.StartPartyRoundResponse,
    )


@routes.post(
    "/party/{session_id}/rounds/{round_id}/submit",
    body=models.SubmitPartyRoundRequest,
    response=models.SubmitPartyRoundResponse,
    bearer=True,
)
@failing_as("submit round")
async def submit(request: Request) -> Any:
    """Submit a round's phrase: an original, a copy, or the phrase voted for."""
    party: Quipflip = request.context
    player_id = party.caller(request)
    body: models.SubmitPartyRoundRequest = request.body
    ref = await party.session(request.params["session_id"])
    round_id = IDS.parse(request.params["round_id"])
    if round_id is None:
        raise errors.RoundNotFound()
    answer = await party.ask(ref, Submit(player_id, round_id, body.phrase))
    return WIRE.unstructure(answer)


# -- the party WebSocket ------------------------------------------------------------------------


def _notification(cls: type) -> Message:
    tag = str(attrs.fields_dict(cls)["type"].default)
    return Message(tag, cls, summary=(cls.__doc__ or "").strip().split("\n")[0])


#: The party socket: read-only (what a client sends is ignored, within the rate limit), the
#: notifications of ``models.NOTIFICATIONS`` and the error event of the app's format.
SOCKET_PROTOCOL = WebSocketProtocol(
    receives=(),
    sends=(
        *(_notification(cls) for cls in models.NOTIFICATIONS),
        Message(ERRORS.event_type, schema=ERRORS.event_schema(), error=True),
    ),
    server_envelope=Envelope("type", numbered=True),
    close_codes={
        1000: "left the session",
        1008: "too many messages in a row over the rate limit",
    },
    description=(
        "A session's notifications, numbered. Connect with ?token= (or the access-token"
        " cookie) as a participant; ?last_seq= replays what was missed, or sends a"
        " session_status snapshot when that is too old."
    ),
)


@routes.websocket("/party/{session_id}/ws", protocol=SOCKET_PROTOCOL)
async def party_socket(
    party: Quipflip, request: WebSocketRequest, params: Mapping[str, str]
) -> Accept | Reject:
    """The session's notifications (``?token=`` or the cookie; participants only)."""
    query = parse_qs(request.query_string.decode("utf-8", "replace"))
    token = next(iter(query.get("token", ())), None)
    try:
        player_id = party.player_id(
            token or _cookie_token({"Cookie": request.header("cookie") or ""})
        )
        session_id = IDS.parse(params["session_id"])
        ref = None if session_id is None else await party.sessions.get(session_id)
        if ref is None or session_id is None:
            raise errors.SessionNotFound()
        listing = party.index.listing(session_id)
        if (listing is None or player_id not in listing.players) and not await _participant(
            party, ref, player_id
        ):
            raise errors.NotInSession()
    except (AppError, HttpError) as error:
        return ERRORS.refusal(error)
    last_seq = _int(next(iter(query.get("last_seq", ())), None))
    context = next(iter(query.get("context", ())), "")[:64]
    state = Connection(context=context, last_seq=last_seq)
    limit = KeyedLimit(party.messages, player_id)
    return Accept(
        lambda ws, _: serve_member(
            ws, ref, user_id=player_id, state=state, errors=ERRORS, rate_limit=limit
        )
    )


async def _participant(party: Quipflip, session: ActorRef, player_id: str) -> bool:
    """Whether the session has ``player_id``, asked of the session itself: in a cluster the
    index may not have heard yet of a join made through another node."""
    status: models.PartySessionStatusResponse = await party.ask(session, Status())
    return any(p.player_id == player_id for p in status.participants)


def _int(text: str | None) -> int | None:
    try:
        return None if text is None else int(text)
    except ValueError:
        return None
