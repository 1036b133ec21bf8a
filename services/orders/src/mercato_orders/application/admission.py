"""PlaceOrder's door: a new order is refused while too many orders are in flight.

An order is in flight while the saga still needs another service to answer it (its summary row
has commands `outstanding`: reserve, capture, commit and ship, or a compensation). Past the
limit, PlaceOrder answers RESOURCE_EXHAUSTED with a retry hint and changes nothing, so the
fabric finishes the orders it took instead of queueing more work than it can do (under
overload, accepted orders otherwise wait behind each other and paid throughput falls).

The figure is cheap: the database's count (one indexed count of the summary rows) read at most
once per `refresh_s` and shared by the calls that need it meanwhile, plus the placements this
process admitted that the count may not include (those under way, and those finished since the
count began). Within one process concurrent calls never overshoot the limit. Several instances
share the database, so each counts every instance's orders, but between two counts an instance
does not see what the others admitted: together they may overshoot by what the other instances
admit in one refresh interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from mercato_orders.domain import TooManyOrdersInFlight

REFRESH_S = 0.2
"""Seconds a count of the orders in flight is used for before the next PlaceOrder counts again."""
RETRY_AFTER_S = 1.0
"""The retry hint a refused buyer gets (the `retry-after` trailer)."""


class Admission:
    """Admits PlaceOrder calls while fewer than `limit` orders are in flight (0: no limit, and
    nothing is counted). `count` reads the orders in flight from the database."""

    def __init__(
        self,
        count: Callable[[], Awaitable[int]],
        limit: int,
        *,
        refresh_s: float = REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.refused = 0
        self._count = count
        self._refresh_s = refresh_s
        self._clock = clock
        self._counted = 0
        self._fresh_until = float("-inf")
        self._counting: asyncio.Task[None] | None = None
        self._placing = 0
        self._placed = 0
        self._placed_when_counted = 0

    def in_flight(self) -> int:
        """The orders in flight as last counted, plus this process's placements since."""
        return self._counted + self._placing + self._placed - self._placed_when_counted

    @contextlib.asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """Around one placement: TooManyOrdersInFlight (before anything is done) when the limit
        is reached; otherwise the placement counts as in flight until the count sees it."""
        if not self.limit:
            yield
            return
        await self._fresh()
        if self.in_flight() >= self.limit:
            self.refused += 1
            raise TooManyOrdersInFlight(self.limit, retry_after=RETRY_AFTER_S)
        self._placing += 1
        try:
            yield
        finally:
            self._placing -= 1
            self._placed += 1

    async def _fresh(self) -> None:
        """Count again if the last count is older than `refresh_s` (one count at a time: the
        calls arriving meanwhile wait for the same one)."""
        if self._clock() < self._fresh_until:
            return
        if self._counting is None:
            self._counting = asyncio.get_running_loop().create_task(self._recount())
            self._counting.add_done_callback(_retrieved)
        await asyncio.shield(self._counting)

    async def _recount(self) -> None:
        try:
            placed = self._placed
            self._counted = await self._count()
            self._placed_when_counted = placed
            self._fresh_until = self._clock() + self._refresh_s
        finally:
            self._counting = None


def _retrieved(task: asyncio.Task[None]) -> None:
    """A count whose callers all gave up is not an unretrieved error (the next call counts)."""
    if not task.cancelled():
        task.exception()
