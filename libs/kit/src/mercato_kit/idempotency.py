"""Idempotency keys for commands: the same key twice gives the same answer and one effect.

A mutating command carries a key chosen by the caller. Within the transaction that applies
the command, `idempotent` claims (scope, key) in the `idempotency_keys` table, runs the
command, and stores its response; a repeat with the same request gets the stored response
back without running the command again, and a repeat with a different request is refused
with IdempotencyKeyReused.

    async def PlaceOrder(self, request, context) -> pb.PlaceOrderResponse:
        async def decide(uow: OrdersUnitOfWork) -> pb.PlaceOrderResponse:
            order = await place_order(translator.place_order(request), uow)
            return pb.PlaceOrderResponse(order_id=order.id)

        return await run_once(
            self._unit_of_work, "orders.PlaceOrder", request, pb.PlaceOrderResponse, decide
        )

`run_once` scopes keys per caller (`caller_scope`): services never build scopes by hand.

Two concurrent calls with one key: the claim is an insert on the primary key, so the second
waits on the first's transaction (PostgreSQL row lock; SQLite's single writer) and then finds
its response. Only successful responses are stored: a command that raised leaves no claim,
and a retry with the same key runs it again (its precondition may hold by then).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar

from google.protobuf.message import Message
from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.auth._caller import Caller, current_caller
from mercato_kit.errors import ConcurrencyError, IdempotencyKeyReused, InvalidArgument
from mercato_kit.logging import get_logger
from mercato_kit.storage import Database, idempotency_keys
from mercato_kit.store import SqlUnitOfWork

__all__ = [
    "ANONYMOUS",
    "MAX_KEY_LENGTH",
    "IdempotencyKeys",
    "InMemoryIdempotencyKeys",
    "SqlIdempotencyKeys",
    "caller_scope",
    "forget_keys_before",
    "forget_old_keys",
    "idempotent",
    "request_hash",
    "run_once",
]

R = TypeVar("R", bound=Message)

_log = get_logger(__name__)

MAX_KEY_LENGTH = 128
"""The longest key (and scope) the table holds."""


class IdempotencyKeys(Protocol):
    """Runs a command at most once per (scope, key), answering repeats from the first run."""

    async def run(
        self,
        scope: str,
        key: str,
        request: Message,
        response_type: type[R],
        compute: Callable[[], Awaitable[R]],
    ) -> R:
        """The response of `compute()`, run only if (scope, key) has not answered before.

        Raises IdempotencyKeyReused when the key answered a different request, and
        InvalidArgument (field `idempotency_key`) when the key is empty or too long.
        """
        ...


def request_hash(request: Message) -> str:
    """SHA-256 of the request's type and deterministic serialization, in hex."""
    digest = hashlib.sha256(request.DESCRIPTOR.full_name.encode())
    digest.update(b"\0")
    digest.update(request.SerializeToString(deterministic=True))
    return digest.hexdigest()


class SqlIdempotencyKeys:
    """Idempotency keys in the `idempotency_keys` table, inside the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def run(
        self,
        scope: str,
        key: str,
        request: Message,
        response_type: type[R],
        compute: Callable[[], Awaitable[R]],
        *,
        savepoint: bool = True,
    ) -> R:
        """See IdempotencyKeys.run; the effects of `compute` share the caller's transaction.

        The first run takes two statements besides `compute`'s: the claim (an insert that does
        nothing on a conflict) and the response's update; a repeat takes the claim and one read.
        With `savepoint` (the default) they run in a savepoint, so a command that fails takes
        its claim with it even if the caller goes on to commit the transaction (two more round
        trips); `savepoint=False` is for a caller that never commits a transaction in which
        `compute` raised (`run_once`).
        """
        _check(scope, key)
        digest = request_hash(request)
        if savepoint:
            async with self._session.begin_nested():
                response = await self._run_claimed(scope, key, digest, compute)
        else:
            response = await self._run_claimed(scope, key, digest, compute)
        if response is not None:
            return response
        row = (
            await self._session.execute(
                select(idempotency_keys.c.request_hash, idempotency_keys.c.response).where(
                    idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
                )
            )
        ).one()
        if row.request_hash != digest:
            raise IdempotencyKeyReused(key)
        return response_type.FromString(row.response)

    async def _run_claimed(
        self, scope: str, key: str, digest: str, compute: Callable[[], Awaitable[R]]
    ) -> R | None:
        """`compute()`'s response, stored under the key, when this transaction claimed it;
        None when the key was claimed before."""
        if not await self._claim(scope, key, digest):
            return None
        response = await compute()
        await self._session.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
            .values(response=response.SerializeToString(deterministic=True))
        )
        return response

    async def _claim(self, scope: str, key: str, digest: str) -> bool:
        """Insert the key unless it exists; True when this transaction inserted it.

        On PostgreSQL a concurrent, uncommitted claim of the same key makes this wait for
        that transaction: then it inserts (the other rolled back) or finds the row.
        """
        values = {
            "scope": scope,
            "key": key,
            "request_hash": digest,
            "response": b"",
            "created_at": datetime.now(UTC),
        }
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # RETURNING, not rowcount: drivers need not report a count for INSERT.
        inserted = await self._session.execute(
            insert(idempotency_keys)
            .values(values)
            .on_conflict_do_nothing()
            .returning(idempotency_keys.c.key)
        )
        return inserted.first() is not None


async def idempotent(
    session: AsyncSession,
    scope: str,
    key: str,
    request: Message,
    response_type: type[R],
    compute: Callable[[], Awaitable[R]],
) -> R:
    """Run `compute` at most once per (scope, key) in `session`'s transaction.

    `scope` names the command ("orders.PlaceOrder"); the first response is stored and
    returned to every repeat of the same request. See SqlIdempotencyKeys.
    """
    return await SqlIdempotencyKeys(session).run(scope, key, request, response_type, compute)


U = TypeVar("U", bound=SqlUnitOfWork)

ANONYMOUS = "anonymous"
"""The caller part of the scope of a command called without a token (a public RPC)."""


def caller_scope(command: str, caller: Caller | None) -> str:
    """The scope of `command`'s idempotency keys for one caller: `<command>/<who>`.

    `who` is a digest of the caller's kind, subject and the account an app acts for (so a
    seller's key and an app's key acting for that seller are apart), or `anonymous`. One
    caller's key never answers another caller's request.
    """
    if caller is None:
        return f"{command}/{ANONYMOUS}"
    who = f"{caller.kind}:{caller.subject}:{caller.on_behalf_of or ''}"
    return f"{command}/{hashlib.sha256(who.encode()).hexdigest()[:32]}"


async def run_once(
    unit_of_work: Callable[[], U],
    command: str,
    request: Message,
    response_type: type[R],
    decide: Callable[[U], Awaitable[R]],
    *,
    key: str | None = None,
    conflict_retries: int = 5,
) -> R:
    """A mutating command, the way every service runs one: `decide` in a new unit of work, at
    most once per (command, caller, key) (`idempotent`, scoped by `caller_scope` with the
    caller the gRPC edge bound), committed; decided again in a new unit of work when a
    concurrent writer got there first (ConcurrencyError), at most `conflict_retries` times.

    `command` is `<service>.<Rpc>`; `key` defaults to `request.idempotency_key`. `request` is
    what the stored digest is taken of: pass a copy without a secret field where the request
    has one.
    """
    if key is None:
        key = getattr(request, "idempotency_key")  # noqa: B009 (every command has one)
    scope = caller_scope(command, current_caller())
    for attempt in range(1, conflict_retries + 1):
        try:
            async with unit_of_work() as uow:
                # No savepoint: a `decide` that raises leaves the unit of work uncommitted,
                # so its claim is rolled back with its effects.
                response = await SqlIdempotencyKeys(uow.session).run(
                    scope, key, request, response_type, partial(decide, uow), savepoint=False
                )
                await uow.commit()
            return response
        except ConcurrencyError:
            if attempt == conflict_retries:
                raise
    raise AssertionError("unreachable")


class InMemoryIdempotencyKeys:
    """The in-memory fake for unit tests: same contract, no transactions."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, str], tuple[str, bytes]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def run(
        self,
        scope: str,
        key: str,
        request: Message,
        response_type: type[R],
        compute: Callable[[], Awaitable[R]],
    ) -> R:
        """See IdempotencyKeys.run."""
        _check(scope, key)
        digest = request_hash(request)
        async with self._locks.setdefault((scope, key), asyncio.Lock()):
            stored = self._answers.get((scope, key))
            if stored is None:
                response = await compute()
                self._answers[scope, key] = (digest, response.SerializeToString(deterministic=True))
                return response
        stored_digest, stored_response = stored
        if stored_digest != digest:
            raise IdempotencyKeyReused(key)
        return response_type.FromString(stored_response)


def _check(scope: str, key: str) -> None:
    if not scope or len(scope) > MAX_KEY_LENGTH:
        raise ValueError(f"an idempotency scope is 1 to {MAX_KEY_LENGTH} characters: {scope!r}")
    if not key:
        raise InvalidArgument("idempotency_key", "is required")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument("idempotency_key", f"must be at most {MAX_KEY_LENGTH} characters")


async def forget_keys_before(session: AsyncSession, cutoff: datetime, *, limit: int) -> int:
    """Delete up to `limit` keys first used before `cutoff` (a service's retention of its keys,
    run periodically); how many. A repeat of such a request later runs it again, so the
    retention must outlast any caller's retries."""
    table = idempotency_keys.c
    oldest = select(table.scope, table.key).where(table.created_at < cutoff).limit(limit)
    done = await session.execute(
        delete(idempotency_keys).where(tuple_(table.scope, table.key).in_(oldest))
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def forget_old_keys(
    database: Database, retention: timedelta, *, batch: int = 1000
) -> Callable[[], Awaitable[bool]]:
    """The job of a service's key retention (the runtime runs it every
    `<SERVICE>_IDEMPOTENCY_KEY_CLEANUP_INTERVAL`): delete up to `batch` keys first used more
    than `retention` ago, in one transaction, through the `created_at` index; True while a batch
    came back full (the periodic task then runs it again at once)."""

    async def forget() -> bool:
        cutoff = datetime.now(UTC) - retention
        async with database.transaction() as session:
            forgotten = await forget_keys_before(session, cutoff, limit=batch)
        if forgotten:
            _log.info("idempotency keys forgotten", count=forgotten, before=cutoff.isoformat())
        return forgotten >= batch

    return forget
