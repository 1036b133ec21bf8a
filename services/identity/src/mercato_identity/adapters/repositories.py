"""Identity's repositories and unit of work on SQLite or PostgreSQL.

Aggregates are stored as rows with a version; a save updates the row only if its version is
still the one loaded (else ConcurrencyError), and records the aggregate's new events in the
kit's outbox in the same transaction. Revocation events also revoke in this process's
`InMemoryRevocations` once the transaction commits, so this instance refuses the tokens at
once; the other instances (and services) hear of it from Kafka.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.tables import (
    accounts,
    apps,
    authorization_codes,
    grants,
    refresh_tokens,
    sessions,
    sign_in_attempts,
    signing_keys,
)
from mercato_identity.adapters.translator import to_payload
from mercato_identity.domain import (
    Account,
    App,
    AppKind,
    AuthorizationCode,
    Grant,
    PublishedKey,
    RevocationReason,
    Role,
    Session,
    SignInAttempts,
    SignOutReason,
)
from mercato_identity.domain.errors import AuthorizationCodeRejected, EmailTaken, GrantExists
from mercato_kit.auth import InMemoryRevocations, SigningKey, public_key_bytes
from mercato_kit.domain import Aggregate
from mercato_kit.errors import ConcurrencyError
from mercato_kit.events import EventEnvelope
from mercato_kit.storage import Database, append_to_outbox
from mercato_kit.store import SqlUnitOfWork

PRODUCER = "identity"
_LIST_LIMIT = 500


def hide_sql_parameters(database: Database) -> None:
    """Keep statement parameters out of database errors (and so out of logged tracebacks):
    identity's parameters include password hashes and secret digests."""
    database.engine.sync_engine.hide_parameters = True


def _utc(value: datetime | None) -> datetime | None:
    """SQLite keeps no offset: every time is stored in UTC, and read back as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _required_utc(value: datetime) -> datetime:
    moment = _utc(value)
    assert moment is not None
    return moment


class _Outbox:
    """Records aggregates' new events for publication in the unit of work's transaction."""

    def __init__(
        self,
        session: AsyncSession,
        revocations: InMemoryRevocations | None,
        after_commit: list[Callable[[], None]],
    ) -> None:
        self._session = session
        self._revocations = revocations
        self._after_commit = after_commit
        self.written = False

    async def emit(self, aggregate: Aggregate) -> None:
        events = aggregate.pending_events()
        if not events:
            return
        envelopes = [
            EventEnvelope.new(
                to_payload(event),
                aggregate_type=aggregate.aggregate_type,
                aggregate_id=aggregate.id,
                aggregate_version=aggregate.saved_version + offset,
                producer=PRODUCER,
            )
            for offset, event in enumerate(events, start=1)
        ]
        await append_to_outbox(self._session, envelopes)
        if self._revocations is not None:
            for event in events:
                if isinstance(event, Grant.Revoked):
                    self._after_commit.append(partial(self._revocations.revoke_grant, aggregate.id))
                elif isinstance(event, Session.SignedOut):
                    self._after_commit.append(
                        partial(self._revocations.revoke_session, aggregate.id)
                    )
        aggregate.mark_saved()
        self.written = True


class _Versioned:
    """Remembers the version of every row loaded, for the optimistic check on save."""

    def __init__(self, session: AsyncSession, outbox: _Outbox) -> None:
        self._session = session
        self._outbox = outbox
        self._loaded: dict[str, int] = {}

    def _remember(self, aggregate: Aggregate, version: int) -> None:
        aggregate.version = version
        self._loaded[aggregate.id] = version

    async def _update(self, table: Any, key: Any, aggregate: Aggregate, **values: Any) -> None:
        expected = self._loaded.get(aggregate.id, aggregate.saved_version)
        result = await self._session.execute(
            update(table)
            .where(key == aggregate.id, table.c.version == expected)
            .values(version=aggregate.version, **values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrencyError(aggregate.aggregate_type, aggregate.id, expected)
        await self._outbox.emit(aggregate)
        self._loaded[aggregate.id] = aggregate.version


class SqlAccounts(_Versioned):
    async def add(self, account: Account) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(accounts).values(
                        account_id=account.id,
                        email=account.email,
                        role=str(account.role),
                        password_hash=account.password_hash,
                        registered_at=account.registered_at,
                        version=account.version,
                    )
                )
        except IntegrityError:
            # `from None`: the driver's message would quote the row, hash included.
            raise EmailTaken() from None
        await self._outbox.emit(account)
        self._loaded[account.id] = account.version

    async def get(self, account_id: str) -> Account | None:
        return await self._one(accounts.c.account_id == account_id)

    async def with_email(self, email: str) -> Account | None:
        return await self._one(accounts.c.email == email)

    async def _one(self, condition: Any) -> Account | None:
        row = (await self._session.execute(select(accounts).where(condition))).first()
        if row is None:
            return None
        account = Account(row.account_id)
        account.email, account.role = row.email, Role(row.role)
        account.password_hash = row.password_hash
        account.registered_at = _utc(row.registered_at)
        self._remember(account, row.version)
        return account


class SqlSignInAttempts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, email_digest: str) -> SignInAttempts:
        return await self._read(email_digest, for_update=False)

    async def get_for_update(self, email_digest: str) -> SignInAttempts:
        dialect = self._session.get_bind().dialect.name
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self._session.execute(
            insert_(sign_in_attempts)
            .values(email_digest=email_digest, failures=0)
            .on_conflict_do_nothing()
        )
        return await self._read(email_digest, for_update=True)

    async def _read(self, email_digest: str, *, for_update: bool) -> SignInAttempts:
        query = select(sign_in_attempts).where(sign_in_attempts.c.email_digest == email_digest)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        if row is None:
            return SignInAttempts(email_digest)
        return SignInAttempts(
            email_digest,
            failures=row.failures,
            first_failure_at=_utc(row.first_failure_at),
            locked_until=_utc(row.locked_until),
        )

    async def save(self, attempts: SignInAttempts) -> None:
        await self._session.execute(
            update(sign_in_attempts)
            .where(sign_in_attempts.c.email_digest == attempts.key)
            .values(
                failures=attempts.failures,
                first_failure_at=attempts.first_failure_at,
                locked_until=attempts.locked_until,
            )
        )

    async def clear(self, email_digest: str) -> None:
        await self._session.execute(
            delete(sign_in_attempts).where(sign_in_attempts.c.email_digest == email_digest)
        )


class SqlSessions(_Versioned):
    def __init__(self, session: AsyncSession, outbox: _Outbox) -> None:
        super().__init__(session, outbox)
        self._generations: dict[str, int] = {}

    async def add(self, session: Session) -> None:
        await self._session.execute(
            insert(sessions).values(
                session_id=session.id,
                account_id=session.account_id,
                started_at=session.started_at,
                expires_at=session.expires_at,
                generation=session.generation,
                version=session.version,
            )
        )
        await self._outbox.emit(session)
        self._loaded[session.id] = session.version
        self._generations[session.id] = session.generation

    async def get(self, session_id: str) -> Session | None:
        row = (
            await self._session.execute(select(sessions).where(sessions.c.session_id == session_id))
        ).first()
        if row is None:
            return None
        session = Session(row.session_id)
        session.account_id = row.account_id
        session.started_at, session.expires_at = _utc(row.started_at), _utc(row.expires_at)
        session.generation, session.ended_at = row.generation, _utc(row.ended_at)
        session.end_reason = SignOutReason(row.end_reason) if row.end_reason else None
        self._remember(session, row.version)
        self._generations[session.id] = row.generation
        return session

    async def save(self, session: Session) -> None:
        expected_generation = self._generations.get(session.id, session.generation)
        expected = self._loaded.get(session.id, session.saved_version)
        result = await self._session.execute(
            update(sessions)
            .where(
                sessions.c.session_id == session.id,
                sessions.c.version == expected,
                sessions.c.generation == expected_generation,
            )
            .values(
                generation=session.generation,
                ended_at=session.ended_at,
                end_reason=str(session.end_reason) if session.end_reason else None,
                version=session.version,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrencyError(session.aggregate_type, session.id, expected)
        await self._outbox.emit(session)
        self._loaded[session.id] = session.version
        self._generations[session.id] = session.generation

    async def add_refresh_token(
        self, digest: str, session: Session, generation: int, now: datetime
    ) -> None:
        await self._session.execute(
            insert(refresh_tokens).values(
                digest=digest, session_id=session.id, generation=generation, issued_at=now
            )
        )

    async def refresh_token(self, digest: str) -> tuple[str, int] | None:
        row = (
            await self._session.execute(
                select(refresh_tokens.c.session_id, refresh_tokens.c.generation).where(
                    refresh_tokens.c.digest == digest
                )
            )
        ).first()
        return None if row is None else (row.session_id, row.generation)


class SqlApps(_Versioned):
    async def add(self, app: App) -> None:
        await self._session.execute(
            insert(apps).values(
                app_id=app.id,
                owner_account_id=app.owner_account_id,
                kind=str(app.kind),
                name=app.name,
                redirect_uris="\n".join(app.redirect_uris),
                scopes=" ".join(app.scopes),
                secret_digest=app.secret_digest,
                registered_at=app.registered_at,
                version=app.version,
            )
        )
        await self._outbox.emit(app)
        self._loaded[app.id] = app.version

    async def get(self, app_id: str) -> App | None:
        row = (await self._session.execute(select(apps).where(apps.c.app_id == app_id))).first()
        if row is None:
            return None
        app = App(row.app_id)
        app.owner_account_id, app.kind, app.name = row.owner_account_id, AppKind(row.kind), row.name
        app.redirect_uris = tuple(row.redirect_uris.split("\n")) if row.redirect_uris else ()
        app.scopes = tuple(row.scopes.split())
        app.secret_digest, app.registered_at = row.secret_digest, _utc(row.registered_at)
        self._remember(app, row.version)
        return app

    async def save(self, app: App) -> None:
        await self._update(apps, apps.c.app_id, app, secret_digest=app.secret_digest)


class SqlGrants(_Versioned):
    async def add(self, grant: Grant) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(grants).values(
                        grant_id=grant.id,
                        grantor_account_id=grant.grantor_account_id,
                        grantor_role=grant.grantor_role,
                        app_id=grant.app_id,
                        scopes=" ".join(grant.scopes),
                        granted_at=grant.granted_at,
                        version=grant.version,
                    )
                )
        except IntegrityError:
            existing = await self.active(grant.grantor_account_id, grant.app_id)
            raise GrantExists(existing.id if existing else "(just given)") from None
        await self._outbox.emit(grant)
        self._loaded[grant.id] = grant.version

    async def get(self, grant_id: str) -> Grant | None:
        rows = await self._select(grants.c.grant_id == grant_id)
        return rows[0] if rows else None

    async def active(self, grantor_account_id: str, app_id: str) -> Grant | None:
        rows = await self._select(
            grants.c.grantor_account_id == grantor_account_id,
            grants.c.app_id == app_id,
            grants.c.revoked_at.is_(None),
        )
        return rows[0] if rows else None

    async def given_by(self, account_id: str, *, include_revoked: bool) -> list[Grant]:
        return await self._listed(grants.c.grantor_account_id == account_id, include_revoked)

    async def given_to(self, app_id: str, *, include_revoked: bool) -> list[Grant]:
        return await self._listed(grants.c.app_id == app_id, include_revoked)

    async def _listed(self, condition: Any, include_revoked: bool) -> list[Grant]:
        conditions = [condition]
        if not include_revoked:
            conditions.append(grants.c.revoked_at.is_(None))
        return await self._select(*conditions, limit=_LIST_LIMIT)

    async def _select(self, *conditions: Any, limit: int | None = None) -> list[Grant]:
        query = (
            select(grants)
            .where(*conditions)
            .order_by(grants.c.granted_at.desc(), grants.c.grant_id.desc())
            .limit(limit)
        )
        return [self._grant(row) for row in await self._session.execute(query)]

    def _grant(self, row: Any) -> Grant:
        grant = Grant(row.grant_id)
        grant.grantor_account_id, grant.grantor_role = row.grantor_account_id, row.grantor_role
        grant.app_id, grant.scopes = row.app_id, tuple(row.scopes.split())
        grant.granted_at, grant.revoked_at = _utc(row.granted_at), _utc(row.revoked_at)
        grant.revocation_reason = (
            RevocationReason(row.revocation_reason) if row.revocation_reason else None
        )
        self._remember(grant, row.version)
        return grant

    async def save(self, grant: Grant) -> None:
        await self._update(
            grants,
            grants.c.grant_id,
            grant,
            revoked_at=grant.revoked_at,
            revocation_reason=str(grant.revocation_reason) if grant.revocation_reason else None,
        )


class SqlAuthorizationCodes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, code: AuthorizationCode) -> None:
        await self._session.execute(
            insert(authorization_codes).values(
                digest=code.digest,
                app_id=code.app_id,
                account_id=code.account_id,
                grant_id=code.grant_id,
                scopes=" ".join(code.scopes),
                redirect_uri=code.redirect_uri,
                code_challenge=code.code_challenge,
                nonce=code.nonce,
                issued_at=code.issued_at,
                expires_at=code.expires_at,
            )
        )

    async def get(self, digest: str) -> AuthorizationCode | None:
        row = (
            await self._session.execute(
                select(authorization_codes).where(authorization_codes.c.digest == digest)
            )
        ).first()
        if row is None:
            return None
        return AuthorizationCode(
            digest=row.digest,
            app_id=row.app_id,
            account_id=row.account_id,
            grant_id=row.grant_id,
            scopes=tuple(row.scopes.split()),
            redirect_uri=row.redirect_uri,
            code_challenge=row.code_challenge,
            nonce=row.nonce,
            issued_at=_required_utc(row.issued_at),
            expires_at=_required_utc(row.expires_at),
            used_at=_utc(row.used_at),
        )

    async def save(self, code: AuthorizationCode) -> None:
        result = await self._session.execute(
            update(authorization_codes)
            .where(
                authorization_codes.c.digest == code.digest,
                authorization_codes.c.used_at.is_(None),
            )
            .values(used_at=code.used_at)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise AuthorizationCodeRejected()


class SqlPublishedKeys:
    def __init__(self, session: AsyncSession, outbox: _Outbox) -> None:
        self._session = session
        self._outbox = outbox

    async def current(self) -> PublishedKey | None:
        row = (
            await self._session.execute(
                select(signing_keys).where(signing_keys.c.is_current.is_(True))
            )
        ).first()
        return None if row is None else self._key(row)

    async def published(
        self, now: datetime, retention: timedelta
    ) -> list[tuple[PublishedKey, bytes]]:
        rows = await self._session.execute(
            select(signing_keys)
            .where(
                or_(
                    signing_keys.c.retired_at.is_(None), signing_keys.c.retired_at > now - retention
                )
            )
            .order_by(signing_keys.c.created_at.desc(), signing_keys.c.kid.desc())
        )
        keys = [(self._key(row), bytes(row.public_key)) for row in rows]
        return sorted(keys, key=lambda entry: not entry[0].is_current)

    async def rotate(
        self, previous: PublishedKey | None, key: PublishedKey, pair: SigningKey
    ) -> None:
        if previous is not None:
            retired = await self._session.execute(
                update(signing_keys)
                .where(signing_keys.c.kid == previous.id, signing_keys.c.is_current.is_(True))
                .values(retired_at=previous.retired_at, is_current=None)
            )
            if retired.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrencyError(previous.aggregate_type, previous.id, previous.version)
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(signing_keys).values(
                        kid=key.id,
                        private_key=pair.private_bytes(),
                        public_key=public_key_bytes(pair.public_key),
                        created_at=key.created_at,
                        is_current=True,
                        version=key.version,
                    )
                )
        except IntegrityError:  # another instance made a key current meanwhile
            raise ConcurrencyError(key.aggregate_type, key.id, 0) from None
        await self._outbox.emit(key)

    @staticmethod
    def _key(row: Any) -> PublishedKey:
        key = PublishedKey(row.kid)
        key.created_at, key.retired_at = _utc(row.created_at), _utc(row.retired_at)
        key.version = row.version
        return key


class SqlUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> SqlIdentityUnitOfWork: ...


class SqlIdentityUnitOfWork:
    """One transaction over identity's tables and the kit's outbox (see IdentityUnitOfWork).

    `notify` (the relay's) is called after a commit that recorded events, so they leave at once.
    `read_only` is for look-ups: on SQLite they then do not queue behind writers.
    """

    def __init__(
        self,
        database: Database,
        *,
        revocations: InMemoryRevocations | None = None,
        notify: Callable[[], None] | None = None,
        read_only: bool = False,
    ) -> None:
        self._inner = SqlUnitOfWork(database, read_only=read_only)
        self._revocations = revocations
        self._notify = notify
        self._callbacks: list[Callable[[], None]] = []

    @property
    def session(self) -> AsyncSession:
        return self._inner.session

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        session = self._inner.session
        self._outbox = _Outbox(session, self._revocations, self._callbacks)
        self.accounts = SqlAccounts(session, self._outbox)
        self.attempts = SqlSignInAttempts(session)
        self.sessions = SqlSessions(session, self._outbox)
        self.apps = SqlApps(session, self._outbox)
        self.grants = SqlGrants(session, self._outbox)
        self.codes = SqlAuthorizationCodes(session)
        self.keys = SqlPublishedKeys(session, self._outbox)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, traceback)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    async def commit(self) -> None:
        await self._inner.commit()
        if self._outbox.written and self._notify is not None:
            self._notify()
        for callback in self._callbacks:
            callback()
