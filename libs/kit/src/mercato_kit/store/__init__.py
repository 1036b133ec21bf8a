"""The event store, the unit of work, and event-sourced repositories.

    EventStore (port)                    append / load / read_all, outbox in the same transaction
    ├── InMemoryEventStore               the fake for unit tests (`published` stands for the outbox)
    └── SqlEventStore                    SQLite and PostgreSQL, on the kit's `events` table
    UnitOfWork (port)                    one transaction for "load, decide, save"
    ├── InMemoryUnitOfWork
    └── SqlUnitOfWork                    `session` for the service's own tables, same transaction
    EventSourcedRepository               aggregates replayed from, and saved to, an EventStore
    AggregateCache                       histories kept in process (a load reads only what is new)
    EventTranslator (protocol)           a service's domain event <-> protobuf payload mapping

A version conflict raises `mercato_kit.errors.ConcurrencyError` from every backend.
"""

from mercato_kit.store._cache import AggregateCache, CachedHistory
from mercato_kit.store._memory import InMemoryEventStore, InMemoryUnitOfWork
from mercato_kit.store._port import EventStore, RecordedEvent, UnitOfWork, UnitOfWorkFactory
from mercato_kit.store._repository import EventSourcedRepository, EventTranslator
from mercato_kit.store._sql import APPEND_LOCK_KEY, SqlEventStore, SqlUnitOfWork

__all__ = [
    "APPEND_LOCK_KEY",
    "AggregateCache",
    "CachedHistory",
    "EventSourcedRepository",
    "EventStore",
    "EventTranslator",
    "InMemoryEventStore",
    "InMemoryUnitOfWork",
    "RecordedEvent",
    "SqlEventStore",
    "SqlUnitOfWork",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
