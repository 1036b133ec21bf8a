"""identity's storage on SQLite and PostgreSQL: state and events in one transaction, and the
constraints that hold when two calls race (one e-mail, one active grant, one current key, one
rotation per refresh token)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from mercato_identity.adapters.key_encryption import KeySealer
from mercato_identity.adapters.tables import accounts, sessions, signing_keys
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork, hide_sql_parameters
from mercato_identity.application.accounts import refresh_session
from mercato_identity.application.keys import ensure_signing_key
from mercato_identity.application.tokens import TokenPolicy, Tokens
from mercato_identity.bootstrap import MIGRATIONS
from mercato_identity.domain import Account, App, AppKind, Grant, Role, Session
from mercato_identity.domain.commands import RefreshSession
from mercato_identity.domain.credentials import digest
from mercato_identity.domain.errors import EmailTaken, GrantExists, RefreshTokenRejected
from mercato_kit.auth import InMemoryRevocations, SigningKey, seller_grantable_scopes
from mercato_kit.errors import ConcurrencyError
from mercato_kit.storage import Database, migrate, outbox

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KNOWN = seller_grantable_scopes()
SEALER = KeySealer([KeySealer.generate()])

pytestmark = pytest.mark.infra


@pytest_asyncio.fixture(loop_scope="session")
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    await asyncio.to_thread(
        migrate,
        fresh_database_url,
        versions=MIGRATIONS,
        version_table="identity_alembic_version",
    )
    database = Database(fresh_database_url)
    try:
        yield database
    finally:
        await database.dispose()


def _unit_of_work(
    database: Database, revocations: InMemoryRevocations | None = None
) -> SqlIdentityUnitOfWork:
    return SqlIdentityUnitOfWork(
        database, revocations=revocations or InMemoryRevocations(), sealer=SEALER
    )


def _account(account_id: str, email: str = "ann@shop.example") -> Account:
    return Account.register(
        account_id, email, Role.SELLER, "scrypt$test", registered_by_operator=False, now=NOW
    )


async def _count(database: Database, table: object, *where: object) -> int:
    async with database.sessions() as session:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        return int(await session.scalar(query.where(*where)) or 0)  # type: ignore[arg-type]


async def _race(*attempts: Callable[[], object]) -> list[object]:
    """Run the attempts at once; their results or exceptions, in order."""
    return await asyncio.gather(*(attempt() for attempt in attempts), return_exceptions=True)  # type: ignore[misc]


async def test_state_and_its_events_commit_together_or_not_at_all(database: Database) -> None:
    revocations = InMemoryRevocations()
    async with _unit_of_work(database, revocations) as uow:
        await uow.accounts.add(_account("a-rolled-back", "gone@shop.example"))
    rolled_back = await _count(database, outbox)

    async with _unit_of_work(database, revocations) as uow:
        await uow.accounts.add(_account("a-kept", "kept@shop.example"))
        await uow.commit()

    async with _unit_of_work(database) as uow:
        assert await uow.accounts.get("a-rolled-back") is None
        kept = await uow.accounts.get("a-kept")
    assert rolled_back == 0
    assert kept is not None
    assert kept.email == "kept@shop.example"
    assert await _count(database, outbox) == 1


async def test_two_registrations_of_one_email_at_once_make_one_account(
    database: Database,
) -> None:
    async def register(account_id: str) -> str:
        async with _unit_of_work(database) as uow:
            await uow.accounts.add(_account(account_id))
            await asyncio.sleep(0.2)  # hold the transaction open while the other one tries
            await uow.commit()
        return account_id

    results = await _race(lambda: register("a-1"), lambda: register("a-2"))

    assert sorted(type(result).__name__ for result in results) == ["EmailTaken", "str"]
    assert any(isinstance(result, EmailTaken) for result in results)
    assert await _count(database, outbox) == 1


async def test_two_grants_to_one_app_at_once_leave_one_active(database: Database) -> None:
    app = App.register(
        "app-1",
        owner_account_id="vendor",
        owner_is_operator=False,
        kind=AppKind.VENDOR_APP,
        name="Helper",
        redirect_uris=(),
        scopes=(),
        holdable=frozenset(),
        known_scopes=KNOWN,
        secret_digest=digest("mas_x"),
        now=NOW,
    )
    async with _unit_of_work(database) as uow:
        await uow.apps.add(app)
        await uow.commit()

    async def grant(grant_id: str) -> str:
        async with _unit_of_work(database) as uow:
            await uow.grants.add(
                Grant.give(
                    grant_id,
                    grantor_account_id="seller-1",
                    grantor_role="seller",
                    app=app,
                    scopes=["orders:read"],
                    allowed=KNOWN,
                    known_scopes=KNOWN,
                    now=NOW,
                )
            )
            await asyncio.sleep(0.2)
            await uow.commit()
        return grant_id

    results = await _race(lambda: grant("g-1"), lambda: grant("g-2"))

    assert sum(isinstance(result, GrantExists) for result in results) == 1
    async with _unit_of_work(database) as uow:
        active = await uow.grants.active("seller-1", "app-1")
        assert active is not None
        active.revoke(by_account="seller-1", by_operator=False, now=NOW)
        await uow.grants.save(active)
        await uow.commit()
    assert await grant("g-3") == "g-3"


class _Keys:
    def __init__(self) -> None:
        self.key = SigningKey.generate()

    async def signing_key(self) -> SigningKey:
        return self.key

    async def reload(self) -> None:
        return None


async def test_a_refresh_token_presented_twice_at_once_rotates_once_then_ends_the_session(
    database: Database,
) -> None:
    revocations = InMemoryRevocations()
    session = Session.start("s-1", "a-1", now=NOW, lifetime=timedelta(days=30))
    async with _unit_of_work(database) as uow:
        await uow.accounts.add(_account("a-1"))
        await uow.sessions.add(session)
        await uow.sessions.add_refresh_token(digest("mrt_first"), session, 1, NOW)
        await uow.commit()
    tokens = Tokens(_Keys(), TokenPolicy())

    def unit_of_work(*, read_only: bool = False) -> SqlIdentityUnitOfWork:
        return SqlIdentityUnitOfWork(
            database, revocations=revocations, sealer=SEALER, read_only=read_only
        )

    async def refresh() -> object:
        for _ in range(3):  # as the servicer does on a conflict
            try:
                return await refresh_session(
                    RefreshSession("mrt_first"),
                    unit_of_work,
                    tokens=tokens,
                    now=NOW + timedelta(minutes=1),
                )
            except ConcurrencyError:
                continue
        raise AssertionError("no attempt settled")

    results = await _race(refresh, refresh)

    assert sum(isinstance(result, RefreshTokenRejected) for result in results) == 1
    assert await _count(database, sessions, sessions.c.end_reason == "refresh_token_reused") == 1
    assert revocations.sessions == {"s-1"}


async def test_only_one_signing_key_is_current_when_two_instances_start_at_once(
    database: Database,
) -> None:
    async def start() -> bool:
        async with _unit_of_work(database) as uow:
            made = await ensure_signing_key(uow, now=NOW)
            await asyncio.sleep(0.2)
            await uow.commit()
        return made

    results = await _race(start, start)

    assert await _count(database, signing_keys, signing_keys.c.is_current.is_(True)) == 1
    assert True in results
    assert all(
        result in (True, False) or isinstance(result, ConcurrencyError) for result in results
    )


async def test_a_database_error_never_quotes_a_password_hash(database: Database) -> None:
    hide_sql_parameters(database)
    row = {
        "account_id": "a-dup",
        "email": "dup@shop.example",
        "role": "buyer",
        "password_hash": "scrypt$14$8$1$c2FsdA$SECRET-HASH",
        "registered_at": NOW,
        "version": 1,
    }
    async with database.transaction() as session:
        await session.execute(insert(accounts).values(row))

    with pytest.raises(IntegrityError) as failed:
        async with database.transaction() as session:
            await session.execute(insert(accounts).values(row))

    assert "SECRET-HASH" not in str(failed.value)
    assert "parameters hidden" in str(failed.value)
