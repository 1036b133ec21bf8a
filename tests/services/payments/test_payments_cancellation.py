"""A refund that overtakes a slow capture of the same order (the order saga compensating while
its capture is still with the provider), on SQLite and on PostgreSQL.

The servicer runs in this process on a real database, with the simulated provider held in the
middle of the charge, so the refund lands exactly between the capture's decision to charge and
the recording of the charge: the refund is NOT_FOUND and voids the payment, the capture is
FAILED_PRECONDITION and its charge goes back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from functools import partial

import pytest
import pytest_asyncio

from mercato.common.v1.money_pb2 import Money as MoneyMessage
from mercato.payments.v1 import payments_pb2 as pb
from mercato_kit.errors import NotFound
from mercato_kit.money import Money
from mercato_kit.storage import Database, migrate
from mercato_payments.adapters.provider import APPROVED, SimulatedPaymentProvider
from mercato_payments.adapters.unit_of_work import SqlPaymentsUnitOfWork
from mercato_payments.application import get_payment
from mercato_payments.bootstrap import MIGRATIONS
from mercato_payments.domain import ChargeOutcome, OrderCancelled, PaymentStatus, Tariff
from mercato_payments.entrypoints.grpc_api import PaymentService

pytestmark = pytest.mark.infra

TARIFF = Tariff({"standard": 500, "flagship": 300}, processing_fee_bps=60)


class HeldProvider(SimulatedPaymentProvider):
    """The simulated provider, holding every charge until `let_go` is set."""

    def __init__(self) -> None:
        super().__init__(failure_delay=0.01)
        self.charging = asyncio.Event()
        self.let_go = asyncio.Event()

    async def charge(self, reference: str, instrument: str, amount: Money) -> ChargeOutcome:
        self.charging.set()
        await self.let_go.wait()
        return await super().charge(reference, instrument, amount)


@pytest_asyncio.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    await asyncio.to_thread(
        migrate, fresh_database_url, versions=MIGRATIONS, version_table="payments_alembic_version"
    )
    database = Database(fresh_database_url)
    try:
        yield database
    finally:
        await database.dispose()


def ids() -> str:
    return str(uuid.uuid4())


def capture_request(order_id: str) -> pb.CapturePaymentRequest:
    return pb.CapturePaymentRequest(
        idempotency_key=ids(),
        order_id=order_id,
        buyer_id=ids(),
        seller_id=ids(),
        shop_id=ids(),
        shop_tier=pb.SHOP_TIER_STANDARD,
        amount=MoneyMessage(currency="CNY", minor_units=10_019),
        instrument=APPROVED,
    )


def refund_request(order_id: str) -> pb.RefundPaymentRequest:
    # What the saga sends: the refund id is derived from the order.
    refund_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"refund:{order_id}"))
    return pb.RefundPaymentRequest(
        idempotency_key=f"refund-{order_id}",
        order_id=order_id,
        refund_id=refund_id,
        reason="order cancelled",
    )


async def test_a_refund_overtaking_a_slow_capture_voids_the_order_and_the_charge_goes_back(
    database: Database,
) -> None:
    provider = HeldProvider()
    service = PaymentService(partial(SqlPaymentsUnitOfWork, database), provider, TARIFF, 5.0)
    order_id = ids()
    capture = asyncio.ensure_future(service.CapturePayment(capture_request(order_id), None))
    await asyncio.wait_for(provider.charging.wait(), 10)

    with pytest.raises(NotFound, match="nothing to refund"):
        await service.RefundPayment(refund_request(order_id), None)
    with pytest.raises(NotFound):
        await service.RefundPayment(refund_request(order_id), None)
    provider.let_go.set()
    with pytest.raises(OrderCancelled, match=f"order {order_id} was cancelled"):
        await asyncio.wait_for(capture, 10)
    with pytest.raises(OrderCancelled):
        await service.CapturePayment(capture_request(order_id), None)

    assert provider.charged == {}
    async with SqlPaymentsUnitOfWork(database) as uow:
        payment = await get_payment(order_id, uow)
    assert (payment.status, payment.version, payment.captured) == (
        PaymentStatus.VOIDED,
        1,
        Money.zero(""),
    )


async def test_a_capture_recorded_before_the_refund_is_refunded_in_full_as_before(
    database: Database,
) -> None:
    provider = HeldProvider()
    provider.let_go.set()
    service = PaymentService(partial(SqlPaymentsUnitOfWork, database), provider, TARIFF, 5.0)
    order_id = ids()
    request = capture_request(order_id)
    another_key = pb.CapturePaymentRequest()
    another_key.CopyFrom(request)
    another_key.idempotency_key = ids()

    captured = (await service.CapturePayment(request, None)).payment
    refunded = await service.RefundPayment(refund_request(order_id), None)
    replayed = (await service.CapturePayment(request, None)).payment
    with pytest.raises(OrderCancelled, match="refunded in full"):
        await service.CapturePayment(another_key, None)

    assert (refunded.payment.status, refunded.refund.amount.minor_units) == (
        pb.PAYMENT_STATUS_REFUNDED,
        10_019,
    )
    assert replayed == captured
    assert set(provider.charged) == {captured.charge_id}
