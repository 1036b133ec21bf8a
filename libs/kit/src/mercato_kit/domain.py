"""Base classes for event-sourced aggregates. Standard library only: domain code imports this.

An aggregate changes state only by applying events. A command method checks invariants, then
calls `self._trigger(SomethingHappened(...))`, which applies the event and queues it; the
application saves the queued events with the aggregate's version as the expected version.

    class Order(Aggregate):
        aggregate_type = "orders.order"

        @dataclass(frozen=True)
        class Placed(DomainEvent):
            buyer_id: str

        def _apply(self, event: DomainEvent) -> None:
            match event:
                case Order.Placed(buyer_id=buyer):
                    self.buyer_id = buyer
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Self

__all__ = ["Aggregate", "DomainEvent"]


@dataclass(frozen=True)
class DomainEvent:
    """Base of domain events: frozen, typed, named in the past tense, nested in their aggregate.

    Envelope facts (ids, version, time, correlation) are added when the event is stored; the
    domain event carries only what happened.
    """


class Aggregate:
    """Base of event-sourced aggregates: an id, a version, and events not yet saved.

    `version` counts every event applied, saved or not; `saved_version` is the version the
    store had when this object was loaded, i.e. the expected version for the next append.
    """

    aggregate_type: ClassVar[str]

    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.version = 0
        self._pending: list[DomainEvent] = []

    @property
    def saved_version(self) -> int:
        """The version this aggregate had in the store before its pending events."""
        return self.version - len(self._pending)

    def _apply(self, event: DomainEvent) -> None:
        """Change state for one event. Subclasses implement this; it must not fail."""
        raise NotImplementedError

    def _trigger(self, event: DomainEvent) -> None:
        """Apply a new event and queue it for saving."""
        self._apply(event)
        self.version += 1
        self._pending.append(event)

    def pending_events(self) -> list[DomainEvent]:
        """Events applied since the aggregate was loaded or last marked saved."""
        return list(self._pending)

    def mark_saved(self) -> None:
        """Forget the pending events once the store has them."""
        self._pending.clear()

    @classmethod
    def rehydrate(cls, aggregate_id: str, events: Iterable[DomainEvent]) -> Self:
        """Rebuild an aggregate from its stored history.

        Subclasses' `__init__` takes the id alone and sets the state of "no events yet";
        creation is a command (a classmethod) that triggers the first event.
        """
        aggregate = cls(aggregate_id)
        for event in events:
            aggregate._apply(event)
            aggregate.version += 1
        return aggregate
