"""The gRPC servicer and the Kafka consumer in process, on SQLite, with fakes for the other
services: requests become commands in the orders unit of work, once per caller and key, and the
saga runs once the transaction has committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from mercato.logistics.v1 import events_pb2 as logistics
from mercato.orders.v1 import orders_pb2 as pb
from mercato_kit.auth import Caller, bind_caller
from mercato_kit.errors import IdempotencyKeyReused, NotFound
from mercato_kit.events import EventEnvelope
from mercato_kit.protobuf import timestamp_message
from mercato_kit.storage import Database, migrate
from mercato_orders.adapters.store import OrderKeeping, orders_in
from mercato_orders.adapters.unit_of_work import SqlInstruments
from mercato_orders.application.admission import Admission
from mercato_orders.application.handlers import order_id_for
from mercato_orders.bootstrap import MIGRATIONS
from mercato_orders.domain import IllegalTransition, OrderNotFound
from mercato_orders.domain.saga import ShipmentDispatched
from mercato_orders.entrypoints.consumer import SagaReactions
from mercato_orders.entrypoints.grpc_api import OrderService
from tests.services.orders._fakes import APPROVED, FakePrices
from tests.services.orders._world import TEA, World

SCOPES = frozenset({"orders:read", "orders:write"})


def account(subject: str, role: str) -> Caller:
    return Caller(
        subject=subject,
        kind="account",
        roles=frozenset({role}),
        scopes=SCOPES,
        token_id=f"t-{subject}",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )


BUYER = account("buyer-1", "buyer")
OTHER_BUYER = account("buyer-2", "buyer")
SELLER = account("seller-1", "seller")
OTHER_SELLER = account("seller-2", "seller")
OPERATOR = account("operator-1", "operator")


async def no_count() -> int:
    raise AssertionError("without a limit, nothing is counted")


@dataclass
class Edge:
    database: Database
    world: World
    service: OrderService
    instruments: SqlInstruments
    keeping: OrderKeeping


@pytest.fixture
async def edge(fresh_sqlite_url: str) -> AsyncIterator[Edge]:
    await asyncio.to_thread(migrate, fresh_sqlite_url)
    await asyncio.to_thread(
        migrate, fresh_sqlite_url, versions=MIGRATIONS, version_table="orders_alembic_version"
    )
    database = Database(fresh_sqlite_url)
    world = World()
    units = world.on(database)
    service = OrderService(
        units,
        FakePrices([TEA]),
        world.runner,
        world.runner.saga,
        Admission(no_count, 0),
        world.clock,
    )
    try:
        yield Edge(database, world, service, SqlInstruments(units), units.keywords["keeping"])
    finally:
        await database.dispose()


def place_request(key: str = "key-1", quantity: int = 2) -> pb.PlaceOrderRequest:
    return pb.PlaceOrderRequest(
        idempotency_key=key,
        lines=[pb.OrderLineRequest(sku_id="sku-tea", product_id="p-tea", quantity=quantity)],
        shipping_address=pb.ShippingAddress(
            region="CN-ZJ",
            city="Hangzhou",
            postal_code="310000",
            street_address="1 West Lake Road",
            recipient_name="Li Lei",
        ),
        instrument=APPROVED,
    )


async def place(edge: Edge, caller: Caller, request: pb.PlaceOrderRequest) -> pb.PlaceOrderResponse:
    # The fake payments service reads the instrument from its own map; the edge keeps it in
    # the orders database, checked below.
    order_id = order_id_for(caller.subject, request.idempotency_key)
    edge.world.payments.instruments[order_id] = request.instrument
    with bind_caller(caller):
        return await edge.service.PlaceOrder(request, None)  # type: ignore[arg-type]


async def test_a_placed_order_runs_the_saga_and_a_retry_names_the_same_order(edge: Edge) -> None:
    first = await place(edge, BUYER, place_request())
    again = await place(edge, BUYER, place_request())
    other_buyer = await place(edge, OTHER_BUYER, place_request())

    assert again == first
    assert first.order_id == order_id_for("buyer-1", "key-1")
    assert other_buyer.order_id != first.order_id
    assert first.status == pb.ORDER_STATUS_PLACED
    assert await edge.instruments.of(first.order_id) == APPROVED
    charged = [order_id for order_id, _ in edge.world.payments.charges]
    assert charged == [first.order_id, other_buyer.order_id]
    with bind_caller(BUYER), pytest.raises(IdempotencyKeyReused):
        await edge.service.PlaceOrder(place_request(quantity=3), None)  # type: ignore[arg-type]


async def test_the_buyer_and_the_seller_read_and_list_the_order(edge: Edge) -> None:
    placed = await place(edge, BUYER, place_request())

    with bind_caller(BUYER):
        got = await edge.service.GetOrder(pb.GetOrderRequest(order_id=placed.order_id), None)  # type: ignore[arg-type]
        mine = await edge.service.ListBuyerOrders(pb.ListBuyerOrdersRequest(), None)  # type: ignore[arg-type]
    with bind_caller(SELLER):
        shop = await edge.service.ListShopOrders(
            pb.ListShopOrdersRequest(shop_id="shop-1"),
            None,  # type: ignore[arg-type]
        )
    with bind_caller(OTHER_BUYER), pytest.raises(OrderNotFound):
        await edge.service.GetOrder(pb.GetOrderRequest(order_id=placed.order_id), None)  # type: ignore[arg-type]

    # Another seller's shop and an unknown shop answer alike: nothing tells them apart.
    for shop_id in ("shop-1", "shop-unknown"):
        with bind_caller(OTHER_SELLER), pytest.raises(NotFound) as refused:
            await edge.service.ListShopOrders(
                pb.ListShopOrdersRequest(shop_id=shop_id),
                None,  # type: ignore[arg-type]
            )
        assert refused.value.message == f"shop {shop_id} does not exist"

    assert got.order.status == pb.ORDER_STATUS_PAID
    assert [entry.event for entry in got.timeline][:3] == [
        "OrderPlaced",
        "OrderConfirmed",
        "OrderPaid",
    ]
    assert [order.order_id for order in mine.orders] == [placed.order_id]
    assert [order.order_id for order in shop.orders] == [placed.order_id]


async def test_an_operator_reads_any_order_with_its_timeline_and_shipment(edge: Edge) -> None:
    placed = await place(edge, BUYER, place_request())

    with bind_caller(BUYER):
        the_buyers = await edge.service.GetOrder(pb.GetOrderRequest(order_id=placed.order_id), None)  # type: ignore[arg-type]
    with bind_caller(OPERATOR):
        the_operators = await edge.service.GetOrder(
            pb.GetOrderRequest(order_id=placed.order_id),
            None,  # type: ignore[arg-type]
        )
        with pytest.raises(OrderNotFound):
            await edge.service.GetOrder(pb.GetOrderRequest(order_id=order_id_for("x", "y")), None)  # type: ignore[arg-type]

    assert the_operators == the_buyers
    assert the_operators.order.shipment_id


async def test_the_buyer_cancels_once_per_key_and_is_refunded(edge: Edge) -> None:
    placed = await place(edge, BUYER, place_request())
    request = pb.CancelOrderRequest(idempotency_key="cancel-1", order_id=placed.order_id)

    with bind_caller(BUYER):
        first = await edge.service.CancelOrder(request, None)  # type: ignore[arg-type]
        again = await edge.service.CancelOrder(request, None)  # type: ignore[arg-type]
        got = await edge.service.GetOrder(pb.GetOrderRequest(order_id=placed.order_id), None)  # type: ignore[arg-type]

    assert first == again
    assert first.order.status == pb.ORDER_STATUS_CANCELLING
    assert got.order.status == pb.ORDER_STATUS_CANCELLED
    assert len(edge.world.payments.refunds) == 1


async def test_an_event_is_recorded_in_the_consumers_transaction_and_acted_on_after(
    edge: Edge,
) -> None:
    placed = await place(edge, BUYER, place_request())
    await edge.world.runner.react(ShipmentDispatched(placed.order_id, edge.world.clock(), "s-1"))
    reactions = SagaReactions(edge.world.runner, orders_in(edge.database, edge.keeping))
    delivered = EventEnvelope.new(
        logistics.ShipmentDelivered(
            order_id=placed.order_id, delivered_at=timestamp_message(edge.world.clock())
        ),
        aggregate_type="logistics.shipment",
        aggregate_id="s-1",
        aggregate_version=3,
        producer="test",
        occurred_at=edge.world.clock(),
    )
    unknown = EventEnvelope.new(
        logistics.ShipmentDelivered(order_id="o-404"),
        aggregate_type="logistics.shipment",
        aggregate_id="s-404",
        aggregate_version=3,
        producer="test",
        occurred_at=edge.world.clock(),
    )

    async with edge.database.transaction() as session:
        await reactions(session, delivered, None)  # type: ignore[arg-type]
        await reactions(session, unknown, None)  # type: ignore[arg-type]

    with bind_caller(BUYER):
        got = await edge.service.GetOrder(pb.GetOrderRequest(order_id=placed.order_id), None)  # type: ignore[arg-type]
        confirm = pb.ConfirmReceiptRequest(idempotency_key="confirm-1", order_id=placed.order_id)
        await edge.service.ConfirmReceipt(confirm, None)  # type: ignore[arg-type]
        done = await edge.service.GetOrder(pb.GetOrderRequest(order_id=placed.order_id), None)  # type: ignore[arg-type]
    assert got.order.status == pb.ORDER_STATUS_DELIVERED
    assert done.order.status == pb.ORDER_STATUS_COMPLETED


async def test_a_refund_before_delivery_is_refused_and_changes_nothing(edge: Edge) -> None:
    placed = await place(edge, BUYER, place_request())
    refund = pb.RequestRefundRequest(
        idempotency_key="refund-1", order_id=placed.order_id, reason="impatient"
    )
    with bind_caller(BUYER):
        with pytest.raises(IllegalTransition):
            await edge.service.RequestRefund(refund, None)  # type: ignore[arg-type]
        got = await edge.service.GetOrder(pb.GetOrderRequest(order_id=placed.order_id), None)  # type: ignore[arg-type]
    assert got.order.status == pb.ORDER_STATUS_PAID
