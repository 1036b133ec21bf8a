"""The in-memory event store and unit of work: the fakes for domain unit tests."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import UTC
from types import TracebackType
from typing import Self

from mercato_kit.events import EventEnvelope
from mercato_kit.store._port import EventStore, RecordedEvent, UnitOfWork, check_append, conflict


class InMemoryEventStore(EventStore):
    """An event store in a list, with the same rules and errors as the SQL backends.

    `published` stands for the outbox: the envelopes of every committed append, in order.
    Appends are serialised by a lock that a unit of work holds from its first append to its
    end, as the SQL store serialises them with the database's write lock.
    """

    def __init__(self) -> None:
        self._recorded: list[RecordedEvent] = []
        self._published: list[EventEnvelope] = []
        self._versions: dict[tuple[str, str], int] = {}
        self._event_ids: set[str] = set()
        self._next_position = 1
        self._lock = asyncio.Lock()

    @property
    def published(self) -> list[EventEnvelope]:
        """Every committed envelope, in the order a relay would publish them."""
        return list(self._published)

    async def append(self, envelopes: Sequence[EventEnvelope], expected_version: int) -> None:
        """Store one aggregate's new events (see `EventStore.append`)."""
        async with self._lock:
            self._commit(self._stage(envelopes, expected_version, staged=()))

    async def load(
        self, aggregate_type: str, aggregate_id: str, after_version: int = 0
    ) -> list[RecordedEvent]:
        """One aggregate's events after `after_version`, in version order."""
        return _of_aggregate(self._recorded, aggregate_type, aggregate_id, after_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events of every aggregate after `after_position`, in position order."""
        return _page(self._recorded, after_position, limit)

    def _stage(
        self,
        envelopes: Sequence[EventEnvelope],
        expected_version: int,
        staged: Sequence[RecordedEvent],
    ) -> list[RecordedEvent]:
        check_append(envelopes, expected_version)
        if not envelopes:
            return []
        key = (envelopes[0].aggregate_type, envelopes[0].aggregate_id)
        current = self._versions.get(key, 0)
        for recorded in staged:
            if (recorded.envelope.aggregate_type, recorded.envelope.aggregate_id) == key:
                current = recorded.envelope.aggregate_version
        if current != expected_version:
            raise conflict(envelopes, expected_version)
        taken = self._event_ids | {recorded.envelope.event_id for recorded in staged}
        for envelope in envelopes:
            if envelope.event_id in taken:
                raise ValueError(f"event {envelope.event_id} is stored already")
        # Like a database sequence, a position is used up even when the append is rolled back.
        first = self._next_position
        self._next_position += len(envelopes)
        # Stored times come back in UTC from every backend, as from the envelope's protobuf form.
        return [
            RecordedEvent(
                position=first + index,
                envelope=dataclasses.replace(
                    envelope, occurred_at=envelope.occurred_at.astimezone(UTC)
                ),
            )
            for index, envelope in enumerate(envelopes)
        ]

    def _commit(self, recorded: Sequence[RecordedEvent]) -> None:
        for event in recorded:
            envelope = event.envelope
            self._recorded.append(event)
            self._published.append(envelope)
            self._versions[(envelope.aggregate_type, envelope.aggregate_id)] = (
                envelope.aggregate_version
            )
            self._event_ids.add(envelope.event_id)


class InMemoryUnitOfWork(UnitOfWork):
    """A unit of work on an `InMemoryEventStore`: appends become visible to others on commit."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._staged: list[RecordedEvent] = []
        self._holds_lock = False
        self._state = "new"
        self._events = _StagedEventStore(self)

    @property
    def events(self) -> EventStore:
        """The store as this unit of work sees it: committed events plus its own appends."""
        self._require_active()
        return self._events

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise RuntimeError("a unit of work is used once; make a new one")
        self._state = "active"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._state == "active":
            await self.rollback()

    async def commit(self) -> None:
        """Store the staged events and publish them; the unit of work is then finished."""
        self._require_active()
        self._store._commit(self._staged)
        self._finish()

    async def rollback(self) -> None:
        """Discard the staged events; the unit of work is then finished."""
        self._require_active()
        self._finish()

    def _require_active(self) -> None:
        if self._state != "active":
            raise RuntimeError(f"the unit of work is {self._state}, not active")

    def _finish(self) -> None:
        self._staged.clear()
        self._state = "finished"
        if self._holds_lock:
            self._holds_lock = False
            self._store._lock.release()


class _StagedEventStore(EventStore):
    def __init__(self, unit_of_work: InMemoryUnitOfWork) -> None:
        self._uow = unit_of_work

    async def append(self, envelopes: Sequence[EventEnvelope], expected_version: int) -> None:
        uow = self._uow
        uow._require_active()
        if not uow._holds_lock:
            await uow._store._lock.acquire()
            uow._holds_lock = True
        uow._staged.extend(uow._store._stage(envelopes, expected_version, uow._staged))

    async def load(
        self, aggregate_type: str, aggregate_id: str, after_version: int = 0
    ) -> list[RecordedEvent]:
        self._uow._require_active()
        return _of_aggregate(self._visible(), aggregate_type, aggregate_id, after_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        self._uow._require_active()
        return _page(self._visible(), after_position, limit)

    def _visible(self) -> list[RecordedEvent]:
        return self._uow._store._recorded + self._uow._staged


def _of_aggregate(
    recorded: Sequence[RecordedEvent], aggregate_type: str, aggregate_id: str, after_version: int
) -> list[RecordedEvent]:
    return [
        event
        for event in recorded
        if event.envelope.aggregate_type == aggregate_type
        and event.envelope.aggregate_id == aggregate_id
        and event.envelope.aggregate_version > after_version
    ]


def _page(
    recorded: Sequence[RecordedEvent], after_position: int, limit: int
) -> list[RecordedEvent]:
    if limit < 1:
        raise ValueError(f"limit must be >= 1, not {limit}")
    return [event for event in recorded if event.position > after_position][:limit]
