"""Handlers: each is load, decide, save, through the caller's unit of work
(`async def verb(command, uow, *, collaborators)`).

Charging the provider is not a handler: it happens between two units of work (see
entrypoints/grpc_api.py), so no transaction stays open while the provider thinks. The handler
that records a charge gets its outcome: None when the payment (or deposit) needed no charge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from mercato_kit.domain import DomainEvent
from mercato_kit.errors import FailedPrecondition, NotFound
from mercato_kit.store import EventSourcedRepository
from mercato_payments.application.ports import Payables, PaymentsUnitOfWork
from mercato_payments.domain import (
    AdvertiserBudget,
    AppCharge,
    AppRefund,
    CapturePayment,
    ChargeAppSubscription,
    ChargeOutcome,
    DepositBudget,
    Payment,
    PayoutBatch,
    PayoutRun,
    Refund,
    RefundAppCharge,
    RefundPayment,
    ReleaseEscrow,
    RunPayoutBatch,
    RunVendorPayoutBatch,
    Tariff,
    VendorPayoutBatch,
)

B = TypeVar("B", bound=PayoutRun)


async def _post_to_payables(uow: PaymentsUnitOfWork, events: Sequence[DomainEvent]) -> None:
    """Keep the payable balances in step with the events about to be saved with them."""
    for event in events:
        match event:
            case Payment.EscrowReleased(seller_id=seller_id, seller_net=net):
                await uow.payables.credit(seller_id, net)
            case PayoutBatch.PayoutSent(seller_id=seller_id, amount=amount):
                await uow.payables.debit(seller_id, amount)
            case AppCharge.Charged(vendor_id=vendor_id, vendor_share=share):
                await uow.vendor_payables.credit(vendor_id, share)
            case AppCharge.Refunded(vendor_id=vendor_id, vendor_share=share):
                await uow.vendor_payables.take_back(vendor_id, share)
            case VendorPayoutBatch.PaidOut(vendor_id=vendor_id, amount=amount):
                await uow.vendor_payables.debit(vendor_id, amount)


async def get_payment(order_id: str, uow: PaymentsUnitOfWork) -> Payment:
    try:
        return await uow.payments.get(order_id)
    except NotFound:
        raise NotFound(f"order {order_id} has no payment") from None


async def load_payment(order_id: str, uow: PaymentsUnitOfWork) -> Payment:
    """The order's payment, or a new one when no capture was attempted yet."""
    try:
        return await uow.payments.get(order_id)
    except NotFound:
        return Payment(order_id)


async def record_capture(
    command: CapturePayment,
    uow: PaymentsUnitOfWork,
    *,
    outcome: ChargeOutcome | None,
    tariff: Tariff,
) -> tuple[Payment, bool]:
    """Record the provider's outcome (None: no charge was needed); True = a surplus charge."""
    payment = await load_payment(command.order_id, uow)
    if outcome is None:
        payment.check_capture(command.terms)
        return payment, False
    surplus = payment.record_charge(command.terms, outcome, tariff)
    await uow.payments.save(payment)
    return payment, surplus


async def release_escrow(command: ReleaseEscrow, uow: PaymentsUnitOfWork) -> Payment:
    payment = await get_payment(command.order_id, uow)
    payment.release_escrow()
    await _post_to_payables(uow, payment.pending_events())
    await uow.payments.save(payment)
    return payment


async def refund_payment(
    command: RefundPayment, uow: PaymentsUnitOfWork
) -> tuple[Payment, Refund | None]:
    """The refund; None when nothing was captured, and the payment is void from now on."""
    payment = await load_payment(command.order_id, uow)
    refund = payment.refund(command.refund_id, command.amount, command.reason)
    await uow.payments.save(payment)
    return payment, refund


async def _run_payouts(
    command: RunPayoutBatch | RunVendorPayoutBatch,
    uow: PaymentsUnitOfWork,
    batches: EventSourcedRepository[B],
    payables: Payables,
    kind: type[B],
) -> B:
    """Pay out one payee kind's due payables once per batch id; a repeat answers the batch
    that ran."""
    try:
        batch = await batches.get(command.batch_id)
    except NotFound:
        due = await payables.lock_due(command.currency, command.max_payouts)
        batch = kind.run(command.batch_id, command.currency, due)
        await _post_to_payables(uow, batch.pending_events())
        await batches.save(batch)
        return batch
    if batch.currency != command.currency:
        raise FailedPrecondition(f"payout batch {batch.id} was run in {batch.currency}")
    return batch


async def run_payout_batch(command: RunPayoutBatch, uow: PaymentsUnitOfWork) -> PayoutBatch:
    """Pay out sellers' due payables once per batch id."""
    return await _run_payouts(command, uow, uow.payouts, uow.payables, PayoutBatch)


async def run_vendor_payout_batch(
    command: RunVendorPayoutBatch, uow: PaymentsUnitOfWork
) -> VendorPayoutBatch:
    """Pay out app vendors' due payables once per batch id."""
    return await _run_payouts(
        command, uow, uow.vendor_payouts, uow.vendor_payables, VendorPayoutBatch
    )


async def load_budget(advertiser_id: str, uow: PaymentsUnitOfWork) -> AdvertiserBudget:
    """The advertiser's budget; an empty one before their first deposit."""
    try:
        return await uow.budgets.get(advertiser_id)
    except NotFound:
        return AdvertiserBudget(advertiser_id)


async def record_deposit(
    command: DepositBudget,
    uow: PaymentsUnitOfWork,
    *,
    outcome: ChargeOutcome | None,
    tariff: Tariff,
) -> tuple[AdvertiserBudget, bool]:
    """Record the provider's outcome (None: the deposit was credited before); True = surplus."""
    budget = await load_budget(command.advertiser_id, uow)
    if outcome is None:
        budget.check_deposit(command.deposit_id, command.amount)
        return budget, False
    surplus = budget.record_deposit(command.deposit_id, command.amount, outcome, tariff)
    await uow.budgets.save(budget)
    return budget, surplus


async def get_app_charge(charge_id: str, uow: PaymentsUnitOfWork) -> AppCharge:
    try:
        return await uow.app_charges.get(charge_id)
    except NotFound:
        raise NotFound(f"app charge {charge_id} does not exist") from None


async def load_app_charge(charge_id: str, uow: PaymentsUnitOfWork) -> AppCharge:
    """The app charge, or a new one when no attempt was made yet."""
    try:
        return await uow.app_charges.get(charge_id)
    except NotFound:
        return AppCharge(charge_id)


async def record_app_charge(
    command: ChargeAppSubscription,
    uow: PaymentsUnitOfWork,
    *,
    outcome: ChargeOutcome | None,
    tariff: Tariff,
) -> tuple[AppCharge, bool]:
    """Record the provider's outcome (None: no charge was needed); True = a surplus charge."""
    charge = await load_app_charge(command.charge_id, uow)
    if outcome is None:
        charge.check_terms(command.terms)
        return charge, False
    surplus = charge.record_charge(command.terms, outcome, tariff)
    await _post_to_payables(uow, charge.pending_events())
    await uow.app_charges.save(charge)
    return charge, surplus


async def refund_app_charge(
    command: RefundAppCharge, uow: PaymentsUnitOfWork
) -> tuple[AppCharge, AppRefund]:
    charge = await get_app_charge(command.charge_id, uow)
    refund = charge.refund(command.refund_id, command.split, command.reason)
    await _post_to_payables(uow, charge.pending_events())
    await uow.app_charges.save(charge)
    return charge, refund
