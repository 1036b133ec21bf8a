"""The tracking port: where a consumer resumes, and which events it has already applied."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

__all__ = ["Outcome", "Partition", "TrackedEvent", "Tracking", "TrackingConflict"]


class Partition(NamedTuple):
    """One partition of one topic."""

    topic: str
    partition: int


class Outcome(StrEnum):
    """What a consumer did with an event."""

    APPLIED = "applied"
    """Its effect is in the database: a redelivery is skipped."""

    DEAD_LETTERED = "dead_lettered"
    """It went to the dead-letter topic: a redrive of it is applied like a new event."""


@dataclass(frozen=True)
class TrackedEvent:
    """An event id and the record that carried it."""

    event_id: str
    topic: str
    partition: int
    offset: int


class TrackingConflict(RuntimeError):
    """The tracking records moved under the caller: another instance got there first.

    Raised for a position moved backward and for an event recorded as applied twice. The
    caller's transaction must be rolled back, its effects with it.
    """


class Tracking(ABC):
    """Port: a consumer's positions and the events it has applied.

    Every call reads and writes in the caller's transaction, the one that also holds the
    consumer's effects, so an effect and the record of it are committed together or not at
    all. Positions are per (consumer, topic, partition) and are the offset of the next record
    to process; event ids are per consumer, whatever partition carried them.
    """

    @abstractmethod
    async def positions(self, consumer: str, topics: Collection[str]) -> dict[Partition, int]:
        """The stored position of every partition of `topics` that `consumer` has one for."""

    @abstractmethod
    async def position(self, consumer: str, partition: Partition) -> int | None:
        """The stored position of one partition, held until the transaction ends.

        Another instance asking for the same position waits until this transaction has
        committed or rolled back (PostgreSQL: a row lock; SQLite serialises writers already),
        so two instances never apply the same records at once.
        """

    @abstractmethod
    async def advance(self, consumer: str, partition: Partition, next_offset: int) -> None:
        """Store `next_offset` as the position; raise TrackingConflict if it would move back."""

    async def hold_positions(
        self, consumer: str, partitions: Collection[Partition]
    ) -> dict[Partition, int]:
        """`position` of each of `partitions` (those that have one), all held until the
        transaction ends: for applying several partitions' records in one transaction."""
        held = {}
        for partition in sorted(partitions):
            position = await self.position(consumer, partition)
            if position is not None:
                held[partition] = position
        return held

    async def advance_all(self, consumer: str, next_offsets: Mapping[Partition, int]) -> None:
        """`advance` each partition to its next offset; TrackingConflict if one would move
        back."""
        for partition, next_offset in sorted(next_offsets.items()):
            await self.advance(consumer, partition, next_offset)

    @abstractmethod
    async def outcomes(self, consumer: str, event_ids: Collection[str]) -> dict[str, Outcome]:
        """What `consumer` did with each of `event_ids` it has seen (unseen ids are absent)."""

    @abstractmethod
    async def record_applied(
        self,
        consumer: str,
        events: Sequence[TrackedEvent],
        *,
        dead_lettered: Collection[str] | None = None,
    ) -> None:
        """Record events as applied; raise TrackingConflict if one already was.

        An event recorded as dead-lettered becomes applied (it was redriven and succeeded).
        `dead_lettered`: which of them the caller found recorded as dead-lettered in this
        transaction (by `outcomes`), so a backend need not look again; None when unknown.
        """

    async def record_applied_and_advance(
        self,
        consumer: str,
        events: Sequence[TrackedEvent],
        next_offsets: Mapping[Partition, int],
        *,
        dead_lettered: Collection[str] | None = None,
    ) -> None:
        """`record_applied`, then `advance_all` (a backend may do both at once)."""
        await self.record_applied(consumer, events, dead_lettered=dead_lettered)
        await self.advance_all(consumer, next_offsets)

    @abstractmethod
    async def record_dead_lettered(self, consumer: str, event: TrackedEvent) -> None:
        """Record that an event went to the dead-letter topic (the latest such record wins).

        Raise TrackingConflict if it was applied already.
        """


def position_moved_back(
    consumer: str, partition: Partition, current: int | None, wanted: int
) -> TrackingConflict:
    """The conflict of a position that would move back (every backend words it alike)."""
    at = "further" if current is None else f"at offset {current}"
    return TrackingConflict(
        f"{consumer} is {at} in {partition.topic}[{partition.partition}]; "
        f"it cannot move back to offset {wanted}"
    )


def applied_twice(consumer: str, event_id: str) -> TrackingConflict:
    """The conflict of an event recorded as applied twice."""
    return TrackingConflict(f"{consumer} has applied event {event_id} already")
