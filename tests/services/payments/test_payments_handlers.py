"""The payments handlers and the provider call, against payments' in-memory unit of work (the
kit's in-memory event store, the in-memory payables) and the simulated provider (no I/O)."""

from __future__ import annotations

import asyncio

import pytest

from mercato.payments.v1 import payments_pb2 as pb
from mercato_kit.errors import NotFound
from mercato_kit.money import Money
from mercato_kit.store import InMemoryEventStore
from mercato_payments.adapters.payables import InMemorySellerPayables
from mercato_payments.adapters.provider import (
    APPROVED,
    DECLINED,
    FAILS_AFTER_DELAY,
    TIMES_OUT,
    SimulatedPaymentProvider,
)
from mercato_payments.adapters.unit_of_work import InMemoryPaymentsUnitOfWork
from mercato_payments.application import (
    charge,
    get_payment,
    record_capture,
    refund_payment,
    release_escrow,
    run_payout_batch,
)
from mercato_payments.domain import (
    CapturePayment,
    ChargeOutcome,
    DeclineReason,
    OrderCancelled,
    OrderTerms,
    PaymentStatus,
    RefundPayment,
    ReleaseEscrow,
    RunPayoutBatch,
    Tariff,
)

TARIFF = Tariff({"standard": 500, "flagship": 300}, processing_fee_bps=60)
AMOUNT = Money(minor_units=20_000, currency="CNY")


def capture(order_id: str, seller_id: str = "seller-1") -> CapturePayment:
    terms = OrderTerms("buyer-1", seller_id, "shop-1", "standard", AMOUNT)
    return CapturePayment(order_id, terms, APPROVED)


def unit_of_work(
    store: InMemoryEventStore, payables: InMemorySellerPayables | None = None
) -> InMemoryPaymentsUnitOfWork:
    return InMemoryPaymentsUnitOfWork(store, payables or InMemorySellerPayables())


async def captured(store: InMemoryEventStore, order_id: str, seller_id: str = "seller-1") -> None:
    async with unit_of_work(store) as uow:
        await record_capture(
            capture(order_id, seller_id), uow, outcome=ChargeOutcome.approved("ch"), tariff=TARIFF
        )
        await uow.commit()


async def test_a_capture_publishes_the_payment_and_its_fee_in_one_commit() -> None:
    store = InMemoryEventStore()

    await captured(store, "order-1")

    assert [(e.event_type, e.aggregate_id, e.aggregate_version) for e in store.published] == [
        (pb.PaymentCaptured.DESCRIPTOR.full_name, "order-1", 1),
        (pb.ProcessingFeeCharged.DESCRIPTOR.full_name, "order-1", 2),
    ]
    fee = store.published[1].unpack(pb.ProcessingFeeCharged)
    assert (fee.gross.minor_units, fee.fee.minor_units, fee.net_settled.minor_units) == (
        20_000,
        120,
        19_880,
    )


async def test_a_release_credits_the_seller_payable_with_the_net() -> None:
    store, payables = InMemoryEventStore(), InMemorySellerPayables()
    await captured(store, "order-1")

    async with unit_of_work(store, payables) as uow:
        await release_escrow(ReleaseEscrow("order-1"), uow)
        await release_escrow(ReleaseEscrow("order-1"), uow)
        await uow.commit()

    assert await payables.balances("seller-1") == [Money(minor_units=19_000, currency="CNY")]
    released = store.published[-1].unpack(pb.EscrowReleased)
    assert (released.gross.minor_units, released.commission.minor_units) == (20_000, 1_000)


async def test_a_payout_batch_moves_every_due_payable_out_once() -> None:
    store, payables = InMemoryEventStore(), InMemorySellerPayables()
    for order_id, seller_id in [("order-1", "seller-a"), ("order-2", "seller-b")]:
        await captured(store, order_id, seller_id)
        async with unit_of_work(store, payables) as uow:
            await release_escrow(ReleaseEscrow(order_id), uow)
            await uow.commit()

    async with unit_of_work(store, payables) as uow:
        batch = await run_payout_batch(RunPayoutBatch("batch-1", "CNY", 10), uow)
        await uow.commit()
    async with unit_of_work(store, payables) as uow:
        again = await run_payout_batch(RunPayoutBatch("batch-1", "CNY", 10), uow)

    assert [(p.seller_id, p.amount) for p in batch.payouts] == [
        ("seller-a", Money(minor_units=19_000, currency="CNY")),
        ("seller-b", Money(minor_units=19_000, currency="CNY")),
    ]
    assert again.payouts == batch.payouts
    assert await payables.balances("seller-a") == [Money(minor_units=0, currency="CNY")]
    assert store.published[-1].event_type == pb.PayoutBatchClosed.DESCRIPTOR.full_name


async def test_an_uncommitted_refund_changes_nothing() -> None:
    store = InMemoryEventStore()
    await captured(store, "order-1")

    async with unit_of_work(store) as uow:
        await refund_payment(RefundPayment("order-1", "r-1", None, "cancel"), uow)

    async with unit_of_work(store) as uow:
        payment = await get_payment("order-1", uow)
    assert payment.in_escrow == AMOUNT


async def test_a_payment_nobody_captured_is_not_found() -> None:
    async with unit_of_work(InMemoryEventStore()) as uow:
        with pytest.raises(NotFound, match="order-9"):
            await get_payment("order-9", uow)


async def test_a_refund_of_an_order_nobody_captured_voids_it_and_a_capture_is_refused() -> None:
    store = InMemoryEventStore()

    async with unit_of_work(store) as uow:
        payment, refund = await refund_payment(
            RefundPayment("order-1", "r-1", None, "order cancelled"), uow
        )
        await uow.commit()
    async with unit_of_work(store) as uow:
        with pytest.raises(OrderCancelled):
            await record_capture(
                capture("order-1"), uow, outcome=ChargeOutcome.approved("ch"), tariff=TARIFF
            )

    assert (refund, payment.status) == (None, PaymentStatus.VOIDED)
    assert [e.event_type for e in store.published] == [pb.PaymentVoided.DESCRIPTOR.full_name]


@pytest.mark.parametrize(
    ("instrument", "reason"),
    [
        (DECLINED, DeclineReason.CARD_DECLINED),
        (TIMES_OUT, DeclineReason.PROVIDER_TIMEOUT),
        (FAILS_AFTER_DELAY, DeclineReason.PROVIDER_ERROR),
        ("4111111111111111", DeclineReason.UNKNOWN_INSTRUMENT),
    ],
)
async def test_each_failing_test_instrument_gives_its_decline_and_charges_nothing(
    instrument: str, reason: DeclineReason
) -> None:
    provider = SimulatedPaymentProvider(failure_delay=0.01)

    outcome = await charge(provider, "ref-1", instrument, AMOUNT, within=0.2)

    assert outcome == ChargeOutcome.declined(reason)
    assert provider.charged == {}


async def test_the_approved_instrument_charges_once_per_reference() -> None:
    provider = SimulatedPaymentProvider(failure_delay=0.01)

    first, again = await asyncio.gather(
        charge(provider, "ref-1", APPROVED, AMOUNT, within=5),
        charge(provider, "ref-1", APPROVED, AMOUNT, within=5),
    )
    other = await charge(provider, "ref-2", APPROVED, AMOUNT, within=5)

    assert first == again
    assert other.charge_id != first.charge_id
    assert set(provider.charged) == {first.charge_id, other.charge_id}


async def test_a_timed_out_attempt_stays_voided_for_everyone_waiting_on_it() -> None:
    provider = SimulatedPaymentProvider(failure_delay=0.01)

    waited_long = asyncio.ensure_future(charge(provider, "ref-1", TIMES_OUT, AMOUNT, within=5))
    timed_out = await charge(provider, "ref-1", TIMES_OUT, AMOUNT, within=0.05)
    retried = await charge(provider, "ref-1", APPROVED, AMOUNT, within=5)

    assert timed_out == ChargeOutcome.declined(DeclineReason.PROVIDER_TIMEOUT)
    assert await asyncio.wait_for(waited_long, 5) == timed_out
    assert retried == timed_out
    assert provider.charged == {}


async def test_voiding_an_approved_charge_returns_the_money() -> None:
    provider = SimulatedPaymentProvider(failure_delay=0.01)
    await charge(provider, "ref-1", APPROVED, AMOUNT, within=5)

    await provider.void("ref-1")

    assert provider.charged == {}
