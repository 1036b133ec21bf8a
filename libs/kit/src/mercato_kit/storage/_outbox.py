"""Writing to the transactional outbox: the only way a service emits events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.storage._schema import outbox


async def append_to_outbox(
    session: AsyncSession, envelopes: Sequence[EventEnvelope], *, topic: str | None = None
) -> None:
    """Record envelopes for publication in the caller's transaction.

    They reach Kafka (topic of their aggregate kind unless `topic` names another one,
    key = aggregate id) only if that transaction commits, and then at least once, in this
    order per aggregate.
    """
    if not envelopes:
        return
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
