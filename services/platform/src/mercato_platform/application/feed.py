"""The feed and the grants, kept from the events the platform consumes; retention."""

from __future__ import annotations

from datetime import datetime

from mercato_platform.application.ports import FeedWork, Render
from mercato_platform.domain import (
    Audience,
    FeedEntry,
    GrantChange,
    IncomingEvent,
    Owners,
    kind_of,
    partner_data,
)


def _complete(audience: Audience, owners: Owners) -> bool:
    if audience is Audience.PUBLISHER:
        return bool(owners.publisher_id)
    if audience is Audience.SELLER_AND_CARRIER:
        return bool(owners.seller_id and owners.carrier_id)
    return bool(owners.seller_id)


async def append_to_feed(
    event: IncomingEvent, uow: FeedWork, *, render: Render
) -> FeedEntry | None:
    """Append a partner-visible event to the feed with its owners (those its payload lacks are
    taken from an earlier event of its aggregate) and its CloudEvent in both projections;
    None when no partner could ever see it (it has no owner)."""
    kind = kind_of(event.event_type)
    if kind is None:
        return None
    owners = event.owners
    if kind.remembers_owners:
        if _complete(kind.audience, owners):
            await uow.feed.remember_owners(event.aggregate_type, event.subject, owners)
        else:
            known = await uow.feed.owners_of(event.aggregate_type, event.subject)
            owners = owners.completed_by(known)
    if not owners.anyone:
        return None
    position = await uow.feed.next_position()
    full = render(event, position, partner_data(event.data, kind, with_address=True))
    redacted = (
        render(event, position, partner_data(event.data, kind, with_address=False))
        if kind.address_fields
        else None
    )
    entry = FeedEntry(
        position=position,
        event_id=event.event_id,
        event_type=event.event_type,
        subject=event.subject,
        occurred_at=event.occurred_at,
        owners=owners,
        full=full,
        redacted=redacted,
    )
    await uow.feed.append(entry)
    return entry


async def apply_grant(change: GrantChange, uow: FeedWork) -> None:
    """A grant given or revoked (only sellers' grants entitle)."""
    await uow.grants.apply(change)


async def trim_feed(uow: FeedWork, *, before: datetime, limit: int = 5000) -> int:
    """Delete up to `limit` entries appended before `before` (retention); how many."""
    return await uow.feed.trim(before, limit)
