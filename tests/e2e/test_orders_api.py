"""The OrderService's edge, end to end: idempotent placement, bad input, and who may see what."""

from __future__ import annotations

import uuid

import grpc
import pytest

from mercato.orders.v1 import orders_pb2 as orders
from tests.support.ecosystem import APPROVED, FINAL, HANGZHOU, Ecosystem, key

pytestmark = pytest.mark.timeout(600)
INVALID = grpc.StatusCode.INVALID_ARGUMENT


def buyer_orders(world: Ecosystem, buyer: object) -> list[str]:
    answer = world.orders.ListBuyerOrders(
        orders.ListBuyerOrdersRequest(),
        metadata=buyer.metadata,  # type: ignore[attr-defined]
    )
    return [order.order_id for order in answer.orders]


def test_the_same_place_order_key_twice_places_one_order(world: Ecosystem) -> None:
    seller = world.seller(stock=10)
    buyer = world.buyer()
    same = key()

    first = world.place(buyer, seller.line(quantity=2), idempotency_key=same)
    again = world.place(buyer, seller.line(quantity=2), idempotency_key=same)

    assert again == first
    assert buyer_orders(world, buyer) == [first]
    world.wait_for(buyer, first, orders.ORDER_STATUS_PAID)
    assert (
        world.payment(first).captured.minor_units
        == world.order(buyer, first).order.total.minor_units
    )
    with pytest.raises(grpc.RpcError) as reused:
        world.place(buyer, seller.line(quantity=5), idempotency_key=same)
    assert reused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "idempotency_key" in (reused.value.details() or "")
    # Paid, so the reservation of 2 was committed: sold once, not twice.
    sku = world.sku(seller)
    assert (sku.available, sku.reserved) == (8, 0)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (lambda r: r.ClearField("lines"), grpc.StatusCode.INVALID_ARGUMENT, "lines"),
        (
            lambda r: setattr(r.lines[0], "quantity", 0),
            grpc.StatusCode.INVALID_ARGUMENT,
            "quantity",
        ),
        (
            lambda r: setattr(r, "instrument", "not-a-card"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "instrument",
        ),
        (
            lambda r: r.ClearField("shipping_address"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "shipping_address",
        ),
        (
            lambda r: setattr(r.lines[0], "sku_id", str(uuid.uuid4())),
            grpc.StatusCode.FAILED_PRECONDITION,
            "lines[0].sku_id",
        ),
    ],
    ids=["no lines", "zero quantity", "bad instrument", "no address", "unknown sku"],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    world: Ecosystem, change: object, code: grpc.StatusCode, field: str
) -> None:
    seller = world.seller(stock=10)
    buyer = world.buyer()
    request = orders.PlaceOrderRequest(
        idempotency_key=key(),
        lines=[seller.line(quantity=1)],
        shipping_address=HANGZHOU,
        instrument=APPROVED,
    )
    change(request)  # type: ignore[operator]

    with pytest.raises(grpc.RpcError) as refused:
        world.orders.PlaceOrder(request, metadata=buyer.metadata)

    assert refused.value.code() == code
    assert field in (refused.value.details() or "")
    assert "Traceback" not in (refused.value.details() or "")
    assert buyer_orders(world, buyer) == []
    assert world.sku(seller).available == 10


def test_a_buyer_cannot_see_or_act_on_another_buyers_order(world: Ecosystem) -> None:
    seller = world.seller()
    owner, stranger = world.buyer(), world.buyer()
    order_id = world.place(owner, seller.line())
    world.wait_for(owner, order_id, orders.ORDER_STATUS_PAID)

    with pytest.raises(grpc.RpcError) as hidden:
        world.order(stranger, order_id)
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as refused:
        world.orders.CancelOrder(
            orders.CancelOrderRequest(idempotency_key=key(), order_id=order_id),
            metadata=stranger.metadata,
        )
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert buyer_orders(world, stranger) == []
    assert world.order(owner, order_id).order.status == orders.ORDER_STATUS_PAID
    # The seller sees it among the shop's orders; the buyer needs a token at all.
    shop = world.orders.ListShopOrders(
        orders.ListShopOrdersRequest(shop_id=seller.shop.shop_id),
        metadata=seller.signed_in.metadata,
    )
    assert [order.order_id for order in shop.orders] == [order_id]
    with pytest.raises(grpc.RpcError) as anonymous:
        world.orders.GetOrder(orders.GetOrderRequest(order_id=order_id))
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_shops_orders_are_its_sellers_alone_and_an_unknown_shop_looks_the_same(
    world: Ecosystem,
) -> None:
    seller, rival = world.seller(), world.seller()
    buyer = world.buyer()
    world.wait_for(buyer, world.place(buyer, seller.line()), orders.ORDER_STATUS_PAID)

    answers = []
    for shop_id in (seller.shop.shop_id, str(uuid.uuid4())):
        with pytest.raises(grpc.RpcError) as refused:
            world.orders.ListShopOrders(
                orders.ListShopOrdersRequest(shop_id=shop_id), metadata=rival.signed_in.metadata
            )
        details = (refused.value.details() or "").replace(shop_id, "S")
        answers.append((refused.value.code(), details))

    assert answers[0] == answers[1] == (grpc.StatusCode.NOT_FOUND, "shop S does not exist")


def test_the_buyer_cancels_before_dispatch_and_gets_the_money_back(world: Ecosystem) -> None:
    seller = world.seller(stock=4)
    buyer = world.buyer()
    order_id = world.place(buyer, seller.line(quantity=4))
    world.wait_for(buyer, order_id, orders.ORDER_STATUS_PAID)

    world.orders.CancelOrder(
        orders.CancelOrderRequest(idempotency_key=key(), order_id=order_id, reason="changed mind"),
        metadata=buyer.metadata,
    )
    cancelled = world.wait_for(buyer, order_id, *FINAL)

    assert cancelled.status == orders.ORDER_STATUS_CANCELLED
    assert world.payment(order_id).refunded.minor_units == cancelled.total.minor_units
    sku = world.sku(seller)
    assert (sku.available, sku.reserved) == (4, 0)
