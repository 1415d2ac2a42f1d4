"""Who is calling: signed tokens, the secret that signs them, and password hashes.

::

    AuthError
    ├── TokenExpired      a token we signed whose ``exp`` has passed
    ├── TokenInvalid      any other bad token: forged signature, wrong algorithm, issuer or
    │                     audience, malformed, or missing a required claim
    └── PasswordTooLong   a password over bcrypt's 72-byte input limit was offered for hashing

Tokens are JWTs signed with HS256 (watchparty's spec: claims chosen by the app, issuer set,
one-hour lifetime). PyJWT's exceptions never leave this module: ``verify`` raises only the two
token errors, with PyJWT's exception as ``__cause__``.

Password hashing is bcrypt, whose cost 12 takes about 250 ms of CPU; it runs in worker threads,
never on the event loop, behind its own ``CapacityLimiter`` so a burst of logins cannot take every
slot of Trio's default thread limiter from the store.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import attrs
import bcrypt
import jwt
import trio

from engine.store import VersionConflict

#: Set this to share one signing secret between nodes without a shared store, or to pin it.
JWT_SECRET_ENV = "PARTY_ENGINE_JWT_SECRET"
#: The store kind under which generated secrets are kept.
SECRET_KIND = "engine.secret"

_ALGORITHM = "HS256"
# RFC 7518 section 3.2: an HS256 key MUST be at least as long as the hash output, 256 bits.
_MIN_SECRET_BYTES = 32
# The claims ``issue`` sets itself; letting callers set them would let them mint tokens that
# outlive the ttl or name another issuer.
_REGISTERED_CLAIMS = frozenset({"iss", "aud", "iat", "nbf", "exp"})
# bcrypt reads at most 72 bytes of input; bcrypt 5 raises beyond that, older versions truncated.
_BCRYPT_MAX_BYTES = 72

_T = TypeVar("_T")


class AuthError(Exception):
    """Base of every error this module raises on purpose."""


class TokenExpired(AuthError):
    """The token is genuine but its ``exp`` has passed: the client should get a new one."""


class TokenInvalid(AuthError):
    """The token was not issued by this issuer for this audience, or cannot be read at all."""


class PasswordTooLong(AuthError):
    """The password is longer than bcrypt's 72-byte limit once encoded as UTF-8."""


def _check_secret(instance: object, attribute: attrs.Attribute[bytes], secret: bytes) -> None:
    if not isinstance(secret, bytes):
        raise TypeError("the token secret must be bytes")
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError(f"an HS256 secret needs at least {_MIN_SECRET_BYTES} bytes (RFC 7518)")


@attrs.frozen
class TokenIssuer:
    """Issues and verifies HS256 JWTs for one ``issuer`` (and ``audience``, when given).

    ``now`` is wall-clock epoch seconds, since ``exp`` and ``iat`` are epoch seconds that other
    nodes and clients read too; tests pass a fake to make tokens expire without waiting. Both
    methods are synchronous and cheap (one HMAC).
    """

    secret: bytes = attrs.field(repr=False, validator=_check_secret)
    issuer: str
    audience: str | None = None
    ttl: float = attrs.field(default=3600.0, converter=float, validator=attrs.validators.ge(1.0))
    now: Callable[[], float] = attrs.field(default=time.time, kw_only=True, repr=False)

    def issue(self, claims: Mapping[str, Any]) -> str:
        """Sign ``claims`` plus ``iss``, ``iat``, ``exp`` (and ``aud``) into a token.

        Raises ``ValueError`` if ``claims`` holds a registered claim this issuer sets, and
        ``TypeError`` if a value is not JSON-serialisable.
        """
        reserved = _REGISTERED_CLAIMS.intersection(claims)
        if reserved:
            raise ValueError(f"the issuer sets these claims itself: {sorted(reserved)}")
        now = self.now()
        payload = {
            **claims,
            "iss": self.issuer,
            "iat": math.floor(now),
            # Rounded down: a token may die up to a second early, never late.
            "exp": math.floor(now + self.ttl),
        }
        if self.audience is not None:
            payload["aud"] = self.audience
        return jwt.encode(payload, self.secret, algorithm=_ALGORITHM)

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of ``token`` if this issuer signed it and it has not expired.

        Raises ``TokenExpired`` or ``TokenInvalid``; nothing else for any string or bytes input.
        """
        required = ["exp", "iss"] if self.audience is None else ["exp", "iss", "aud"]
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[_ALGORITHM],
                issuer=self.issuer,
                audience=self.audience,
                # Time checks are ours, against self.now: PyJWT's would read the real clock.
                options={"require": required, "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenInvalid(f"invalid token: {exc}") from exc
        expires = claims["exp"]
        if isinstance(expires, bool) or not isinstance(expires, (int, float)):
            raise TokenInvalid("invalid token: exp is not a number")
        if self.now() >= expires:
            raise TokenExpired("the token has expired")
        return claims


class _Record(Protocol):
    @property
    def data(self) -> Mapping[str, Any]: ...


class SecretStore(Protocol):
    """The two store operations ``load_or_create_secret`` needs (``engine.store`` has them)."""

    async def load(self, kind: str, key: str) -> _Record | None: ...

    async def save(
        self, kind: str, key: str, data: dict[str, Any], *, expected_version: int
    ) -> int: ...


async def load_or_create_secret(
    store: SecretStore, *, environ: Mapping[str, str], name: str = "jwt"
) -> bytes:
    """Return the signing secret called ``name``, creating and storing it on first use.

    An app that signs tokens calls it in its setup with ``Engine.store`` and ``Engine.environ``.
    In order: ``PARTY_ENGINE_JWT_SECRET`` in ``environ`` (its UTF-8 bytes) when set;
    else the secret saved in ``store`` under kind ``engine.secret``; else 32 fresh random bytes,
    saved there so that tokens survive a restart. When several nodes race to create it, the first
    save wins and every other node re-reads and returns the winner's secret.

    Raises ``ValueError`` if the variable is set but shorter than 32 bytes, or if the stored
    record is not a secret this function wrote; store errors propagate unchanged.
    """
    from_env = environ.get(JWT_SECRET_ENV)
    if from_env is not None:
        secret = from_env.encode()
        if len(secret) < _MIN_SECRET_BYTES:
            raise ValueError(
                f"{JWT_SECRET_ENV} must be at least {_MIN_SECRET_BYTES} bytes long (RFC 7518)"
            )
        return secret
    record = await store.load(SECRET_KIND, name)
    if record is None:
        secret = secrets.token_bytes(_MIN_SECRET_BYTES)
        data = {"secret": base64.b64encode(secret).decode("ascii")}
        try:
            await store.save(SECRET_KIND, name, data, expected_version=0)
        except VersionConflict:
            record = await store.load(SECRET_KIND, name)
            if record is None:
                # The winner's record vanished again: nothing sane to return.
                raise
        else:
            return secret
    return _decode_secret(record.data)


def _decode_secret(data: Mapping[str, Any]) -> bytes:
    try:
        secret = base64.b64decode(data["secret"], validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise ValueError("the stored token secret is malformed") from exc
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError("the stored token secret is too short")
    return secret


def _default_concurrency() -> int:
    return os.cpu_count() or 1


@attrs.define(eq=False)
class PasswordHasher:
    """bcrypt password hashes, computed in worker threads.

    At most ``concurrency`` hashes run at once (one per CPU by default: bcrypt is pure CPU, so
    more threads would only queue inside the OS); further calls wait their turn.

    Passwords longer than 72 bytes in UTF-8 are refused rather than pre-hashed: bcrypt ignores
    input past 72 bytes, and pre-hashing (sha256 then bcrypt) would make our hashes unreadable to
    every other bcrypt implementation and open the door to "password shucking". 72 bytes is 18
    characters even in 4-byte scripts, far beyond any minimum the specs set.

    Cancellation: a cancelled ``hash`` or ``verify`` raises ``Cancelled`` at once; its thread
    finishes the (side-effect free) computation in the background, holding its slot until done.
    """

    cost: int = attrs.field(
        default=12,
        validator=[
            attrs.validators.instance_of(int),
            attrs.validators.ge(4),
            attrs.validators.le(31),
        ],
    )
    concurrency: int = attrs.field(
        factory=_default_concurrency, kw_only=True, validator=attrs.validators.ge(1)
    )
    _limiter: trio.CapacityLimiter = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._limiter = trio.CapacityLimiter(self.concurrency)

    async def hash(self, password: str) -> str:
        """Return a ``$2b$`` bcrypt hash of ``password`` with a fresh salt.

        Raises ``PasswordTooLong`` if ``password`` exceeds 72 bytes in UTF-8.
        """
        encoded = password.encode()
        if len(encoded) > _BCRYPT_MAX_BYTES:
            raise PasswordTooLong(f"passwords are limited to {_BCRYPT_MAX_BYTES} bytes")
        hashed = await self._run(lambda: bcrypt.hashpw(encoded, bcrypt.gensalt(self.cost)))
        return hashed.decode("ascii")

    async def verify(self, password: str, hashed: str) -> bool:
        """Whether ``password`` matches ``hashed`` (the hash's own cost applies).

        A password over 72 bytes is simply False: ``hash`` never accepted one. Raises
        ``ValueError`` if ``hashed`` is not a bcrypt hash, which means corrupt data, not a wrong
        password.
        """
        encoded = password.encode()
        if len(encoded) > _BCRYPT_MAX_BYTES:
            return False
        return await self._run(lambda: bcrypt.checkpw(encoded, hashed.encode("ascii")))

    async def _run(self, compute: Callable[[], _T]) -> _T:
        return await trio.to_thread.run_sync(compute, limiter=self._limiter, abandon_on_cancel=True)
