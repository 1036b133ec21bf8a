"""The platform's unit of work: one transaction for its tables, the outbox and idempotency keys."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.storage import AggregateOutbox
from mercato_kit.store import SqlUnitOfWork
from mercato_platform.adapters.deliveries import SqlDeliveries
from mercato_platform.adapters.endpoints import SqlEndpoints
from mercato_platform.adapters.feed import SqlFeed
from mercato_platform.adapters.grants import SqlGrants
from mercato_platform.adapters.subscriptions import SqlSubscriptions
from mercato_platform.adapters.translator import event_payload

PRODUCER = "platform"


class PlatformUnitOfWork(SqlUnitOfWork):
    """The kit's unit of work with the platform's repositories: `uow.feed`, `uow.grants`,
    `uow.subscriptions` and `uow.endpoints` (whose events share one outbox), `uow.deliveries`."""

    feed: SqlFeed
    grants: SqlGrants
    subscriptions: SqlSubscriptions
    endpoints: SqlEndpoints
    deliveries: SqlDeliveries

    def _open_repositories(self, session: AsyncSession) -> None:
        outbox = AggregateOutbox(session, producer=PRODUCER, payload_of=event_payload)
        self.feed = SqlFeed(session)
        self.grants = SqlGrants(session)
        self.subscriptions = SqlSubscriptions(session, outbox)
        self.endpoints = SqlEndpoints(session, outbox)
        self.deliveries = SqlDeliveries(session)


class ConsumerWork:
    """The repositories a consumer's handler needs, on the consumer's own transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.feed = SqlFeed(session)
        self.grants = SqlGrants(session)
