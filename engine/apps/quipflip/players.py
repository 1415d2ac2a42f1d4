"""Player accounts: one persistent actor per player, holding the wallet between sessions.

While a player is in a session, the session's participant holds the wallet (it charges and
pays without asking anyone) and writes it back to the account after every step that changed
it (``WalletUpdate``, told once the step is durable). An update is applied only if it is newer
than the last one applied: updates are ordered by ``(joined_at, version)``, the player's join
time in the session and the session's version, because a player is in one unfinished session
at a time and joins them one after another. So an update told twice (a session restored after
a crash tells every wallet again) or late (a session finished long ago) changes nothing, and
no coin is counted twice or lost: a step whose update was lost in a crash is written back when
the session is restored.

Entering a session goes through the player's actor (``Enter``), one entry at a time per
player, so two concurrent joins or creates cannot both pass the "already in another session"
check; which unfinished sessions hold a player is the directory's listing (``SessionIndex``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from engine.actors import ActorRef, Rejection, on
from engine.errors import AppError
from engine.store import PersistentActor, Store, get_or_restore
from engine.supervisors import ActorSystem, Supervisor, SupervisorSpec

from .economy import STARTING_WALLET
from .index import SessionIndex
from .party import STATE_CONVERTER

__all__ = [
    "Accounts",
    "Enter",
    "EntryFailed",
    "PlayerAccount",
    "ReadAccount",
    "WalletUpdate",
    "start_accounts",
]

KIND = "quipflip.player"


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
class Enter:
    """Ask: run ``enter(account, elsewhere)`` while no other entry of this player runs, and
    answer what it answers. ``elsewhere`` says whether an unfinished session other than
    ``session_id`` (None: a session about to be created) holds the player."""

    session_id: str | None
    enter: Callable[[PlayerAccount, bool], Awaitable[Any]]


class EntryFailed(Rejection):
    """An entry failed for a reason other than a refusal (the session crashed or did not
    answer in time; the cause is ``__cause__``). The session's failure is not the player's:
    the player's actor carries on, and the asker hears it."""


class PlayerActor(PersistentActor[PlayerAccount]):
    kind = KIND
    state_type = PlayerAccount
    converter = STATE_CONVERTER

    def __init__(self, store: Store, key: str, index: SessionIndex) -> None:
        super().__init__(store, key)
        self.index = index

    @on(ReadAccount)
    def read(self, _: ReadAccount) -> PlayerAccount:
        return self.state

    @on(WalletUpdate)
    def update(self, message: WalletUpdate) -> None:
        step = (message.joined_at, message.version)
        if step > self.state.synced:
            self.state = attrs.evolve(self.state, wallet=message.wallet, synced=step)

    @on(Enter)
    async def enter(self, message: Enter) -> Any:
        held = self.index.sessions_of(self.key) - {message.session_id}
        try:
            return await message.enter(self.state, bool(held))
        except AppError:
            raise
        except Exception as exc:
            raise EntryFailed(f"entering a session failed: {exc!r}") from exc


@attrs.define(eq=False)
class Accounts:
    """The players' actors: ``create`` saves a new account, ``get`` finds or restores one."""

    store: Store
    supervisor: Supervisor
    index: SessionIndex

    async def create(self, account: PlayerAccount) -> None:
        """Save a new account (durable on return); its actor starts on first use."""
        data = STATE_CONVERTER.unstructure(account, PlayerAccount)
        await self.store.save(KIND, account.player_id, data, expected_version=0)

    async def get(self, player_id: str) -> ActorRef | None:
        """The player's actor; None if there is no such account."""
        ref: ActorRef | None = await get_or_restore(
            self.supervisor,
            (KIND, player_id),
            lambda: PlayerActor(self.store, player_id, self.index),
        )
        return ref


async def start_accounts(system: ActorSystem, store: Store, index: SessionIndex) -> Accounts:
    """Start the players' supervisor under ``system``; the actors stop with it."""
    supervisor = await system.start_supervisor(
        SupervisorSpec(id=f"{KIND}s", max_restarts=1000, max_seconds=1.0)
    )
    return Accounts(store, supervisor, index)
