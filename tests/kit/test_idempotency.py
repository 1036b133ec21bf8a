"""Idempotency keys: one contract, run against the in-memory fake, SQLite and PostgreSQL.

Each command's effect is a row written in the same transaction as its key (or an entry in a
list, for the fake); each response carries an id minted when the command runs, so a repeat
that was answered from the store is told apart from one that ran again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Protocol

import pytest
import pytest_asyncio
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text

from mercato.kittest.v1.echo_pb2 import EchoRequest, EchoResponse, Line
from mercato_kit.errors import (
    ConcurrencyError,
    DomainError,
    FailedPrecondition,
    IdempotencyKeyReused,
    InvalidArgument,
)
from mercato_kit.idempotency import (
    MAX_KEY_LENGTH,
    InMemoryIdempotencyKeys,
    idempotent,
    request_hash,
    run_once,
)
from mercato_kit.ids import new_id
from mercato_kit.storage import Database, migrate
from mercato_kit.store import SqlUnitOfWork

SCOPE = "kittest.Echo"
TIMEOUT = 30

_test_tables = MetaData()
effects = Table(
    "kittest_effects",
    _test_tables,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("text", String(100), nullable=False),
)


class Backend(Protocol):
    async def echo(
        self, key: str, request: EchoRequest, *, scope: str = SCOPE, fail: bool = False
    ) -> EchoResponse:
        """Run the echo command once, through its idempotency key."""
        ...

    async def effects(self) -> int:
        """How many times a command had its effect."""
        ...


class MemoryBackend:
    def __init__(self) -> None:
        self.keys = InMemoryIdempotencyKeys()
        self.done: list[str] = []

    async def echo(
        self, key: str, request: EchoRequest, *, scope: str = SCOPE, fail: bool = False
    ) -> EchoResponse:
        async def command() -> EchoResponse:
            if fail:
                raise FailedPrecondition("not now")
            self.done.append(request.text)
            return EchoResponse(text=request.text, correlation_id=new_id())

        return await self.keys.run(scope, key, request, EchoResponse, command)

    async def effects(self) -> int:
        return len(self.done)


class SqlBackend:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def echo(
        self, key: str, request: EchoRequest, *, scope: str = SCOPE, fail: bool = False
    ) -> EchoResponse:
        refused: DomainError | None = None
        async with self.db.transaction() as session:

            async def command() -> EchoResponse:
                await session.execute(insert(effects).values(text=request.text))
                if fail:
                    raise FailedPrecondition("not now")
                return EchoResponse(text=request.text, correlation_id=new_id())

            try:
                return await idempotent(session, scope, key, request, EchoResponse, command)
            except FailedPrecondition as error:
                # Commit anyway: the failed command must not leave its effect or its key.
                refused = error
        raise refused

    async def effects(self) -> int:
        async with self.db.transaction() as session:
            return int(
                (await session.execute(select(func.count()).select_from(effects))).scalar_one()
            )


class RunOnceBackend(SqlBackend):
    """`run_once`, the way services run commands: no savepoint, the unit of work is committed
    only when the command succeeded."""

    async def echo(
        self, key: str, request: EchoRequest, *, scope: str = SCOPE, fail: bool = False
    ) -> EchoResponse:
        async def decide(uow: SqlUnitOfWork) -> EchoResponse:
            await uow.session.execute(insert(effects).values(text=request.text))
            if fail:
                raise FailedPrecondition("not now")
            return EchoResponse(text=request.text, correlation_id=new_id())

        return await run_once(
            lambda: SqlUnitOfWork(self.db), scope, request, EchoResponse, decide, key=key
        )


@pytest_asyncio.fixture(
    params=["memory", "sqlite", "postgresql", "run_once-postgresql"], loop_scope="session"
)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend()
        return
    fixture = "fresh_sqlite_url" if request.param == "sqlite" else "fresh_postgres_url"
    url = str(request.getfixturevalue(fixture))
    await asyncio.to_thread(migrate, url)
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.run_sync(_test_tables.create_all)
    try:
        yield RunOnceBackend(db) if request.param.startswith("run_once") else SqlBackend(db)
    finally:
        await db.dispose()


@pytest.mark.asyncio(loop_scope="session")
async def test_the_same_key_and_request_give_the_same_response_and_one_effect(
    backend: Backend,
) -> None:
    request = EchoRequest(text="place order")

    first = await backend.echo("key-1", request)
    again = await backend.echo("key-1", EchoRequest(text="place order"))

    assert again == first
    assert await backend.effects() == 1


@pytest.mark.asyncio(loop_scope="session")
async def test_the_same_key_with_a_different_request_is_refused(backend: Backend) -> None:
    first = await backend.echo("key-1", EchoRequest(text="place order"))

    with pytest.raises(IdempotencyKeyReused) as raised:
        await backend.echo("key-1", EchoRequest(text="place another order"))

    assert raised.value.field == "idempotency_key"
    assert await backend.effects() == 1
    assert await backend.echo("key-1", EchoRequest(text="place order")) == first


@pytest.mark.asyncio(loop_scope="session")
async def test_different_keys_and_scopes_are_independent(backend: Backend) -> None:
    request = EchoRequest(text="place order")

    one = await backend.echo("key-1", request)
    other_key = await backend.echo("key-2", request)
    other_scope = await backend.echo("key-1", request, scope="kittest.Other")

    assert len({one.correlation_id, other_key.correlation_id, other_scope.correlation_id}) == 3
    assert await backend.effects() == 3


@pytest.mark.asyncio(loop_scope="session")
async def test_a_command_that_fails_leaves_no_effect_and_no_key(backend: Backend) -> None:
    request = EchoRequest(text="place order")

    with pytest.raises(FailedPrecondition):
        await backend.echo("key-1", request, fail=True)
    assert await backend.effects() == 0

    retried = await backend.echo("key-1", request)

    assert retried.text == "place order"
    assert await backend.effects() == 1


@pytest.mark.asyncio(loop_scope="session")
async def test_concurrent_duplicates_have_one_effect_and_one_answer(backend: Backend) -> None:
    request = EchoRequest(text="place order", lines=[Line(sku="a", quantity=1)])

    answers = await asyncio.wait_for(
        asyncio.gather(*(backend.echo("key-1", request) for _ in range(6))), TIMEOUT
    )

    assert len({answer.correlation_id for answer in answers}) == 1
    assert await backend.effects() == 1


@pytest.mark.parametrize(
    ("key", "words"), [("", "is required"), ("k" * (MAX_KEY_LENGTH + 1), "at most 128")]
)
@pytest.mark.asyncio(loop_scope="session")
async def test_an_empty_or_overlong_key_is_invalid_argument(
    backend: Backend, key: str, words: str
) -> None:
    with pytest.raises(InvalidArgument) as raised:
        await backend.echo(key, EchoRequest(text="place order"))

    assert raised.value.field == "idempotency_key"
    assert words in raised.value.message
    assert await backend.effects() == 0


@pytest.mark.asyncio(loop_scope="session")
async def test_the_longest_key_is_kept(backend: Backend) -> None:
    key = "k" * MAX_KEY_LENGTH

    first = await backend.echo(key, EchoRequest(text="place order"))

    assert await backend.echo(key, EchoRequest(text="place order")) == first


@pytest.mark.asyncio(loop_scope="session")
async def test_a_duplicate_waits_for_the_first_transaction_and_returns_its_response(
    fresh_postgres_url: str,
) -> None:
    """On PostgreSQL the second claim blocks on the first's uncommitted row, then reads it."""
    await asyncio.to_thread(migrate, fresh_postgres_url)
    db = Database(fresh_postgres_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(_test_tables.create_all)
    request = EchoRequest(text="place order")
    first_claimed = asyncio.Event()
    second_ran = False

    async def first() -> EchoResponse:
        async with db.transaction() as session:

            async def command() -> EchoResponse:
                await session.execute(insert(effects).values(text="first"))
                first_claimed.set()
                await _until_a_backend_waits_on_a_lock(db)
                return EchoResponse(text="first", correlation_id=new_id())

            return await idempotent(session, SCOPE, "key-1", request, EchoResponse, command)

    async def second() -> EchoResponse:
        await first_claimed.wait()
        async with db.transaction() as session:

            async def command() -> EchoResponse:
                nonlocal second_ran
                second_ran = True
                await session.execute(insert(effects).values(text="second"))
                return EchoResponse(text="second", correlation_id=new_id())

            return await idempotent(session, SCOPE, "key-1", request, EchoResponse, command)

    try:
        one, two = await asyncio.wait_for(asyncio.gather(first(), second()), TIMEOUT)
        assert await SqlBackend(db).effects() == 1
    finally:
        await db.dispose()

    assert two == one
    assert one.text == "first"
    assert not second_ran


async def _until_a_backend_waits_on_a_lock(db: Database) -> None:
    # pg_stat_activity is a per-transaction snapshot: ask afresh each time.
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while True:
        async with db.engine.connect() as connection:
            if (await connection.execute(query)).scalar_one() > 0:
                return
        await asyncio.sleep(0.02)


def test_the_request_hash_ignores_map_insertion_order() -> None:
    one = EchoRequest(text="x")
    one.lines_by_sku["a"].sku = "a"
    one.lines_by_sku["b"].sku = "b"
    other = EchoRequest(text="x")
    other.lines_by_sku["b"].sku = "b"
    other.lines_by_sku["a"].sku = "a"

    assert request_hash(one) == request_hash(other)
    assert request_hash(one) != request_hash(EchoRequest(text="y"))


def test_the_request_hash_tells_message_types_apart() -> None:
    assert request_hash(EchoRequest()) != request_hash(EchoResponse())


async def test_run_once_decides_again_after_a_conflict_and_answers_a_repeat_from_the_first(
    fresh_sqlite_url: str,
) -> None:
    await asyncio.to_thread(migrate, fresh_sqlite_url)
    db = Database(fresh_sqlite_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(_test_tables.create_all)
    decided: list[int] = []

    async def decide(uow: SqlUnitOfWork) -> EchoResponse:
        decided.append(len(decided))
        await uow.session.execute(insert(effects).values(text="x"))
        if len(decided) == 1:
            raise ConcurrencyError("kittest.thing", "t-1", 1)
        return EchoResponse(text="done", correlation_id=new_id())

    try:
        request = EchoRequest(text="x")
        first = await run_once(
            lambda: SqlUnitOfWork(db), SCOPE, request, EchoResponse, decide, key="k"
        )
        again = await run_once(
            lambda: SqlUnitOfWork(db), SCOPE, request, EchoResponse, decide, key="k"
        )

        assert decided == [0, 1]
        assert again == first
        assert await SqlBackend(db).effects() == 1
        with pytest.raises(ConcurrencyError):
            await run_once(
                lambda: SqlUnitOfWork(db),
                SCOPE,
                request,
                EchoResponse,
                decide_with_conflicts,
                key="k2",
                conflict_retries=2,
            )
    finally:
        await db.dispose()


async def decide_with_conflicts(uow: SqlUnitOfWork) -> EchoResponse:
    raise ConcurrencyError("kittest.thing", "t-2", 1)
