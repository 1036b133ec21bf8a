"""Recording one click, for both edges (gRPC RecordClick and the HTTP click endpoint).

A click has no idempotency key: its token is its key (the click id is the served ad's
impression id). It is decided in one unit of work; when a concurrent transaction recorded the
same token first (the insert finds its id taken: ConcurrencyError) or the database chose this
transaction as a deadlock victim, it is decided again in a new unit of work, where the first
click is found and this one answered as a replay. Nothing a failed attempt did survives it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from mercato_kit.errors import ConcurrencyError
from mercato_kit.logging import get_logger
from mercato_marketing.adapters.unit_of_work import SqlMarketingUnitOfWork
from mercato_marketing.application import ClickOutcome, Policy, record_click
from mercato_marketing.domain import TokenSigner
from mercato_marketing.domain.commands import RecordClick

_log = get_logger(__name__)

T = TypeVar("T")

# PostgreSQL's "deadlock detected" and "could not serialize": the transaction may be retried.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def retryable(error: DBAPIError) -> bool:
    """A database error that says "try again", not "this is wrong"."""
    if getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(error.orig)


async def decided_again(
    unit_of_work: Callable[..., SqlMarketingUnitOfWork],
    work: Callable[[SqlMarketingUnitOfWork], Awaitable[T]],
    *,
    attempts: int = 10,
) -> T:
    """`work` in a new unit of work, committed; decided again in another one when a concurrent
    writer got there first or the database asks for a retry (at most `attempts` times)."""
    for attempt in range(1, attempts + 1):
        try:
            async with unit_of_work() as uow:
                result = await work(uow)
                await uow.commit()
            return result
        except ConcurrencyError:
            if attempt == attempts:
                raise
        except DBAPIError as error:
            if attempt == attempts or not retryable(error):
                raise
            _log.info("transaction.retried", attempt=attempt, error=type(error.orig).__name__)
            await asyncio.sleep(0.01 * attempt)
    raise AssertionError("unreachable")


class ClickRecorder:
    def __init__(
        self,
        unit_of_work: Callable[..., SqlMarketingUnitOfWork],
        signer: TokenSigner,
        policy: Policy,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._signer = signer
        self._policy = policy

    async def record(self, command: RecordClick) -> ClickOutcome:
        async def decide(uow: SqlMarketingUnitOfWork) -> ClickOutcome:
            return await record_click(command, uow, signer=self._signer, policy=self._policy)

        return await decided_again(self._unit_of_work, decide)
