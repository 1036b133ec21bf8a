"""The ledger killed with SIGKILL mid-stream and started again posts every event exactly once
(on PostgreSQL, three partitions per topic), and a replay then finds the same ledger."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mercato.orders.v1 import events_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.events import EventEnvelope
from mercato_kit.testing import LocalIssuer
from tests.support.services import service_database

from ._scenario import Published, cny
from ._service import (
    counts,
    create_topics,
    ledger_cli,
    publish,
    snapshot_of,
    start_ledger,
    unique_topics,
    wait_for_counts,
)

pytestmark = pytest.mark.infra

ORDERS = 300


def _event(kind: str, key: str, payload: object) -> Published:
    envelope = EventEnvelope.new(
        payload,  # type: ignore[arg-type]
        aggregate_type=kind,
        aggregate_id=key,
        aggregate_version=1,
        producer="tests",
    )
    return Published(kind, envelope)


def _order(n: int, seller: str) -> list[Published]:
    order, amount = str(uuid.uuid4()), 1000 + n
    fee, commission = amount * 60 // 10000, amount * 500 // 10000
    return [
        _event(
            "payments.payment", order, payments.PaymentCaptured(order_id=order, amount=cny(amount))
        ),
        _event(
            "payments.payment",
            order,
            payments.ProcessingFeeCharged(order_id=order, gross=cny(amount), fee=cny(fee)),
        ),
        _event("orders.order", order, orders.OrderPaid(order_id=order, amount=cny(amount))),
        _event(
            "payments.payment",
            order,
            payments.EscrowReleased(
                order_id=order,
                seller_id=seller,
                gross=cny(amount),
                commission=cny(commission),
                seller_net=cny(amount - commission),
            ),
        ),
        _event("orders.order", order, orders.OrderCompleted(order_id=order, amount=cny(amount))),
    ]


@pytest.fixture
def database_url(postgres_url: str, tmp_path: Path) -> Iterator[str]:
    with service_database("postgresql", postgres_url, tmp_path, "ledger") as url:
        yield url


def test_a_ledger_killed_mid_stream_posts_every_event_exactly_once(
    database_url: str, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    topics, issuer, seller = unique_topics(), LocalIssuer(), str(uuid.uuid4())
    create_topics(kafka_bootstrap_servers, topics)
    events = [event for n in range(ORDERS) for event in _order(n, seller)]
    publish(kafka_bootstrap_servers, topics, events)
    expected = (3 * ORDERS, 2 * ORDERS)
    small_batches = {"LEDGER_CONSUMER_BATCH": "5"}
    first = start_ledger(
        database_url, kafka_bootstrap_servers, topics, issuer, tmp_path, **small_batches
    )
    deadline = time.monotonic() + 120
    while counts(database_url)[0] < 30 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert first.kill() == -9
    posted_when_killed = counts(database_url)
    assert 0 < posted_when_killed[0] < expected[0], "the kill was not mid-stream"

    second = start_ledger(database_url, kafka_bootstrap_servers, topics, issuer, tmp_path)
    try:
        wait_for_counts(database_url, expected)
    finally:
        assert second.stop() == 0

    snapshot = snapshot_of(database_url)
    money_events = {e.envelope.event_id for e in events if e.kind.startswith("payments.")}
    order_events = {e.envelope.event_id for e in events if e.kind == "orders.order"}
    assert set(snapshot.entries) == money_events
    assert set(snapshot.milestones) == order_events
    balances = snapshot.balances()
    amounts = [1000 + n for n in range(ORDERS)]
    assert balances[("asset:payment_clearing", "CNY")] == sum(a - a * 60 // 10000 for a in amounts)
    assert balances[("revenue:sale_commission", "CNY")] == -sum(a * 500 // 10000 for a in amounts)

    audited = ledger_cli(kafka_bootstrap_servers, database_url, topics, "audit")
    assert audited.exit_code == 0, audited.output
    assert f"hash chain: intact ({expected[0]} entries verified)" in audited.stdout
    replayed = ledger_cli(kafka_bootstrap_servers, database_url, topics, "replay")
    assert replayed.exit_code == 0, replayed.output
    assert "identical" in replayed.stdout
