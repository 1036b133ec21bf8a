"""Kafka in: what the postings consumer calls for each event (once per event, in the consumer's
transaction): the envelope translated into the ledger's fact and recorded in the journal."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.adapters.translator import fact_from_event, source_of
from mercato_ledger.application import record_fact


async def post_event(
    session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
) -> None:
    await record_fact(source_of(envelope, record), fact_from_event(envelope), SqlJournal(session))
