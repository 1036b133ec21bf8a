"""`mercato verify` reconciles the running services from the log and their public APIs."""

from __future__ import annotations

import uuid

import pytest
from kafka import KafkaProducer

from mercato.common.v1 import money_pb2
from mercato.orders.v1 import orders_pb2 as orders
from mercato.payments.v1 import payments_pb2
from mercato_cli.verify import Finding, Scope, run_checks
from mercato_kit.events import EventEnvelope, topic_for
from tests.services.logistics._support import delivered, dispatched
from tests.support.ecosystem import DECLINED, FINAL, Ecosystem

pytestmark = pytest.mark.timeout(600)


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {finding.check: finding for finding in findings}


def reconcile(world: Ecosystem, order_ids: set[str], product_ids: set[str]) -> dict[str, Finding]:
    findings = run_checks(
        world.kafka,
        world.services["ledger"].address,
        world.services["catalog"].address,
        world.operator.metadata,
        settle=60,
        group_prefixes=[world.service_env["ledger"]["LEDGER_CONSUMER_GROUP_PREFIX"]],
        scope=Scope(frozenset(order_ids), frozenset(product_ids)),
    )
    return by_check(findings)


def test_verify_holds_for_completed_cancelled_and_open_orders(world: Ecosystem) -> None:
    seller = world.seller(stock=20)
    buyer = world.buyer()
    completed = world.place(buyer, seller.line(quantity=2))
    world.wait_for(buyer, completed, orders.ORDER_STATUS_PAID)
    shipment = world.shipment_of(completed)
    world.track(dispatched(shipment.shipment_id))
    world.wait_for(buyer, completed, orders.ORDER_STATUS_SHIPPED)
    world.track(delivered(shipment.shipment_id))
    world.wait_for(buyer, completed, orders.ORDER_STATUS_DELIVERED)
    world.orders.ConfirmReceipt(
        orders.ConfirmReceiptRequest(idempotency_key="confirm", order_id=completed),
        metadata=buyer.metadata,
    )
    world.wait_for(buyer, completed, *FINAL)
    declined = world.place(buyer, seller.line(quantity=1), card=DECLINED)
    world.wait_for(buyer, declined, *FINAL)
    open_order = world.place(buyer, seller.line(quantity=3))
    world.wait_for(buyer, open_order, orders.ORDER_STATUS_PAID)
    world.audited()

    found = reconcile(world, {completed, declined, open_order}, {seller.product.product_id})

    assert all(finding.holds for finding in found.values()), found
    assert found["captures once"].checked == 3
    assert found["ledger once"].checked == 2
    assert found["final escrow zero"].checked == 2
    assert found["reservations"].checked == len(seller.product.skus)


def test_verify_names_an_order_captured_twice(world: Ecosystem) -> None:
    order_id = str(uuid.uuid4())
    producer = KafkaProducer(bootstrap_servers=world.kafka)
    for _ in range(2):  # two captures: two events, not one event delivered twice
        captured = payments_pb2.PaymentCaptured(
            order_id=order_id,
            buyer_id=str(uuid.uuid4()),
            seller_id=str(uuid.uuid4()),
            amount=money_pb2.Money(currency="CNY", minor_units=100),
        )
        envelope = EventEnvelope.new(
            captured,
            aggregate_type="payments.payment",
            aggregate_id=order_id,
            aggregate_version=1,
            producer="payments",
        )
        producer.send(
            topic_for("payments.payment"), key=order_id.encode(), value=envelope.to_bytes()
        )
    producer.flush()
    producer.close()

    found = reconcile(world, {order_id}, set())

    assert not found["captures once"].holds
    assert found["captures once"].violations == [f"order {order_id} was captured 2 times"]
