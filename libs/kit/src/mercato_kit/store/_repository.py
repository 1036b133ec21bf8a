"""Loading and saving event-sourced aggregates through an event store and a translator."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from google.protobuf.message import Message

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import NotFound
from mercato_kit.events import EventEnvelope
from mercato_kit.store._port import EventStore

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

    Build one per unit of work, on its `events`, so the save joins that transaction.
    """

    def __init__(
        self,
        events: EventStore,
        aggregate_class: type[A],
        translator: EventTranslator,
        *,
        producer: str,
    ) -> None:
        self._events = events
        self._class = aggregate_class
        self._translator = translator
        self._producer = producer

    async def get(self, aggregate_id: str) -> A:
        """The aggregate rebuilt from its events; `NotFound` when it has none."""
        recorded = await self._events.load(self._class.aggregate_type, aggregate_id)
        if not recorded:
            raise NotFound(f"{self._class.aggregate_type} {aggregate_id} does not exist")
        return self._class.rehydrate(
            aggregate_id, (self._translator.from_envelope(event.envelope) for event in recorded)
        )

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
        aggregate.mark_saved()
        return envelopes
