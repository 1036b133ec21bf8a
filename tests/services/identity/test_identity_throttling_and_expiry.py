"""Sign-in throttling and the expiry of what accumulates, through identity's handlers on its
real storage (SQLite and PostgreSQL) with the clock in the test's hands: a flood against one
account from one address never locks its owner out from another; delays double and a quiet
window forgives; one address guessing across accounts is throttled; an unknown e-mail costs a
password check and leaves the same traces as a known one; rows past their retention go."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func, insert, select

from mercato_identity.adapters.key_encryption import KeySealer
from mercato_identity.adapters.tables import (
    authorization_codes,
    security_events,
    sessions,
    sign_in_throttles,
)
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from mercato_identity.application.accounts import register_account, sign_in
from mercato_identity.application.cleanup import Retention, forget_expired
from mercato_identity.application.passwords import Passwords
from mercato_identity.application.tokens import TokenPolicy, Tokens
from mercato_identity.bootstrap import MIGRATIONS
from mercato_identity.domain import (
    Role,
    ScryptParameters,
    Session,
    SignOutReason,
    ThrottlePolicy,
)
from mercato_identity.domain.commands import RegisterAccount, SignIn
from mercato_identity.domain.errors import InvalidCredentials, SignInThrottled
from mercato_kit.auth import InMemoryRevocations, SigningKey
from mercato_kit.storage import Database, migrate

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
POLICY = ThrottlePolicy(
    source_max_failures=6,
    account_max_failures=3,
    window=timedelta(minutes=15),
    base_delay=timedelta(seconds=30),
    max_delay=timedelta(minutes=15),
)
ATTACKER, VICTIM_HOME = "203.0.113.9", "198.51.100.7"

pytestmark = pytest.mark.infra


class _Keys:
    def __init__(self) -> None:
        self.key = SigningKey.generate()

    async def signing_key(self) -> SigningKey:
        return self.key

    async def reload(self) -> None:
        return None


class CountingPasswords(Passwords):
    """The real scrypt checks, counted: an unknown e-mail must cost one as a known one does."""

    def __init__(self) -> None:
        super().__init__(ScryptParameters(log2_n=10))
        self.checks = 0

    async def verify(self, password: str, stored: str | None) -> bool:
        self.checks += 1
        return await super().verify(password, stored)


@pytest_asyncio.fixture(loop_scope="session")
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    await asyncio.to_thread(
        migrate, fresh_database_url, versions=MIGRATIONS, version_table="identity_alembic_version"
    )
    database = Database(fresh_database_url)
    try:
        yield database
    finally:
        await database.dispose()


def _units(database: Database) -> Callable[..., SqlIdentityUnitOfWork]:
    sealer = KeySealer([KeySealer.generate()])

    def unit_of_work(*, read_only: bool = False) -> SqlIdentityUnitOfWork:
        return SqlIdentityUnitOfWork(
            database, revocations=InMemoryRevocations(), sealer=sealer, read_only=read_only
        )

    return unit_of_work


class World:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.unit_of_work = _units(database)
        self.passwords = CountingPasswords()
        self.tokens = Tokens(_Keys(), TokenPolicy())

    async def register(self, email: str) -> str:
        hashed = await self.passwords.hash(PASSWORD)
        async with self.unit_of_work() as uow:
            account = await register_account(
                RegisterAccount(email, PASSWORD, Role.BUYER),
                uow,
                password_hash=hashed,
                registered_by_operator=False,
                operator_id="",
                now=NOW,
            )
            await uow.commit()
        return account.id

    async def sign_in(
        self, email: str, password: str, source: str, at: datetime = NOW
    ) -> str | float:
        """ "ok", "wrong", or the delay (s) of a throttled attempt."""
        try:
            await sign_in(
                SignIn(email, password, source),
                self.unit_of_work,
                passwords=self.passwords,
                tokens=self.tokens,
                throttle=POLICY,
                now=at,
            )
        except InvalidCredentials as refused:  # one answer for both halves
            wrong = refused.message == "the e-mail address or the password is wrong"
            return "wrong" if wrong else refused.message
        except SignInThrottled as throttled:
            return throttled.retry_after
        return "ok"

    async def count(self, table: object, *where: object) -> int:
        async with self.unit_of_work(read_only=True) as uow:
            query = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
            return int((await uow.session.execute(query)).scalar_one())


@pytest_asyncio.fixture(loop_scope="session")
async def world(database: Database) -> World:
    return World(database)


async def test_a_flood_from_one_address_does_not_lock_the_owner_out_from_another(
    world: World,
) -> None:
    await world.register("victim@shop.example")

    flood = [await world.sign_in("victim@shop.example", f"guess-{n}", ATTACKER) for n in range(8)]
    owner = await world.sign_in("victim@shop.example", PASSWORD, VICTIM_HOME)
    attacker_with_the_password = await world.sign_in("victim@shop.example", PASSWORD, ATTACKER)

    assert flood[:3] == ["wrong"] * 3
    assert flood[3:] == [30.0] * 5  # refused without a password check, the delay told
    assert owner == "ok"
    assert attacker_with_the_password == 30.0


async def test_the_delay_doubles_with_each_failure_and_a_quiet_window_forgives(
    world: World,
) -> None:
    await world.register("ann@shop.example")
    at = NOW
    delays: list[str | float] = []
    for _ in range(3):
        await world.sign_in("ann@shop.example", "wrong one", ATTACKER, at)
    for _ in range(3):  # each attempt after the block ends fails again, blocking for longer
        at += timedelta(seconds=1)
        delays.append(await world.sign_in("ann@shop.example", PASSWORD, ATTACKER, at))
        wait = delays[-1]
        assert isinstance(wait, float)
        at += timedelta(seconds=wait)
        await world.sign_in("ann@shop.example", "wrong again", ATTACKER, at)

    forgiven = at + POLICY.max_delay + POLICY.window + timedelta(seconds=1)
    after_a_quiet_window = await world.sign_in("ann@shop.example", "wrong", ATTACKER, forgiven)
    then_right = await world.sign_in("ann@shop.example", PASSWORD, ATTACKER, forgiven)

    assert delays == [29.0, 59.0, 119.0]  # 30, 60, 120 s blocks, asked 1 s into each
    assert after_a_quiet_window == "wrong"
    assert then_right == "ok"


async def test_one_address_guessing_across_accounts_is_throttled_and_a_success_does_not_reset_it(
    world: World,
) -> None:
    await world.register("own@shop.example")
    tries = [await world.sign_in(f"target-{n}@shop.example", "guess", ATTACKER) for n in range(5)]
    own = await world.sign_in("own@shop.example", PASSWORD, ATTACKER)  # the attacker's own
    sixth = await world.sign_in("target-5@shop.example", "guess", ATTACKER)
    seventh = await world.sign_in("own@shop.example", PASSWORD, ATTACKER)
    elsewhere = await world.sign_in("own@shop.example", PASSWORD, VICTIM_HOME)

    assert tries == ["wrong"] * 5
    assert own == "ok"
    assert sixth == "wrong"  # the sixth failure from the address starts its block
    assert seventh == 30.0
    assert elsewhere == "ok"


async def test_an_unknown_email_costs_a_password_check_and_is_recorded_like_a_known_one(
    world: World,
) -> None:
    await world.register("known@shop.example")
    checks = world.passwords.checks
    throttles = await world.count(sign_in_throttles)

    known = await world.sign_in("known@shop.example", "wrong password", VICTIM_HOME)
    checks_for_known = world.passwords.checks - checks
    unknown = await world.sign_in("nobody@shop.example", "wrong password", VICTIM_HOME)
    checks_for_unknown = world.passwords.checks - checks - checks_for_known

    assert known == unknown == "wrong"
    assert checks_for_known == checks_for_unknown == 1
    assert await world.count(sign_in_throttles) == throttles + 3  # the source, a pair each
    failures = await world.count(
        security_events, security_events.c.event_type == "mercato.identity.v1.SignInFailed"
    )
    assert failures == 2


async def test_rows_past_their_retention_are_deleted_and_the_rest_kept(world: World) -> None:
    base = datetime.now(UTC)  # the audit lines are stamped by the clock, not the test
    account = await world.register("old@shop.example")
    await world.sign_in(
        "old@shop.example", "wrong", ATTACKER, base
    )  # a throttle row, an audit line
    ended = Session.start("s-ended", account, now=base, lifetime=timedelta(days=30))
    live = Session.start("s-live", account, now=base, lifetime=timedelta(days=30))
    async with world.unit_of_work() as uow:
        for session in (ended, live):
            await uow.sessions.add(session)
            await uow.sessions.add_refresh_token(f"digest-{session.id}", session, 1, base)
        await uow.session.execute(
            insert(authorization_codes),
            [
                _code("expired", base, expires_at=base + timedelta(seconds=60)),
                _code("fresh", base, expires_at=base + timedelta(days=3)),
            ],
        )
        await uow.commit()
    async with world.unit_of_work() as uow:
        loaded = await uow.sessions.get("s-ended")
        assert loaded is not None
        loaded.end(SignOutReason.SIGNED_OUT, base + timedelta(hours=1))
        await uow.sessions.save(loaded)
        await uow.commit()

    later = base + timedelta(days=2)
    retention = Retention(
        sessions=timedelta(days=1),
        authorization_codes=timedelta(days=1),
        sign_in_throttles=timedelta(days=1),
        security_events=timedelta(days=1),
    )
    async with world.unit_of_work() as uow:
        forgotten = await forget_expired(uow, now=later, retention=retention)
        await uow.commit()

    assert forgotten["sessions"] == 1
    assert await world.count(sessions, sessions.c.session_id == "s-ended") == 0
    assert await world.count(sessions, sessions.c.session_id == "s-live") == 1
    assert await world.count(authorization_codes) == 1
    assert await world.count(sign_in_throttles) == 0
    assert await world.count(security_events) == 0
    assert forgotten["authorization_codes"] == 1


def _code(digest: str, issued_at: datetime, *, expires_at: datetime) -> dict[str, object]:
    return {
        "digest": digest,
        "app_id": "app-1",
        "account_id": "a-1",
        "grant_id": "g-1",
        "scopes": "profile:read",
        "redirect_uri": "https://shop.example/back",
        "code_challenge": "c" * 43,
        "nonce": None,
        "issued_at": issued_at,
        "expires_at": expires_at,
        "used_at": None,
    }
