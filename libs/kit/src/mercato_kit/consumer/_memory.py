"""The in-memory tracking: the fake for unit tests of code that takes a `Tracking`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from typing import Self

from mercato_kit.consumer._tracking import (
    Outcome,
    Partition,
    TrackedEvent,
    Tracking,
    applied_twice,
    position_moved_back,
)

__all__ = ["InMemoryTracking"]


class InMemoryTracking(Tracking):
    """Tracking in dictionaries, with the same rules and errors as `SqlTracking`.

    Calls outside `transaction()` take effect at once; inside it, they are undone if the
    block raises, as a rolled-back database transaction would undo them.
    """

    def __init__(self) -> None:
        self._positions: dict[tuple[str, Partition], int] = {}
        self._events: dict[tuple[str, str], tuple[Outcome, TrackedEvent]] = {}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Self]:
        """A block whose changes are kept only if it ends without an exception."""
        positions, events = dict(self._positions), dict(self._events)
        try:
            yield self
        except BaseException:
            self._positions, self._events = positions, events
            raise

    async def positions(self, consumer: str, topics: Collection[str]) -> dict[Partition, int]:
        """The stored position of every partition of `topics` (see `Tracking.positions`)."""
        wanted = set(topics)
        return {
            partition: offset
            for (owner, partition), offset in self._positions.items()
            if owner == consumer and partition.topic in wanted
        }

    async def position(self, consumer: str, partition: Partition) -> int | None:
        """The stored position of one partition (one process: nothing to lock)."""
        return self._positions.get((consumer, partition))

    async def advance(self, consumer: str, partition: Partition, next_offset: int) -> None:
        """Store the position; raise TrackingConflict if it would move back."""
        current = self._positions.get((consumer, partition))
        if current is not None and current > next_offset:
            raise position_moved_back(consumer, partition, current, next_offset)
        self._positions[(consumer, partition)] = next_offset

    async def outcomes(self, consumer: str, event_ids: Collection[str]) -> dict[str, Outcome]:
        """What `consumer` did with each event it has seen."""
        return {
            event_id: self._events[(consumer, event_id)][0]
            for event_id in set(event_ids)
            if (consumer, event_id) in self._events
        }

    async def record_applied(
        self,
        consumer: str,
        events: Sequence[TrackedEvent],
        *,
        dead_lettered: Collection[str] | None = None,
    ) -> None:
        """Record events as applied; raise TrackingConflict if one already was."""
        del dead_lettered  # this store looks itself, at no cost
        staged = dict(self._events)
        for event in events:
            previous = staged.get((consumer, event.event_id))
            if previous is not None and previous[0] is Outcome.APPLIED:
                raise applied_twice(consumer, event.event_id)
            staged[(consumer, event.event_id)] = (Outcome.APPLIED, event)
        self._events = staged

    async def record_dead_lettered(self, consumer: str, event: TrackedEvent) -> None:
        """Record that an event was dead-lettered; raise TrackingConflict if it was applied."""
        previous = self._events.get((consumer, event.event_id))
        if previous is not None and previous[0] is Outcome.APPLIED:
            raise applied_twice(consumer, event.event_id)
        self._events[(consumer, event.event_id)] = (Outcome.DEAD_LETTERED, event)
