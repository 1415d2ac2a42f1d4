"""Player accounts: wallet updates applied once and in order, entries one at a time."""

from __future__ import annotations

import pytest
import trio

from engine.apps.quipflip.index import SessionIndex
from engine.apps.quipflip.players import (
    Enter,
    EntryFailed,
    PlayerAccount,
    ReadAccount,
    WalletUpdate,
    start_accounts,
)
from engine.store import open_store
from engine.supervisors import open_actor_system


async def test_wallet_updates_apply_once_and_only_newer_ones() -> None:
    async with open_store("memory://") as store, open_actor_system() as system:
        accounts = await start_accounts(system, store, SessionIndex())
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
            accounts = await start_accounts(system, store, SessionIndex())
            await accounts.create(PlayerAccount("p1", "Ada", 1000.0))
            ref = await accounts.get("p1")
            assert ref is not None
            ref.tell(WalletUpdate("s1", 1100.0, 2, 4890))
            await ref.ask(ReadAccount())
        async with open_actor_system() as system:
            accounts = await start_accounts(system, store, SessionIndex())
            ref = await accounts.get("p1")
            assert ref is not None
            assert (await ref.ask(ReadAccount())).wallet == 4890


async def test_entries_of_one_player_run_one_at_a_time() -> None:
    index = SessionIndex()
    async with open_store("memory://") as store, open_actor_system() as system:
        accounts = await start_accounts(system, store, index)
        await accounts.create(PlayerAccount("p1", "Ada", 1000.0))
        ref = await accounts.get("p1")
        assert ref is not None
        running: list[str] = []
        overlaps: list[bool] = []

        async def enter(account: PlayerAccount, elsewhere: bool) -> bool:
            overlaps.append(bool(running))
            running.append(account.player_id)
            await trio.sleep(0.01)
            running.pop()
            return elsewhere

        async with trio.open_nursery() as nursery:
            for _ in range(3):
                nursery.start_soon(ref.ask, Enter("s1", enter))
        assert overlaps == [False, False, False]


async def test_a_failed_entry_is_the_askers_error_not_the_players_crash() -> None:
    async with open_store("memory://") as store, open_actor_system() as system:
        accounts = await start_accounts(system, store, SessionIndex())
        await accounts.create(PlayerAccount("p1", "Ada", 1000.0))
        ref = await accounts.get("p1")
        assert ref is not None

        async def crashed_session(account: PlayerAccount, elsewhere: bool) -> None:
            raise RuntimeError("the session crashed")

        with pytest.raises(EntryFailed) as failed:
            await ref.ask(Enter("s1", crashed_session))
        assert isinstance(failed.value.__cause__, RuntimeError)
        assert (await ref.ask(ReadAccount())).username == "Ada"
