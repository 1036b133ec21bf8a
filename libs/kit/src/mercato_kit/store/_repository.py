"""Loading and saving event-sourced aggregates through an event store and a translator."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from google.protobuf.message import Message

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import NotFound
from mercato_kit.events import EventEnvelope
from mercato_kit.store._cache import AggregateCache, CachedHistory
from mercato_kit.store._port import EventStore, RecordedEvent

A = TypeVar("A", bound=Aggregate)


class EventTranslator(Protocol):
    """A service's mapping between its domain events and their published protobuf payloads.

    The one place that imports both the domain and the generated code. `from_envelope` picks
    the domain event class from `envelope.event_type` and decodes with `envelope.unpack`.
    """

    def to_payload(self, event: DomainEvent) -> Message:
        """The payload message that publishes `event`."""
        ...

    def from_envelope(self, envelope: EventEnvelope) -> DomainEvent:
        """The domain event a stored envelope holds."""
        ...


class EventSourcedRepository(Generic[A]):
    """Aggregates of one class, loaded by replaying their events and saved by appending new ones.

        orders = EventSourcedRepository(uow.events, Order, translator, producer="orders")
        order = await orders.get(order_id)
        order.confirm_receipt()
        await orders.save(order)

    Build one per unit of work, on its `events`, so the save joins that transaction. Given a
    `cache` (one per process, see `AggregateCache`), a load reads only the events the cache has
    not seen, checked against the store.
    """

    def __init__(
        self,
        events: EventStore,
        aggregate_class: type[A],
        translator: EventTranslator,
        *,
        producer: str,
        cache: AggregateCache | None = None,
    ) -> None:
        self._events = events
        self._class = aggregate_class
        self._translator = translator
        self._producer = producer
        self._cache = cache

    async def get(self, aggregate_id: str) -> A:
        """The aggregate rebuilt from its events; `NotFound` when it has none."""
        aggregate_type = self._class.aggregate_type
        cached = None if self._cache is None else self._cache.entry(aggregate_type, aggregate_id)
        history = None
        if cached is not None:
            recorded = await self._events.load(
                aggregate_type, aggregate_id, after_version=cached.version - 1
            )
            if recorded and recorded[0].envelope.event_id == cached.head_event_id:
                history = CachedHistory(
                    cached.events + self._decoded(recorded[1:]), recorded[-1].envelope.event_id
                )
        if history is None:
            recorded = await self._events.load(aggregate_type, aggregate_id)
            if not recorded:
                raise NotFound(f"{aggregate_type} {aggregate_id} does not exist")
            history = CachedHistory(self._decoded(recorded), recorded[-1].envelope.event_id)
        aggregate = self._class.rehydrate(aggregate_id, history.events)
        if self._cache is not None:
            self._cache.keep(aggregate, history)
        return aggregate

    def _decoded(self, recorded: list[RecordedEvent]) -> tuple[DomainEvent, ...]:
        return tuple(self._translator.from_envelope(event.envelope) for event in recorded)

    async def save(self, aggregate: A) -> list[EventEnvelope]:
        """Append the aggregate's pending events at its saved version; return their envelopes.

        Raises `ConcurrencyError` when another save got there first: reload and decide again.
        """
        expected_version = aggregate.saved_version
        envelopes = [
            EventEnvelope.new(
                self._translator.to_payload(event),
                aggregate_type=self._class.aggregate_type,
                aggregate_id=aggregate.id,
                aggregate_version=expected_version + offset,
                producer=self._producer,
            )
            for offset, event in enumerate(aggregate.pending_events(), start=1)
        ]
        await self._events.append(envelopes, expected_version)
        if self._cache is not None and envelopes:
            self._remember(aggregate, envelopes[-1].event_id)
        aggregate.mark_saved()
        return envelopes

    def _remember(self, aggregate: A, head_event_id: str) -> None:
        """Cache the history the append just made (before its transaction commits: a load
        checks it against the store, so a rolled-back one costs a replay, nothing else)."""
        assert self._cache is not None
        if aggregate.saved_version == 0:
            before: tuple[DomainEvent, ...] = ()
        else:
            loaded = self._cache.history_of(aggregate)
            if loaded is None or loaded.version != aggregate.saved_version:
                self._cache.forget(aggregate.aggregate_type, aggregate.id)
                return
            before = loaded.events
        pending = tuple(aggregate.pending_events())
        self._cache.keep(aggregate, CachedHistory(before + pending, head_event_id))
