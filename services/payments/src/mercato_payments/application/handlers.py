"""Handlers: each is load, decide, save inside the caller's unit of work.

Charging the provider is not a handler: it happens between two units of work (see
entrypoints/grpc_api.py), so no transaction stays open while the provider thinks.
"""

from __future__ import annotations

from collections.abc import Sequence

from mercato_kit.domain import DomainEvent
from mercato_kit.errors import FailedPrecondition, NotFound
from mercato_kit.store import EventSourcedRepository, EventTranslator, UnitOfWork
from mercato_payments.application.ports import SellerPayables
from mercato_payments.domain import (
    AdvertiserBudget,
    CapturePayment,
    ChargeOutcome,
    DepositBudget,
    Payment,
    PayoutBatch,
    Refund,
    RefundPayment,
    ReleaseEscrow,
    RunPayoutBatch,
    Tariff,
)

PRODUCER = "payments"


def _payments(uow: UnitOfWork, translator: EventTranslator) -> EventSourcedRepository[Payment]:
    return EventSourcedRepository(uow.events, Payment, translator, producer=PRODUCER)


def _batches(uow: UnitOfWork, translator: EventTranslator) -> EventSourcedRepository[PayoutBatch]:
    return EventSourcedRepository(uow.events, PayoutBatch, translator, producer=PRODUCER)


def _budgets(
    uow: UnitOfWork, translator: EventTranslator
) -> EventSourcedRepository[AdvertiserBudget]:
    return EventSourcedRepository(uow.events, AdvertiserBudget, translator, producer=PRODUCER)


async def _post_to_payables(payables: SellerPayables, events: Sequence[DomainEvent]) -> None:
    """Keep the payable balances in step with the events about to be saved with them."""
    for event in events:
        match event:
            case Payment.EscrowReleased(seller_id=seller_id, seller_net=net):
                await payables.credit(seller_id, net)
            case PayoutBatch.PayoutSent(seller_id=seller_id, amount=amount):
                await payables.debit(seller_id, amount)


async def get_payment(uow: UnitOfWork, translator: EventTranslator, order_id: str) -> Payment:
    try:
        return await _payments(uow, translator).get(order_id)
    except NotFound:
        raise NotFound(f"order {order_id} has no payment") from None


async def load_payment(uow: UnitOfWork, translator: EventTranslator, order_id: str) -> Payment:
    """The order's payment, or a new one when no capture was attempted yet."""
    try:
        return await _payments(uow, translator).get(order_id)
    except NotFound:
        return Payment(order_id)


async def record_capture(
    uow: UnitOfWork,
    translator: EventTranslator,
    tariff: Tariff,
    command: CapturePayment,
    outcome: ChargeOutcome | None,
) -> tuple[Payment, bool]:
    """Record the provider's outcome (None: no charge was needed); True = a surplus charge."""
    payments = _payments(uow, translator)
    payment = await load_payment(uow, translator, command.order_id)
    if outcome is None:
        payment.check_capture(command.terms)
        return payment, False
    surplus = payment.record_charge(command.terms, outcome, tariff)
    await payments.save(payment)
    return payment, surplus


async def release_escrow(
    uow: UnitOfWork, translator: EventTranslator, payables: SellerPayables, command: ReleaseEscrow
) -> Payment:
    payments = _payments(uow, translator)
    payment = await get_payment(uow, translator, command.order_id)
    payment.release_escrow()
    await _post_to_payables(payables, payment.pending_events())
    await payments.save(payment)
    return payment


async def refund_payment(
    uow: UnitOfWork, translator: EventTranslator, command: RefundPayment
) -> tuple[Payment, Refund | None]:
    """The refund; None when nothing was captured, and the payment is void from now on."""
    payments = _payments(uow, translator)
    payment = await load_payment(uow, translator, command.order_id)
    refund = payment.refund(command.refund_id, command.amount, command.reason)
    await payments.save(payment)
    return payment, refund


async def run_payout_batch(
    uow: UnitOfWork, translator: EventTranslator, payables: SellerPayables, command: RunPayoutBatch
) -> PayoutBatch:
    """Pay out due payables once per batch id; a repeat answers the batch that ran."""
    batches = _batches(uow, translator)
    try:
        batch = await batches.get(command.batch_id)
    except NotFound:
        due = await payables.lock_due(command.currency, command.max_payouts)
        batch = PayoutBatch.run(command.batch_id, command.currency, due)
        await _post_to_payables(payables, batch.pending_events())
        await batches.save(batch)
        return batch
    if batch.currency != command.currency:
        raise FailedPrecondition(f"payout batch {batch.id} was run in {batch.currency}")
    return batch


async def load_budget(
    uow: UnitOfWork, translator: EventTranslator, advertiser_id: str
) -> AdvertiserBudget:
    """The advertiser's budget; an empty one before their first deposit."""
    try:
        return await _budgets(uow, translator).get(advertiser_id)
    except NotFound:
        return AdvertiserBudget(advertiser_id)


async def record_deposit(
    uow: UnitOfWork,
    translator: EventTranslator,
    tariff: Tariff,
    command: DepositBudget,
    outcome: ChargeOutcome | None,
) -> tuple[AdvertiserBudget, bool]:
    """Record the provider's outcome (None: the deposit was credited before); True = surplus."""
    budgets = _budgets(uow, translator)
    budget = await load_budget(uow, translator, command.advertiser_id)
    if outcome is None:
        budget.check_deposit(command.deposit_id, command.amount)
        return budget, False
    surplus = budget.record_deposit(command.deposit_id, command.amount, outcome, tariff)
    await budgets.save(budget)
    return budget, surplus
