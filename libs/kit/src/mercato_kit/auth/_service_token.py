"""A service's own access token, for calling other services as itself.

Each Mercato service that calls another is an identity app of kind "service" (registered by an
operator, holding scopes such as `catalog:reserve`). `ServiceCredentials` gets its token from
identity with client credentials (`AppService.IssueAppToken`) and keeps it:

    credentials = ServiceCredentials(identity_channel, app_id, app_secret)
    await stub.ReserveStock(request, metadata=await credentials.metadata(), timeout=10)

- The token is cached and reused until 80% of its lifetime has passed; then the next caller
  fetches a new one while the others go on using the current one. One fetch at a time.
- A fetch waits at most `timeout` seconds. If identity cannot be reached while the current
  token is still valid, that token goes on being used (a warning is logged, and identity is
  asked again after `retry_interval`); once it has expired, the caller gets the error.
- Neither the secret nor a token is ever logged or shown in a repr or an error message.

Errors, all `ServiceCredentialsError`:

    ServiceCredentialsError
    ├── IdentityUnavailable   identity did not answer in time (down, unreachable, overloaded):
    │                         the call cannot be made now; try again later
    └── CredentialsRefused    identity refused the app id or secret (unknown app, wrong or
                              rotated secret): a configuration error, retrying will not help
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import jwt
from pydantic import SecretStr

from mercato.identity.v1 import apps_pb2, apps_pb2_grpc, tokens_pb2
from mercato_kit.grpc import open_channel
from mercato_kit.logging import get_logger

__all__ = [
    "REFRESH_AT",
    "CredentialsRefused",
    "IdentityUnavailable",
    "ServiceCredentials",
    "ServiceCredentialsError",
]

REFRESH_AT = 0.8
"""The share of a token's lifetime after which a new one is fetched."""

# Identity's answers that mean "these credentials are not accepted", not "try again".
_REFUSALS = frozenset(
    {
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
    }
)

_log = get_logger(__name__)


class ServiceCredentialsError(Exception):
    """A service could not get its own access token (see the module docstring's tree)."""


class IdentityUnavailable(ServiceCredentialsError):
    """Identity did not answer in time; the call that needed the token cannot be made now."""


class CredentialsRefused(ServiceCredentialsError):
    """Identity refused the service's app id or secret: its configuration is wrong."""


@dataclass(frozen=True)
class _Token:
    value: str = field(repr=False)
    refresh_at: float
    """Clock reading after which a new token is fetched."""
    expires_at: float
    """Clock reading after which this token may no longer be sent."""


class ServiceCredentials:
    """The `authorization` metadata of a service calling other services as its own app.

    `identity` is identity's address ("host:port"; a channel is opened on first use and
    closed by `close()`) or a grpc.aio channel to it (left open). `scopes` narrows the token
    to those scopes (empty: every scope the app holds). `clock` is a monotonic clock in
    seconds (tests move it on to reach the refresh point).
    """

    def __init__(
        self,
        identity: str | grpc.aio.Channel,
        app_id: str,
        app_secret: str | SecretStr,
        *,
        scopes: Sequence[str] = (),
        timeout: float = 5.0,
        retry_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not app_id:
            raise ValueError("app_id is empty")
        secret = app_secret if isinstance(app_secret, SecretStr) else SecretStr(app_secret)
        if not secret.get_secret_value():
            raise ValueError("app_secret is empty")
        if timeout <= 0 or retry_interval < 0:
            raise ValueError("timeout must be positive and retry_interval not negative")
        self.app_id = app_id
        self._secret = secret
        self._scopes = tuple(scopes)
        self._timeout = timeout
        self._retry_interval = retry_interval
        self._clock = clock
        self._address = identity if isinstance(identity, str) else None
        self._channel: grpc.aio.Channel | None = None if isinstance(identity, str) else identity
        self._stub: Any = None
        self._token: _Token | None = None
        self._retry_after = float("-inf")
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ServiceCredentials(app_id={self.app_id!r})"

    async def metadata(self) -> list[tuple[str, str]]:
        """`[("authorization", "Bearer <token>")]` for a call's `metadata`.

        Raises IdentityUnavailable or CredentialsRefused when no valid token can be had."""
        return [("authorization", f"Bearer {await self.token()}")]

    async def token(self) -> str:
        """The current access token, fetched or refreshed when due (see the class docstring)."""
        current = self._token
        if current is not None and self._clock() < current.refresh_at:
            return current.value
        if current is not None and self._lock.locked() and self._clock() < current.expires_at:
            return current.value  # someone is already fetching the next one
        async with self._lock:
            current, now = self._token, self._clock()
            if current is not None and now < current.refresh_at:
                return current.value
            usable = current is not None and now < current.expires_at
            if current is not None and usable and now < self._retry_after:
                return current.value  # identity failed a moment ago: do not ask on every call
            try:
                self._token = await self._fetch()
            except IdentityUnavailable as exc:
                if current is None or not usable:
                    raise
                self._retry_after = now + self._retry_interval
                _log.warning(
                    "identity unavailable; using the current service token until it expires",
                    app_id=self.app_id,
                    expires_in_s=round(current.expires_at - now, 1),
                    error=str(exc),
                )
                return current.value
            return self._token.value

    async def close(self) -> None:
        """Close the channel opened for an address (a channel given is left to its owner)."""
        if self._address is not None and self._channel is not None:
            await self._channel.close()
            self._channel, self._stub = None, None

    async def _fetch(self) -> _Token:
        request = apps_pb2.IssueAppTokenRequest(
            app_id=self.app_id, app_secret=self._secret.get_secret_value(), scopes=self._scopes
        )
        started = self._clock()
        try:
            answer = await self._apps().IssueAppToken(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            code = error.code()
            if code in _REFUSALS:
                raise CredentialsRefused(
                    f"identity refused the credentials of app {self.app_id} "
                    f"({code.name}: {error.details()}); check the service's app id and secret"
                ) from None
            raise IdentityUnavailable(
                f"identity did not issue a token for app {self.app_id} "
                f"({code.name}: {error.details()})"
            ) from None
        lifetime = _lifetime(answer.access_token)
        _log.info(
            "service token issued",
            app_id=self.app_id,
            lifetime_s=round(lifetime),
            scopes=list(answer.access_token.scopes),
        )
        return _Token(
            answer.access_token.token,
            refresh_at=started + REFRESH_AT * lifetime,
            expires_at=started + lifetime,
        )

    def _apps(self) -> Any:
        if self._stub is None:
            if self._channel is None:
                assert self._address is not None
                self._channel = open_channel(self._address)
            self._stub = apps_pb2_grpc.AppServiceStub(self._channel)  # type: ignore[no-untyped-call]
        return self._stub


def _lifetime(access_token: tokens_pb2.AccessToken) -> float:
    """Seconds from issue to expiry, by identity's own clock (the token's `iat` and `exp`), so
    a skewed local clock neither shortens nor stretches it; the reply's expiry otherwise."""
    try:
        claims = jwt.decode(access_token.token, options={"verify_signature": False})
        return max(0.0, float(claims["exp"]) - float(claims["iat"]))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return max(0.0, access_token.expires_at.ToSeconds() - time.time())
