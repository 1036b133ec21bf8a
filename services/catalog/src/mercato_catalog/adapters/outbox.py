"""Recording an aggregate's new events in the outbox, in the transaction that saves its state."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_catalog.adapters.translator import event_payload
from mercato_kit.domain import Aggregate
from mercato_kit.events import EventEnvelope
from mercato_kit.storage import append_to_outbox

PRODUCER = "catalog"


class Outbox:
    """Writes pending events as envelopes numbered from the aggregate's saved version."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.recorded = False

    async def record(self, aggregate: Aggregate) -> None:
        """Append the aggregate's pending events and mark them saved.

        Call it after the aggregate's row is written at its new version (which checked the
        saved version), in the same transaction.
        """
        pending = aggregate.pending_events()
        if not pending:
            return
        envelopes = [
            EventEnvelope.new(
                event_payload(aggregate, event),
                aggregate_type=type(aggregate).aggregate_type,
                aggregate_id=aggregate.id,
                aggregate_version=aggregate.saved_version + offset,
                producer=PRODUCER,
            )
            for offset, event in enumerate(pending, start=1)
        ]
        await append_to_outbox(self._session, envelopes)
        aggregate.mark_saved()
        self.recorded = True
