"""Publisher payouts, once per batch id."""

from __future__ import annotations

from mercato_marketing.application.ports import MarketingUnitOfWork
from mercato_marketing.domain import PublisherPayoutBatch
from mercato_marketing.domain.commands import RunPublisherPayoutBatch


async def run_publisher_payout_batch(
    command: RunPublisherPayoutBatch, uow: MarketingUnitOfWork
) -> PublisherPayoutBatch:
    existing = await uow.payouts.get(command.batch_id)
    if existing is not None:
        existing.check_currency(command.currency)
        return existing
    payables = await uow.earnings.payables(command.currency)
    batch = PublisherPayoutBatch.run(
        command.batch_id, command.currency, payables, command.max_payouts
    )
    for publisher_id, amount in batch.payouts:
        await uow.earnings.paid(publisher_id, amount)
    await uow.payouts.add(batch)
    return batch
