"""Subscriptions: the event types an app receives on its streams and webhooks."""

from __future__ import annotations

from datetime import datetime

from mercato_platform.application.ports import PlatformWork
from mercato_platform.domain import (
    EVENT_KINDS,
    EventKind,
    Subscribe,
    Subscription,
    Unsubscribe,
    require_partner_types,
)


async def subscribe(
    command: Subscribe, uow: PlatformWork, *, app_id: str, now: datetime
) -> Subscription:
    types = require_partner_types(command.types)
    subscription = await uow.subscriptions.get(app_id)
    subscription.subscribe(types, now)
    await uow.subscriptions.save(subscription)
    return subscription


async def unsubscribe(
    command: Unsubscribe, uow: PlatformWork, *, app_id: str, now: datetime
) -> Subscription:
    types = require_partner_types(command.types)
    subscription = await uow.subscriptions.get(app_id)
    subscription.unsubscribe(types, now)
    await uow.subscriptions.save(subscription)
    return subscription


async def subscription_of(app_id: str, uow: PlatformWork) -> Subscription:
    return await uow.subscriptions.get(app_id)


async def all_subscriptions(uow: PlatformWork) -> list[Subscription]:
    return [s for s in await uow.subscriptions.all() if s.types]


def event_types() -> tuple[EventKind, ...]:
    return EVENT_KINDS
