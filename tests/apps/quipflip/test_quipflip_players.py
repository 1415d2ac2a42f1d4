"""Player accounts: wallet updates applied once and in order, entries one at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import pytest
import trio

from engine.apps.quipflip import app as quipflip_app
from engine.apps.quipflip import errors
from engine.apps.quipflip.index import SessionIndex
from engine.apps.quipflip.messages import Leave
from engine.apps.quipflip.party import PartyConfig
from engine.apps.quipflip.players import (
    Accounts,
    CreateSession,
    EntryFailed,
    JoinSession,
    PlayerAccount,
    ReadAccount,
    WalletUpdate,
    start_accounts,
)
from engine.apps.quipflip.routes import ERRORS, Quipflip
from engine.store import Store, open_store
from engine.supervisors import ActorSystem, open_actor_system
from engine.web import open_engine


async def accounts_of(system: ActorSystem, store: Store) -> Accounts:
    return await start_accounts(system, store, SessionIndex(), errors=ERRORS)


@asynccontextmanager
async def quipflip() -> AsyncIterator[Quipflip]:
    async with open_engine([quipflip_app.app]) as engine:
        party = engine.contexts["quipflip"]
        assert isinstance(party, Quipflip)
        yield party


async def test_wallet_updates_apply_once_and_only_newer_ones() -> None:
    async with open_store("memory://") as store, open_actor_system() as system:
        accounts = await accounts_of(system, store)
        await accounts.create(PlayerAccount("p1", "Ada", 1000.0))
        assert await accounts.get("nobody") is None
        ref = await accounts.get("p1")
        assert ref is not None
        ref.tell(WalletUpdate("s1", 1100.0, 7, 4900))
        ref.tell(WalletUpdate("s1", 1100.0, 7, 4900))  # told again after a restore
        ref.tell(WalletUpdate("s1", 1100.0, 5, 4950))  # late: an older step of the same session
        account = await ref.ask(ReadAccount())
        assert (account.wallet, account.synced) == (4900, (1100.0, 7))
        # A later session's first step beats any step of the one before; the old one's
        # re-sync changes nothing any more.
        ref.tell(WalletUpdate("s2", 2000.0, 3, 4800))
        ref.tell(WalletUpdate("s1", 1100.0, 40, 5300))
        assert (await ref.ask(ReadAccount())).wallet == 4800


async def test_wallets_survive_a_restart_of_the_store() -> None:
    async with open_store("memory://") as store:
        async with open_actor_system() as system:
            accounts = await accounts_of(system, store)
            await accounts.create(PlayerAccount("p1", "Ada", 1000.0))
            ref = await accounts.get("p1")
            assert ref is not None
            ref.tell(WalletUpdate("s1", 1100.0, 2, 4890))
            await ref.ask(ReadAccount())
        async with open_actor_system() as system:
            accounts = await accounts_of(system, store)
            ref = await accounts.get("p1")
            assert ref is not None
            assert (await ref.ask(ReadAccount())).wallet == 4890


async def test_concurrent_entries_of_one_player_let_one_session_hold_them() -> None:
    async with quipflip() as party:
        for player in ("p1", "p2", "p3"):
            await party.accounts.create(PlayerAccount(player, player.upper(), 1000.0))
        ada, bob, carol = [await party.account(player) for player in ("p1", "p2", "p3")]
        created: list[Any] = []
        refused: list[errors.InAnotherSession] = []

        async def attempt(message: Any) -> None:
            try:
                created.append(await ada.ask(message))
            except errors.InAnotherSession as refusal:
                refused.append(refusal)

        async with trio.open_nursery() as nursery:
            for _ in range(3):
                nursery.start_soon(attempt, CreateSession(PartyConfig()))
        assert (len(created), len(refused)) == (1, 2)
        assert party.index.sessions_of("p1") == {created[0].session_id}

        # Bob and Carol host a session each; Ada, out of hers, joins both at once.
        missing = errors.SessionNotFound()
        first = (await bob.ask(CreateSession(PartyConfig()))).session_id
        second = (await carol.ask(CreateSession(PartyConfig()))).session_id
        await party.ask(await party.session(created[0].session_id), Leave("p1"))
        created.clear()
        refused.clear()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(attempt, JoinSession(first, missing))
            nursery.start_soon(attempt, JoinSession(second, missing))
        assert (len(created), len(refused)) == (1, 1)
        assert len(party.index.sessions_of("p1")) == 1
        unknown = errors.SessionNotFound("Party session not found")
        with pytest.raises(errors.SessionNotFound, match="Party session not found"):
            await ada.ask(JoinSession("00000000-0000-0000-0000-000000000000", unknown))


async def test_a_session_the_index_names_late_is_asked_whether_it_holds_the_player() -> None:
    async with quipflip() as party:
        for player in ("p1", "p2"):
            await party.accounts.create(PlayerAccount(player, player.upper(), 1000.0))
        ada, bob = [await party.account(player) for player in ("p1", "p2")]
        bobs = (await bob.ask(CreateSession(PartyConfig()))).session_id
        # As a node's index may be a moment late in a cluster: it still has Ada in Bob's session.
        listing = party.index.listing(bobs)
        assert listing is not None
        party.index.report(bobs, attrs.evolve(listing, players=listing.players | {"p1"}))
        assert party.index.sessions_of("p1") == {bobs}
        created = await ada.ask(CreateSession(PartyConfig()))
        assert party.index.sessions_of("p1") == {bobs, created.session_id}
        with pytest.raises(errors.InAnotherSession):
            await ada.ask(CreateSession(PartyConfig()))


class _BrokenSessions:
    """A sessions' directory whose every session fails to start."""

    async def get(self, session_id: str) -> None:
        raise RuntimeError("the session crashed")


async def test_a_failed_entry_is_the_askers_error_not_the_players_crash() -> None:
    async with open_store("memory://") as store, open_actor_system() as system:
        accounts = await accounts_of(system, store)
        accounts.entrances.open(_BrokenSessions())  # type: ignore[arg-type]
        await accounts.create(PlayerAccount("p1", "Ada", 1000.0))
        ref = await accounts.get("p1")
        assert ref is not None
        with pytest.raises(EntryFailed) as failed:
            await ref.ask(JoinSession("s1", errors.SessionNotFound()))
        assert isinstance(failed.value.__cause__, RuntimeError)
        assert (await ref.ask(ReadAccount())).username == "Ada"
