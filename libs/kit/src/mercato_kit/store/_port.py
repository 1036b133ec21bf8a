"""The event store port, the unit of work port, and the rules every backend enforces alike."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from sqlalchemy import String

from mercato_kit.errors import ConcurrencyError
from mercato_kit.events import EventEnvelope
from mercato_kit.storage import events as events_table

# Every backend refuses what the SQL schema cannot hold, so the fake cannot accept an envelope
# that PostgreSQL would reject.
_TEXT_LIMITS: dict[str, int] = {
    column.name: column.type.length
    for column in events_table.columns
    if isinstance(column.type, String) and column.type.length is not None
}


@dataclass(frozen=True)
class RecordedEvent:
    """A stored envelope and its global `position` (increasing in commit order, maybe with gaps)."""

    position: int
    envelope: EventEnvelope


class EventStore(ABC):
    """Port: append-only storage of aggregates' events, with optimistic concurrency.

    Every append also writes its envelopes to the transactional outbox in the same transaction,
    so a stored event is always published, and an event that is not stored never is.
    """

    @abstractmethod
    async def append(self, envelopes: Sequence[EventEnvelope], expected_version: int) -> None:
        """Store one aggregate's new events, whose versions follow `expected_version`.

        Raise `ConcurrencyError` (storing nothing) when the aggregate's current version is not
        `expected_version`; raise `ValueError` for envelopes that break the rules of
        `check_append` (a bug in the caller, not a conflict).
        """

    @abstractmethod
    async def load(
        self, aggregate_type: str, aggregate_id: str, after_version: int = 0
    ) -> list[RecordedEvent]:
        """One aggregate's events with a version above `after_version`, in version order."""

    @abstractmethod
    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Up to `limit` events of every aggregate after `after_position`, in position order.

        A reader that resumes from the last position it saw misses nothing: a position never
        becomes visible after a higher one.
        """


class UnitOfWork(ABC):
    """Port: one transaction for "load, decide, save", rolled back unless committed.

        async with uow_factory() as uow:
            events = await uow.events.load("orders.order", order_id)
            ...
            await uow.events.append(new_envelopes, expected_version=len(events))
            await uow.commit()

    A unit of work is used once; services take a `UnitOfWorkFactory` and make one per command,
    since concurrent commands must not share a transaction. Append last: from its first append
    until its end, a unit of work holds the store's write lock (see each backend), so a task
    must not append through a second store or unit of work meanwhile: it would wait on itself.
    """

    @property
    @abstractmethod
    def events(self) -> EventStore:
        """The event store, inside this unit of work's transaction (reads see its own appends)."""

    @abstractmethod
    async def commit(self) -> None:
        """Make everything done in the unit of work durable; the unit of work is then finished."""

    @abstractmethod
    async def rollback(self) -> None:
        """Discard everything done in the unit of work; the unit of work is then finished."""

    @abstractmethod
    async def __aenter__(self) -> Self:
        """Start the transaction."""

    @abstractmethod
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back unless committed, and release the transaction's resources."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
"""What a service's handlers receive: makes a fresh unit of work for each command."""


def check_append(envelopes: Sequence[EventEnvelope], expected_version: int) -> None:
    """Refuse (`ValueError`) an append that no backend may store, whatever the stored state.

    The envelopes must belong to one aggregate, carry versions `expected_version + 1, + 2, ...`,
    have timezone-aware `occurred_at` and text that fits the schema.
    """
    if expected_version < 0:
        raise ValueError(f"expected_version must be >= 0, not {expected_version}")
    if not envelopes:
        return
    first = envelopes[0]
    for offset, envelope in enumerate(envelopes, start=1):
        if (envelope.aggregate_type, envelope.aggregate_id) != (
            first.aggregate_type,
            first.aggregate_id,
        ):
            raise ValueError(
                f"one append stores one aggregate's events: {envelope.event_id} belongs to "
                f"{envelope.aggregate_type} {envelope.aggregate_id}, not "
                f"{first.aggregate_type} {first.aggregate_id}"
            )
        if envelope.aggregate_version != expected_version + offset:
            raise ValueError(
                f"event {envelope.event_id} has version {envelope.aggregate_version}; "
                f"expected {expected_version + offset}"
            )
        if envelope.occurred_at.utcoffset() is None:
            raise ValueError(f"event {envelope.event_id} has a naive occurred_at")
        for field, limit in _TEXT_LIMITS.items():
            value = getattr(envelope, field)
            if len(value) > limit:
                raise ValueError(
                    f"event {envelope.event_id}: {field} is {len(value)} characters; "
                    f"at most {limit} fit"
                )
    if len({envelope.event_id for envelope in envelopes}) != len(envelopes):
        raise ValueError("one append holds the same event id twice")


def conflict(envelopes: Sequence[EventEnvelope], expected_version: int) -> ConcurrencyError:
    """The error for an append whose expected version is not the aggregate's current one."""
    first = envelopes[0]
    return ConcurrencyError(first.aggregate_type, first.aggregate_id, expected_version)
