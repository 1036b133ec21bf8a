"""Writing to the transactional outbox: the only way a service emits events.

- `append_to_outbox(session, envelopes)`: envelopes made by the caller (the event store does
  this for event-sourced aggregates).
- `outbox_written(session)`: whether the session's transaction wrote outbox rows (so its commit
  is worth waking the relay for).
- `AggregateOutbox`: for a service that keeps an aggregate's state in its own tables (catalog,
  identity) rather than in the event store: the repository writes the row at the new version,
  then `await outbox.record(aggregate)` turns the aggregate's pending events into envelopes
  numbered from its saved version, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from google.protobuf.message import Message
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.metrics import note_appended
from mercato_kit.storage._schema import outbox
from mercato_kit.tracing import span, tracing_enabled

_WRITTEN = "mercato_outbox_written"

OUTBOX_LOCK_KEY = 0x6D65726361746F
"""The PostgreSQL advisory lock key every outbox write holds to its commit ("mercato" in ASCII;
the event store's appends take the same one): outbox ids are drawn in lock order and committed
in that order, so no row becomes visible after a higher id. The relay relies on it: within a
round it reads on from the last id it sent, and a row committed later below that id would be
sent after a later row of the same key (seen under load: a test of per-key order under
concurrent writers failed). SQLite's BEGIN IMMEDIATE serialises writers already."""

PayloadOf = Callable[[Aggregate, DomainEvent], Message]
"""A service's translation of one of an aggregate's domain events into its published payload."""


async def append_to_outbox(
    session: AsyncSession, envelopes: Sequence[EventEnvelope], *, topic: str | None = None
) -> None:
    """Record envelopes for publication in the caller's transaction.

    They reach Kafka (topic of their aggregate kind unless `topic` names another one,
    key = aggregate id) only if that transaction commits, and then at least once, in this
    order per aggregate.
    """
    await write_outbox(session, envelopes, lambda: _insert(session, envelopes, topic))


async def write_outbox(
    session: AsyncSession,
    envelopes: Sequence[EventEnvelope],
    write: Callable[[], Awaitable[object]],
) -> None:
    """Run `write`, a statement that writes the envelopes' outbox rows (and maybe other rows:
    the event store writes the events and their outbox rows in one), with what every outbox
    write does around it: its trace span, the count of appended events for the metrics, and
    the mark that wakes the relay after the commit. `append_to_outbox` is this with a plain
    INSERT."""
    if not envelopes:
        return
    session.sync_session.info[_WRITTEN] = True
    if tracing_enabled():
        first = envelopes[0]
        attributes = {"mercato.aggregate.id": first.aggregate_id, "mercato.events": len(envelopes)}
        with span(f"append {first.aggregate_type}", attributes=attributes):
            await write()
    else:
        await write()
    note_appended(session, (envelope.aggregate_type for envelope in envelopes))


def outbox_written(session: AsyncSession) -> bool:
    """Whether `append_to_outbox` wrote rows in `session` (the unit of work and the consumer
    wake the relay after a commit only then). A write rolled back to a savepoint still
    answers True: a needless wake-up, never a missed row (the relay polls besides)."""
    return bool(session.sync_session.info.get(_WRITTEN))


async def _insert(
    session: AsyncSession, envelopes: Sequence[EventEnvelope], topic: str | None
) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(OUTBOX_LOCK_KEY)))
    now = datetime.now(UTC)
    await session.execute(
        insert(outbox),
        [
            {
                "event_id": envelope.event_id,
                "topic": topic or topic_for(envelope.aggregate_type),
                "key": envelope.aggregate_id.encode(),
                "value": envelope.to_bytes(),
                "created_at": now,
            }
            for envelope in envelopes
        ],
    )


class AggregateOutbox:
    """Records state-stored aggregates' new events in the outbox of one transaction.

        outbox = AggregateOutbox(session, producer="catalog", payload_of=event_payload)
        ...  # UPDATE shops SET ..., version = :new WHERE id = :id AND version = :saved
        await outbox.record(shop)

    `written` tells the unit of work whether to wake the relay after its commit; `recorded`
    keeps every envelope recorded so far (for after-commit reactions such as identity's
    revocations).
    """

    def __init__(self, session: AsyncSession, *, producer: str, payload_of: PayloadOf) -> None:
        self._session = session
        self._producer = producer
        self._payload_of = payload_of
        self.recorded: list[tuple[Aggregate, DomainEvent]] = []

    @property
    def written(self) -> bool:
        return bool(self.recorded)

    async def record(self, aggregate: Aggregate) -> list[EventEnvelope]:
        """Append the aggregate's pending events and mark them saved; return their envelopes.

        Call it after the aggregate's row is written at its new version (which checked the
        saved version), in the same transaction.
        """
        pending = aggregate.pending_events()
        if not pending:
            return []
        envelopes = [
            EventEnvelope.new(
                self._payload_of(aggregate, event),
                aggregate_type=type(aggregate).aggregate_type,
                aggregate_id=aggregate.id,
                aggregate_version=aggregate.saved_version + offset,
                producer=self._producer,
            )
            for offset, event in enumerate(pending, start=1)
        ]
        await append_to_outbox(self._session, envelopes)
        aggregate.mark_saved()
        self.recorded.extend((aggregate, event) for event in pending)
        return envelopes
