"""Kafka in: what the wishlist-summaries consumer calls for each event (once per event, in the
consumer's transaction): the envelope decoded by the translator, handed to the projection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_example.adapters.projection import WishlistSummaries
from mercato_example.adapters.translator import WishlistTranslator
from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope

_translator = WishlistTranslator()


async def project_wishlist_event(
    session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
) -> None:
    """Apply one wishlist event to the summaries; an event type this service does not know (a
    newer producer's) is skipped."""
    del record
    event = _translator.decode(envelope)
    if event is not None:
        await WishlistSummaries(session).apply(envelope.aggregate_id, event)
