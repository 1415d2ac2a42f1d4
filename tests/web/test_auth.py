from __future__ import annotations

import base64
import threading
import warnings
from typing import Any

import attrs
import bcrypt
import jwt
import pytest
import trio

from engine.store import VersionConflict
from engine.web._auth import (
    JWT_SECRET_ENV,
    SECRET_KIND,
    AuthError,
    PasswordHasher,
    PasswordTooLong,
    TokenExpired,
    TokenInvalid,
    TokenIssuer,
    load_or_create_secret,
)

SECRET = b"s" * 32
EPOCH = 1_700_000_000.0


@attrs.define
class FakeClock:
    now: float = EPOCH

    def __call__(self) -> float:
        return self.now


def _issuer(clock: FakeClock | None = None, **overrides: Any) -> TokenIssuer:
    fields: dict[str, Any] = {
        "secret": SECRET,
        "issuer": "watchparty",
        "audience": None,
        "ttl": 3600,
    }
    fields.update(overrides)
    return TokenIssuer(**fields, now=clock or FakeClock())


# Tokens


def test_a_token_carries_the_claims_and_the_issuers_own() -> None:
    clock = FakeClock()
    issuer = _issuer(clock, audience="web")
    token = issuer.issue({"session_id": "s1", "user_id": "u1", "is_host": True})
    assert issuer.verify(token) == {
        "session_id": "s1",
        "user_id": "u1",
        "is_host": True,
        "iss": "watchparty",
        "aud": "web",
        "iat": int(EPOCH),
        "exp": int(EPOCH) + 3600,
    }
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_a_token_expires_after_its_ttl() -> None:
    clock = FakeClock()
    issuer = _issuer(clock)
    token = issuer.issue({"user_id": "u1"})
    clock.now += 3599.5
    assert issuer.verify(token)["user_id"] == "u1"
    clock.now += 0.5
    with pytest.raises(TokenExpired):
        issuer.verify(token)


@pytest.mark.parametrize(
    ("verifier", "why"),
    [
        (_issuer(secret=b"x" * 32), "forged signature"),
        (_issuer(issuer="quipflip"), "another issuer"),
        (_issuer(audience="web"), "no audience in the token"),
    ],
)
def test_a_token_from_elsewhere_is_invalid(verifier: TokenIssuer, why: str) -> None:
    token = _issuer().issue({"user_id": "u1"})
    with pytest.raises(TokenInvalid) as invalid:
        verifier.verify(token)
    assert isinstance(invalid.value.__cause__, jwt.InvalidTokenError), why


def test_audience_must_match_both_ways() -> None:
    for_web = _issuer(audience="web").issue({})
    with pytest.raises(TokenInvalid):
        _issuer(audience="mobile").verify(for_web)
    with pytest.raises(TokenInvalid):
        _issuer().verify(for_web)


def _same_secret_other_algorithm() -> str:
    with warnings.catch_warnings():  # PyJWT rightly finds 32 bytes short for HS512
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode({"iss": "watchparty", "exp": int(EPOCH) + 60}, SECRET, algorithm="HS512")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        "a.b.c",
        jwt.encode({"iss": "watchparty"}, SECRET, algorithm="HS256"),  # no exp
        jwt.encode({"exp": int(EPOCH) + 60}, SECRET, algorithm="HS256"),  # no iss
        jwt.encode({"iss": "watchparty", "exp": "later"}, SECRET, algorithm="HS256"),
        _same_secret_other_algorithm(),
        jwt.encode({"iss": "watchparty", "exp": int(EPOCH) + 60}, "", algorithm="none"),
        None,
    ],
)
def test_malformed_or_incomplete_tokens_are_invalid(token: Any) -> None:
    with pytest.raises(TokenInvalid):
        _issuer().verify(token)


def test_the_error_tree() -> None:
    assert issubclass(TokenExpired, AuthError)
    assert issubclass(TokenInvalid, AuthError)
    assert issubclass(PasswordTooLong, AuthError)
    assert not issubclass(TokenExpired, TokenInvalid)


def test_issue_refuses_claims_the_issuer_owns() -> None:
    with pytest.raises(ValueError, match="exp"):
        _issuer().issue({"user_id": "u1", "exp": 9_999_999_999})


def test_the_issuer_needs_a_long_secret_and_keeps_it_out_of_repr() -> None:
    with pytest.raises(ValueError):
        _issuer(secret=b"short")
    with pytest.raises(TypeError):
        _issuer(secret="s" * 32)
    with pytest.raises(ValueError):
        _issuer(ttl=0)
    assert "sss" not in repr(_issuer())


# The secret


@attrs.frozen
class FakeRecord:
    version: int
    data: dict[str, Any]


@attrs.define
class FakeStore:
    """The two store calls the secret needs; loads yield, so concurrent callers interleave."""

    records: dict[tuple[str, str], FakeRecord] = attrs.Factory(dict)
    saves: int = 0
    conflicts: int = 0

    async def load(self, kind: str, key: str) -> FakeRecord | None:
        record = self.records.get((kind, key))
        await trio.lowlevel.checkpoint()
        return record

    async def save(
        self, kind: str, key: str, data: dict[str, Any], *, expected_version: int
    ) -> int:
        current = self.records.get((kind, key))
        actual = 0 if current is None else current.version
        if actual != expected_version:
            self.conflicts += 1
            raise VersionConflict(kind, key, expected_version, actual)
        self.records[kind, key] = FakeRecord(actual + 1, data)
        self.saves += 1
        return actual + 1


async def test_the_secret_is_created_once_and_survives_a_restart() -> None:
    store = FakeStore()
    secret = await load_or_create_secret(store, environ={})
    assert len(secret) == 32
    assert (SECRET_KIND, "jwt") in store.records
    token = TokenIssuer(secret, "watchparty").issue({"user_id": "u1"})

    after_restart = await load_or_create_secret(store, environ={})
    assert after_restart == secret
    assert TokenIssuer(after_restart, "watchparty").verify(token)["user_id"] == "u1"
    assert store.saves == 1


async def test_secrets_are_named() -> None:
    store = FakeStore()
    assert await load_or_create_secret(
        store, environ={}, name="jwt"
    ) != await load_or_create_secret(store, environ={}, name="other")


async def test_racing_nodes_agree_on_the_first_saved_secret() -> None:
    store = FakeStore()
    results: list[bytes] = []

    async def node() -> None:
        results.append(await load_or_create_secret(store, environ={}))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(node)
        nursery.start_soon(node)
    assert (store.saves, store.conflicts) == (1, 1)
    assert results[0] == results[1]


async def test_the_environment_variable_wins() -> None:
    store = FakeStore()
    assert await load_or_create_secret(store, environ={JWT_SECRET_ENV: "e" * 40}) == b"e" * 40
    assert store.records == {}


async def test_a_short_environment_secret_is_refused() -> None:
    with pytest.raises(ValueError, match=JWT_SECRET_ENV):
        await load_or_create_secret(FakeStore(), environ={JWT_SECRET_ENV: "hunter2"})


@pytest.mark.parametrize(
    "data",
    [{}, {"secret": "%%%"}, {"secret": base64.b64encode(b"short").decode()}, {"secret": 5}],
)
async def test_a_malformed_stored_secret_is_refused(data: dict[str, Any]) -> None:
    store = FakeStore({(SECRET_KIND, "jwt"): FakeRecord(1, data)})
    with pytest.raises(ValueError):
        await load_or_create_secret(store, environ={})


# Passwords


def test_the_default_cost_is_12() -> None:
    assert PasswordHasher().cost == 12


async def test_hash_and_verify() -> None:
    hasher = PasswordHasher(cost=4)
    hashed = await hasher.hash("secure123")
    assert hashed.startswith("$2b$04$")
    assert hashed != await hasher.hash("secure123")  # fresh salt each time
    assert await hasher.verify("secure123", hashed)
    assert not await hasher.verify("secure124", hashed)
    # The hash's own cost applies, so a cost-12 hasher checks this one quickly.
    assert await PasswordHasher().verify("secure123", hashed)


async def test_passwords_are_limited_to_72_utf8_bytes() -> None:
    hasher = PasswordHasher(cost=4)
    assert await hasher.verify("é" * 36, await hasher.hash("é" * 36))  # 72 bytes
    with pytest.raises(PasswordTooLong):
        await hasher.hash("é" * 36 + "x")
    hashed = await hasher.hash("x" * 72)
    assert not await hasher.verify("x" * 73, hashed)  # bcrypt 4 truncated: this matched


async def test_a_corrupt_hash_is_an_error_not_a_mismatch() -> None:
    with pytest.raises(ValueError):
        await PasswordHasher(cost=4).verify("secure123", "not a bcrypt hash")


def test_the_cost_is_within_bcrypts_range() -> None:
    for cost in (3, 32):
        with pytest.raises(ValueError):
            PasswordHasher(cost=cost)


async def test_hashing_runs_on_worker_threads_within_the_concurrency_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hashpw = bcrypt.hashpw
    threads: set[int] = set()
    active, most_active = 0, 0
    lock = threading.Lock()

    def spying_hashpw(password: bytes, salt: bytes) -> bytes:
        nonlocal active, most_active
        with lock:
            threads.add(threading.get_ident())
            active += 1
            most_active = max(most_active, active)
        try:
            return hashpw(password, salt)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(bcrypt, "hashpw", spying_hashpw)
    hasher = PasswordHasher(cost=4, concurrency=1)
    async with trio.open_nursery() as nursery:
        for n in range(6):
            nursery.start_soon(hasher.hash, f"password{n}")
    assert threading.get_ident() not in threads
    assert most_active == 1


async def test_a_cancelled_hash_returns_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    started = trio.Event()
    release = threading.Event()

    def stuck_hashpw(password: bytes, salt: bytes) -> bytes:
        trio.from_thread.run_sync(started.set)
        release.wait()
        return b""

    monkeypatch.setattr(bcrypt, "hashpw", stuck_hashpw)
    try:
        with trio.CancelScope() as scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(PasswordHasher(cost=4).hash, "secure123")
                await started.wait()
                scope.cancel()
        assert scope.cancelled_caught
    finally:
        release.set()
