"""The gRPC gateways: what each command asks the other service, and which fact each reply is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest

from mercato.catalog.v1 import catalog_pb2 as catalog
from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato.common.v1 import money_pb2
from mercato.logistics.v1 import shipment_pb2 as logistics
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.money import Money
from mercato_orders.adapters.gateways import GrpcCatalog, GrpcLogistics, GrpcPayments
from mercato_orders.application.ports import StepUnanswered
from mercato_orders.domain import ShippingAddress
from mercato_orders.domain.saga import (
    CapturePayment,
    CreateShipment,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    RefundPayment,
    ReleaseReservation,
    ReservationRejected,
    ReserveStock,
    ShipmentCreated,
    StockReleased,
    StockReserved,
    refund_id,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ORDER = "0190f0a0-0000-7000-8000-000000000001"
TOKEN = [("authorization", "Bearer service-token")]


def clock() -> datetime:
    return T0


async def credentials() -> list[tuple[str, str]]:
    return TOKEN


def rpc_error(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "said no")


class Stub:
    """Answers each method with a reply or an error, and keeps what it was asked."""

    def __init__(self, **answers: object) -> None:
        self.answers = answers
        self.requests: list[tuple[str, Any, Any]] = []

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def method(request: Any, *, metadata: Any, **options: Any) -> Any:
            self.requests.append((name, request, metadata))
            answer = self.answers[name]
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return method


def reservation(status: int, **fields: Any) -> catalog_api.ReserveStockResponse:
    return catalog_api.ReserveStockResponse(
        reservation=catalog.Reservation(order_id=ORDER, status=status, **fields)  # type: ignore[arg-type]
    )


async def test_a_reservation_asks_for_every_line_with_the_steps_key_and_the_service_token() -> None:
    stub = Stub(ReserveStock=reservation(catalog.RESERVATION_STATUS_HELD))
    fact = await GrpcCatalog(stub, credentials, clock).reserve(
        ReserveStock("orders:o:reserve-stock", ORDER, (("sku-a", 2), ("sku-b", 1)))
    )

    assert fact == StockReserved(ORDER, T0)
    name, request, metadata = stub.requests[0]
    assert name == "ReserveStock"
    assert request.idempotency_key == "orders:o:reserve-stock"
    assert [(line.sku_id, line.quantity) for line in request.lines] == [("sku-a", 2), ("sku-b", 1)]
    assert metadata == TOKEN


async def test_a_rejected_reservation_is_a_rejection_naming_the_shortage() -> None:
    shortage = catalog.Shortage(sku_id="sku-a", requested=2, available=0)
    stub = Stub(ReserveStock=reservation(catalog.RESERVATION_STATUS_REJECTED, shortages=[shortage]))
    fact = await GrpcCatalog(stub, credentials, clock).reserve(
        ReserveStock("k", ORDER, (("sku-a", 2),))
    )
    assert fact == ReservationRejected(ORDER, T0, "sku-a: 0 of 2 available")


@pytest.mark.parametrize(
    ("answer", "fact"),
    [
        (
            catalog_api.ReleaseReservationResponse(
                reservation=catalog.Reservation(status=catalog.RESERVATION_STATUS_RELEASED)
            ),
            StockReleased(ORDER, T0),
        ),
        (rpc_error(grpc.StatusCode.NOT_FOUND), StockReleased(ORDER, T0)),
        (rpc_error(grpc.StatusCode.FAILED_PRECONDITION), StockReleased(ORDER, T0)),
    ],
    ids=["released", "never-reserved", "refused"],
)
async def test_a_release_ends_with_nothing_held_whatever_catalog_had(
    answer: object, fact: object
) -> None:
    stub = Stub(ReleaseReservation=answer)
    got = await GrpcCatalog(stub, credentials, clock).release(ReleaseReservation("k", ORDER))
    assert got == fact


@pytest.mark.parametrize(
    "code",
    [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL],
)
async def test_no_answer_is_a_step_to_send_again(code: grpc.StatusCode) -> None:
    stub = Stub(ReserveStock=rpc_error(code))
    with pytest.raises(StepUnanswered):
        await GrpcCatalog(stub, credentials, clock).reserve(ReserveStock("k", ORDER, (("s", 1),)))


CAPTURE = CapturePayment(
    "orders:o:capture-payment",
    ORDER,
    buyer_id="b",
    seller_id="s",
    shop_id="shop",
    shop_tier="flagship",
    amount=Money(minor_units=25_00, currency="CNY"),
)


async def instrument_of(order_id: str) -> str:
    return "4242424242424242"


def payment(**fields: Any) -> payments.Payment:
    return payments.Payment(order_id=ORDER, **fields)


async def test_a_capture_charges_the_kept_instrument_for_the_recorded_total() -> None:
    captured = money_pb2.Money(currency="CNY", minor_units=25_00)
    stub = Stub(
        CapturePayment=payments.CapturePaymentResponse(
            payment=payment(status=payments.PAYMENT_STATUS_CAPTURED, captured=captured)
        )
    )
    fact = await GrpcPayments(stub, credentials, clock, instrument_of).capture(CAPTURE)

    assert fact == PaymentCaptured(ORDER, T0, Money(minor_units=25_00, currency="CNY"))
    request = stub.requests[0][1]
    assert request.instrument == "4242424242424242"
    assert request.shop_tier == payments.SHOP_TIER_FLAGSHIP
    assert (request.amount.currency, request.amount.minor_units) == ("CNY", 25_00)


async def test_a_declined_capture_is_a_decline_with_its_reason() -> None:
    stub = Stub(
        CapturePayment=payments.CapturePaymentResponse(
            payment=payment(
                status=payments.PAYMENT_STATUS_DECLINED,
                decline_reason=payments.DECLINE_REASON_CARD_DECLINED,
            )
        )
    )
    fact = await GrpcPayments(stub, credentials, clock, instrument_of).capture(CAPTURE)
    assert fact == PaymentDeclined(ORDER, T0, "card declined")


async def test_a_refund_reports_what_its_refund_id_gave_back() -> None:
    rid = refund_id(ORDER)
    refunded = payments.Refund(
        refund_id=rid, amount=money_pb2.Money(currency="CNY", minor_units=25_00)
    )
    stub = Stub(
        RefundPayment=payments.RefundPaymentResponse(
            payment=payment(
                amount=money_pb2.Money(currency="CNY", minor_units=25_00), refunds=[refunded]
            )
        )
    )
    fact = await GrpcPayments(stub, credentials, clock, instrument_of).refund(
        RefundPayment("orders:o:refund", ORDER, rid, "parcel lost")
    )
    assert fact == PaymentRefunded(ORDER, T0, Money(minor_units=25_00, currency="CNY"))
    assert stub.requests[0][1].refund_id == rid


async def test_a_refund_of_an_order_never_captured_gives_back_nothing() -> None:
    stub = Stub(RefundPayment=rpc_error(grpc.StatusCode.NOT_FOUND))
    fact = await GrpcPayments(stub, credentials, clock, instrument_of).refund(
        RefundPayment("k", ORDER, refund_id(ORDER), "")
    )
    assert isinstance(fact, PaymentRefunded)
    assert fact.amount.minor_units == 0


async def test_a_shipment_goes_to_the_orders_address_with_its_weight() -> None:
    stub = Stub(
        CreateShipment=logistics.CreateShipmentResponse(
            shipment=logistics.Shipment(shipment_id="s-1")
        )
    )
    command = CreateShipment(
        "orders:o:create-shipment",
        ORDER,
        buyer_id="b",
        seller_id="s",
        destination=ShippingAddress("CN-ZJ", "Hangzhou", "310000", "1 West Lake Road", "Li Lei"),
        weight_grams=750,
        declared_value=Money(minor_units=25_00, currency="CNY"),
    )
    fact = await GrpcLogistics(stub, credentials, clock).create_shipment(command)

    assert fact == ShipmentCreated(ORDER, T0, "s-1")
    request = stub.requests[0][1]
    assert request.destination.region == "CN-ZJ"
    assert request.parcel.weight_grams == 750
