"""Marketing's unit of work: one transaction over its tables and the outbox.

`SqlMarketingUnitOfWork` is what the gRPC and HTTP edges open (`context.units_of_work`);
`ConsumedUnitOfWork` hangs the same repositories off the session of the idempotent consumer's
transaction (the consumer commits it, with its tracking records).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.storage import AggregateOutbox
from mercato_kit.store import SqlUnitOfWork
from mercato_marketing.adapters.budget_book import SqlBudgetBook
from mercato_marketing.adapters.campaigns import SqlCampaigns
from mercato_marketing.adapters.clicks import SqlClicks, SqlTrafficFlags
from mercato_marketing.adapters.conversions import SqlConversions, SqlPayouts
from mercato_marketing.adapters.earnings import SqlEarnings
from mercato_marketing.adapters.projections import SqlProducts, SqlPublishers
from mercato_marketing.adapters.stats import SqlReports, SqlStats
from mercato_marketing.adapters.translator import event_payload

PRODUCER = "marketing"
"""The `producer` every envelope this service writes carries."""


class _Repositories:
    """The repositories of marketing's tables on one session, recording events in one outbox."""

    campaigns: SqlCampaigns
    products: SqlProducts
    publishers: SqlPublishers
    clicks: SqlClicks
    flags: SqlTrafficFlags
    budgets: SqlBudgetBook
    earnings: SqlEarnings
    conversions: SqlConversions
    payouts: SqlPayouts
    stats: SqlStats
    reports: SqlReports
    outbox: AggregateOutbox

    def _open_on(self, session: AsyncSession) -> None:
        outbox = AggregateOutbox(session, producer=PRODUCER, payload_of=event_payload)
        self.outbox = outbox
        self.campaigns = SqlCampaigns(session, outbox)
        self.products = SqlProducts(session)
        self.publishers = SqlPublishers(session)
        self.clicks = SqlClicks(session, outbox)
        self.flags = SqlTrafficFlags(session)
        self.budgets = SqlBudgetBook(session, outbox)
        self.earnings = SqlEarnings(session)
        self.conversions = SqlConversions(session, outbox)
        self.payouts = SqlPayouts(session, outbox)
        self.stats = SqlStats(session)
        self.reports = SqlReports(session)


class SqlMarketingUnitOfWork(SqlUnitOfWork, _Repositories):
    """The kit's unit of work with marketing's repositories (`uow.campaigns`, `uow.budgets`,
    ...) and its read side (`uow.reports`)."""

    def _open_repositories(self, session: AsyncSession) -> None:
        self._open_on(session)


class ConsumedUnitOfWork(_Repositories):
    """The repositories inside the idempotent consumer's transaction. `commit` does nothing:
    the consumer commits the effect together with the event's tracking record."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._open_on(session)

    async def commit(self) -> None:
        return None
