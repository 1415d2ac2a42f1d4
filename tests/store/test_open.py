"""open_store: which URLs open what."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.store import StoreError, open_store


@pytest.mark.parametrize(
    "url",
    [
        "redis://localhost",
        "party-engine.db",
        "sqlite://",
        "sqlite:///",
        "sqlite://host/x.db",
        "memory://x",
    ],
)
async def test_bad_urls_raise_value_error(url: str) -> None:
    with pytest.raises(ValueError):
        async with open_store(url):
            pass


async def test_a_relative_sqlite_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with open_store("sqlite:///party-engine.db") as store:
        await store.save("party", "p1", {}, expected_version=0)
    assert (tmp_path / "party-engine.db").is_file()


async def test_memory_stores_are_independent() -> None:
    async with open_store("memory://") as first, open_store("memory://") as second:
        await first.save("party", "p1", {}, expected_version=0)
        assert await second.load("party", "p1") is None


async def test_an_unopenable_database_raises_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        async with open_store(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"):
            pass
    with pytest.raises(StoreError):
        async with open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"):
            pass


async def test_a_store_names_its_backend(store_url: str) -> None:
    async with open_store(store_url) as store:
        scheme = store_url.partition("://")[0]
        assert store.backend == ("postgresql" if scheme.startswith("postgres") else scheme)
