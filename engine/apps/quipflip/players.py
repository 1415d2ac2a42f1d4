"""Player accounts: one party per player (``quipflip.player``), holding the wallet between
sessions.

While a player is in a session, the session's participant holds the wallet (it charges and
pays without asking anyone) and writes it back to the account after every step that changed
it (``WalletUpdate``, told once the step is durable). An update is applied only if it is newer
than the last one applied: updates are ordered by ``(joined_at, version)``, the player's join
time in the session and the session's version, because a player is in one unfinished session
at a time and joins them one after another. So an update told twice (a session restored after
a crash tells every wallet again) or late (a session finished long ago) changes nothing, and
no coin is counted twice or lost: a step whose update was lost in a crash is written back when
the session is restored.

The accounts are parties of their own kind in a ``PartyDirectory`` (unlisted, without
connections), so in a cluster an account runs on one node at a time whichever node the
player's requests reach: ``get`` on another node answers a stand-in forwarding to it. What an
account is asked and answers crosses between nodes pickled: attrs values and ``AppError``s.

Entering a session goes through the player's account (``CreateSession``, ``JoinSession``), one
entry at a time per player, so two concurrent joins or creates, through any nodes, cannot both
pass the "already in another session" check. Which unfinished sessions may hold a player is
read from the sessions' listing (``SessionIndex``), and those sessions are asked. The listing
is the cluster's: a change to a session on another node reaches this node's index through
Redis a moment after the session answered. So a join waits until the index has heard of it
before it answers (the player's next entry must see it), and a session the index still names
after the player left it, or after it ended, says so when asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import attrs
import trio

from engine import clock
from engine.actors import ActorRef, ActorStopped, Rejection, on
from engine.errors import AppError
from engine.parties import Birth, Party, PartyDirectory, PartyErrors, UuidIds, start_party_directory
from engine.store import Store
from engine.supervisors import ActorSystem

from . import errors, lobby
from .codes import PartyCodes
from .economy import STARTING_WALLET
from .index import Listing, SessionIndex
from .messages import Holds, Join
from .party import STATE_CONVERTER, PartyConfig, PartyState

__all__ = [
    "Accounts",
    "CreateSession",
    "Entrances",
    "EntryFailed",
    "JoinSession",
    "PlayerAccount",
    "ReadAccount",
    "WalletUpdate",
    "start_accounts",
]

KIND = "quipflip.player"
IDS = UuidIds()
CODES = PartyCodes()
# Draws of a party code before giving up: at 1.1 billion codes a clash is already rare.
_CODE_DRAWS = 10
# How long a join waits for its session's listing to reach this node's index. Past it (Redis
# unreachable), the player's next entry may miss this join.
_LISTED_WITHIN = 2.0


@attrs.frozen
class PlayerAccount:
    """A player's durable record. ``synced`` is the ``(joined_at, version)`` of the session
    step that last set ``wallet`` (``(0.0, 0)``: none yet)."""

    player_id: str
    username: str
    created_at: float
    wallet: int = STARTING_WALLET
    synced: tuple[float, int] = (0.0, 0)


@attrs.frozen
class WalletUpdate:
    """Tell, from a session once a step is durable: the player's wallet there is ``wallet``."""

    session_id: str
    joined_at: float
    version: int
    wallet: int


@attrs.frozen
class ReadAccount:
    """Ask: the ``PlayerAccount``."""


@attrs.frozen
class CreateSession:
    """Ask: create a session of ``config`` hosted by this player; answers its first
    ``PartyState``. Refused (``InAnotherSession``) while an unfinished session holds them."""

    config: PartyConfig


@attrs.frozen
class JoinSession:
    """Ask: join the session ``session_id`` (the session's own checks first, then "in another
    session"); answers the session's answer to ``Join``, or raises ``missing`` if there is no
    such session."""

    session_id: str
    missing: AppError


class EntryFailed(Rejection):
    """An entry failed for a reason other than a refusal (the session crashed or did not
    answer in time; the cause is ``__cause__``). The session's failure is not the player's:
    the player's account carries on, and the asker hears it."""


@attrs.define(eq=False)
class Entrances:
    """What the accounts are given (their directory's context): the index, and the sessions'
    directory, given once it has started. It starts after the accounts' (a session restored at
    start re-syncs its players' wallets), so an entry meanwhile waits for it."""

    index: SessionIndex
    _sessions: PartyDirectory[Any] | None = attrs.field(default=None, init=False)
    _opened: trio.Event = attrs.field(factory=trio.Event, init=False)

    def open(self, sessions: PartyDirectory[Any]) -> None:
        self._sessions = sessions
        self._opened.set()

    async def sessions(self) -> PartyDirectory[Any]:
        await self._opened.wait()
        assert self._sessions is not None
        return self._sessions

    def new_code(self) -> str:
        """A party code no session known here uses."""
        for _ in range(_CODE_DRAWS):
            code = CODES.new()
            if not self.index.code_taken(code):
                return code
        raise RuntimeError(f"no free party code in {_CODE_DRAWS} draws")


class PlayerActor(Party[PlayerAccount, None]):
    kind = KIND
    state_type = PlayerAccount
    converter = STATE_CONVERTER

    def __init__(self, birth: Birth) -> None:
        super().__init__(birth)
        self.entrances: Entrances = self.context

    @on(ReadAccount)
    def read(self, _: ReadAccount) -> PlayerAccount:
        return self.state

    @on(WalletUpdate)
    def update(self, message: WalletUpdate) -> None:
        step = (message.joined_at, message.version)
        if step > self.state.synced:
            self.state = attrs.evolve(self.state, wallet=message.wallet, synced=step)

    @on(CreateSession)
    async def create_session(self, message: CreateSession) -> PartyState:
        with _entry_failures():
            sessions = await self.entrances.sessions()
            if await self._elsewhere(sessions, None):
                raise errors.InAnotherSession()
            seed = lobby.create(
                session_id="",
                party_code=self.entrances.new_code(),
                host=self._newcomer(),
                config=message.config,
                now=clock.now(),
            )
            session_id, _ = await sessions.create(seed)
        return attrs.evolve(seed, session_id=session_id)

    @on(JoinSession)
    async def join_session(self, message: JoinSession) -> Any:
        with _entry_failures():
            sessions = await self.entrances.sessions()
            elsewhere = await self._elsewhere(sessions, message.session_id)
            session = await sessions.get(message.session_id)
            if session is None:
                raise message.missing
            try:
                joined = await session.ask(Join(self._newcomer(), elsewhere))
            except ActorStopped:  # it ended meanwhile
                raise errors.SessionNotFound() from None
            await self._until_listed(sessions, message.session_id)
        return joined

    async def _elsewhere(self, sessions: PartyDirectory[Any], session_id: str | None) -> bool:
        """Whether an unfinished session other than ``session_id`` holds the player. The index
        says which may; each is asked (in a cluster the index may hear a moment late that the
        player left one through another node, or that it ended)."""
        for held in self.entrances.index.sessions_of(self.key) - {session_id}:
            session = await sessions.get(held)
            with suppress(ActorStopped):
                if session is not None and await session.ask(Holds(self.key)):
                    return True
        return False

    def _newcomer(self) -> lobby.Newcomer:
        return lobby.Newcomer(str(IDS.new()), self.key, self.state.username, self.state.wallet)

    async def _until_listed(self, sessions: PartyDirectory[Any], session_id: str) -> None:
        """Until this node's index has heard of the player in ``session_id`` (at once for a
        session of this node's; through Redis for another node's)."""
        if session_id in self.entrances.index.sessions_of(self.key):
            return
        heard = trio.Event()

        def listen(party_id: str, listing: Listing | None) -> None:
            if party_id == session_id and (listing is None or self.key in listing.players):
                heard.set()

        stop = sessions.listen(listen)
        try:
            with trio.move_on_after(_LISTED_WITHIN):
                await heard.wait()
        finally:
            stop()


@contextmanager
def _entry_failures() -> Iterator[None]:
    try:
        yield
    except AppError:
        raise
    except Exception as exc:
        raise EntryFailed(f"entering a session failed: {exc!r}") from exc


@attrs.define(eq=False)
class Accounts:
    """The players' accounts: ``create`` starts a new one, ``get`` finds it wherever it runs
    (restored if need be)."""

    directory: PartyDirectory[PlayerActor]

    @property
    def entrances(self) -> Entrances:
        entrances: Entrances = self.directory.context
        return entrances

    async def create(self, account: PlayerAccount) -> None:
        """A new account, durable on return."""
        await self.directory.create(account, party_id=account.player_id)

    async def get(self, player_id: str) -> ActorRef | None:
        """The player's account; None if there is no such account."""
        return await self.directory.get(player_id)


async def start_accounts(
    system: ActorSystem, store: Store, index: SessionIndex, *, errors: PartyErrors
) -> Accounts:
    """Start the accounts' directory under ``system``; the accounts stop with it. Open their
    ``entrances`` to the sessions' directory once it has started."""
    directory = await start_party_directory(
        system, store, PlayerActor, errors=errors, context=Entrances(index)
    )
    return Accounts(directory)
