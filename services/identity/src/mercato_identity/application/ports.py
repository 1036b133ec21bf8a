"""What the handlers need from storage and keys; the adapters provide it (SQLite/PostgreSQL).

Saving an aggregate also records its new events for publication, in the same transaction.
A save that finds the row changed since it was loaded raises ConcurrencyError.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from mercato_identity.domain import (
    Account,
    App,
    AuthorizationCode,
    Grant,
    PublishedKey,
    Session,
    Throttle,
)
from mercato_identity.domain.security import SecurityEvent
from mercato_kit.auth import SigningKey


class Accounts(Protocol):
    async def add(self, account: Account) -> None:
        """Store a new account; EmailTaken when its e-mail address is taken."""
        ...

    async def save(self, account: Account) -> None: ...

    async def get(self, account_id: str) -> Account | None: ...

    async def with_email(self, email: str) -> Account | None: ...


class Throttles(Protocol):
    async def get(self, key: str) -> Throttle: ...

    async def get_for_update(self, key: str) -> Throttle:
        """The throttle, locked until the end of the transaction (concurrent failures queue)."""
        ...

    async def save(self, throttle: Throttle) -> None: ...

    async def clear(self, key: str) -> None: ...

    async def forget_before(self, cutoff: datetime, now: datetime, *, limit: int) -> int: ...


class SecurityEvents(Protocol):
    async def record(self, event: SecurityEvent) -> None: ...

    async def forget_before(self, cutoff: datetime, *, limit: int) -> int: ...


class Sessions(Protocol):
    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: str) -> Session | None: ...

    async def save(self, session: Session) -> None: ...

    async def add_refresh_token(
        self, digest: str, session: Session, generation: int, now: datetime
    ) -> None: ...

    async def refresh_token(self, digest: str) -> tuple[str, int] | None:
        """The session id and generation of a refresh token, by its digest."""
        ...

    async def forget_before(self, cutoff: datetime, *, limit: int) -> int:
        """Delete up to `limit` sessions that ended or expired before `cutoff`, with their
        refresh tokens."""
        ...


class Apps(Protocol):
    async def add(self, app: App) -> None: ...

    async def get(self, app_id: str) -> App | None: ...

    async def save(self, app: App) -> None: ...


class Grants(Protocol):
    async def add(self, grant: Grant) -> None:
        """Store a new grant; GrantExists when the account's active grant to the app exists."""
        ...

    async def get(self, grant_id: str) -> Grant | None: ...

    async def save(self, grant: Grant) -> None: ...

    async def active(self, grantor_account_id: str, app_id: str) -> Grant | None: ...

    async def given_by(self, account_id: str, *, include_revoked: bool) -> list[Grant]: ...

    async def given_to(self, app_id: str, *, include_revoked: bool) -> list[Grant]: ...


class AuthorizationCodes(Protocol):
    async def add(self, code: AuthorizationCode) -> None: ...

    async def get(self, digest: str) -> AuthorizationCode | None: ...

    async def save(self, code: AuthorizationCode) -> None:
        """Store a redeemed code; AuthorizationCodeRejected if it was redeemed meanwhile."""
        ...

    async def forget_before(self, cutoff: datetime, *, limit: int) -> int: ...


class PublishedKeys(Protocol):
    async def current(self) -> PublishedKey | None: ...

    async def published(
        self, now: datetime, retention: timedelta
    ) -> list[tuple[PublishedKey, bytes]]:
        """The published keys and their raw public keys, the current one first."""
        ...

    async def rotate(
        self, previous: PublishedKey | None, key: PublishedKey, pair: SigningKey
    ) -> None:
        """Retire `previous` and store `key` (with its key pair) as the current key."""
        ...


class IdentityUnitOfWork(Protocol):
    @property
    def accounts(self) -> Accounts: ...
    @property
    def throttles(self) -> Throttles: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def security(self) -> SecurityEvents: ...
    @property
    def apps(self) -> Apps: ...
    @property
    def grants(self) -> Grants: ...
    @property
    def codes(self) -> AuthorizationCodes: ...
    @property
    def keys(self) -> PublishedKeys: ...

    async def commit(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back unless committed."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> IdentityUnitOfWork:
        """A new unit of work; `read_only` for one that only looks things up."""
        ...


class SigningKeys(Protocol):
    """The key that signs new tokens (identity's key ring)."""

    async def signing_key(self) -> SigningKey: ...

    async def reload(self) -> None: ...
