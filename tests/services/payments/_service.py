"""The payments service as a real process for the tests, and its events read back from Kafka.

Started with `mercato serve payments`, configured only by environment variables, trusting a
LocalIssuer's signing key; stopped with SIGTERM (SIGKILL if it hangs).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from kafka import KafkaConsumer, TopicPartition

from mercato.common.v1.money_pb2 import Money
from mercato.payments.v1 import payments_pb2 as pb
from mercato.payments.v1 import payments_pb2_grpc
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.testing import LocalIssuer
from tests.support.services import ServiceProcess, service_database

APPROVED, DECLINED = "4242424242424242", "4000000000000002"
TIMES_OUT, FAILS_AFTER_DELAY = "4000000000000408", "4000000000000119"

SETTINGS = {
    "PAYMENTS_COMMISSION_RATES": "standard=500,flagship=300",
    "PAYMENTS_PROCESSING_FEE_BPS": "60",
    "PAYMENTS_PROVIDER_TIMEOUT_MS": "500",
    "PAYMENTS_PROVIDER_FAILURE_DELAY_MS": "50",
}

ESCROW_SCOPES = ["payments:capture"]
"""What the order saga's token holds (identity's catalogue: capture, release and refund)."""


class RunningPayments(ServiceProcess):
    """`mercato serve payments` with a stub on its channel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stub = payments_pb2_grpc.PaymentServiceStub(self.channel)


@contextmanager
def running_payments(
    database_url: str, kafka_bootstrap_servers: str, issuer: LocalIssuer, workdir: Path
) -> Iterator[RunningPayments]:
    settings = {
        **SETTINGS,
        "PAYMENTS_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
        "AUTH_TRUSTED_KEYS": issuer.trusted_keys(),
    }
    service = RunningPayments.start("payments", settings, workdir)
    try:
        yield service
    finally:
        service.stop()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new PostgreSQL database on the session's server for one test module, then dropped."""
    with service_database("postgresql", server_url, Path(), "payments") as url:
        yield url


class EventLog:
    """Payments' events as a partner reads them: every partition of its topics, from the end
    they had when the log was opened, gathered by key (the aggregate id)."""

    KINDS = (
        "payments.payment",
        "payments.payout",
        "payments.budget",
        "payments.app_charge",
        "payments.vendor_payout",
    )

    def __init__(self, bootstrap_servers: str) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None
        )
        partitions = []
        for kind in self.KINDS:
            topic = topic_for(kind)
            found = self._consumer.partitions_for_topic(topic) or set()
            assert found, f"topic {topic} is missing"
            partitions += [TopicPartition(topic, partition) for partition in sorted(found)]
        self._consumer.assign(partitions)
        self._consumer.seek_to_end()
        for partition in partitions:
            self._consumer.position(partition)
        self._by_key: dict[str, list[EventEnvelope]] = {}

    def of(
        self,
        key: str,
        until: Callable[[list[EventEnvelope]], bool],
        timeout: float = 60,
    ) -> list[EventEnvelope]:
        """The key's events, once `until` holds for them (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        while not until(self._by_key.get(key, [])) and time.monotonic() < deadline:
            for records in self._consumer.poll(timeout_ms=300).values():
                for record in records:
                    envelope = EventEnvelope.from_bytes(record.value)
                    self._by_key.setdefault(record.key.decode(), []).append(envelope)
        found = list(self._by_key.get(key, []))
        assert until(found), f"events of {key} never arrived: {[e.event_type for e in found]}"
        return found

    def through(self, key: str, event: type[Message], timeout: float = 60) -> list[EventEnvelope]:
        """The key's events up to and including the first of type `event`."""
        name = event.DESCRIPTOR.full_name
        found = self.of(key, lambda events: any(e.event_type == name for e in events), timeout)
        last = next(i for i, e in enumerate(found) if e.event_type == name)
        return found[: last + 1]

    def close(self) -> None:
        self._consumer.close()


def ids() -> str:
    return str(uuid.uuid4())


def cny(minor_units: int, currency: str = "CNY") -> Money:
    return Money(currency=currency, minor_units=minor_units)


def capture_request(
    order_id: str | None = None,
    *,
    minor_units: int = 10_019,
    currency: str = "CNY",
    instrument: str = APPROVED,
    tier: pb.ShopTier = pb.SHOP_TIER_STANDARD,
    seller_id: str | None = None,
    buyer_id: str | None = None,
    key: str | None = None,
) -> pb.CapturePaymentRequest:
    return pb.CapturePaymentRequest(
        idempotency_key=key or ids(),
        order_id=order_id or ids(),
        buyer_id=buyer_id or ids(),
        seller_id=seller_id or ids(),
        shop_id=ids(),
        shop_tier=tier,
        amount=cny(minor_units, currency),
        instrument=instrument,
    )


def types_of(events: list[EventEnvelope]) -> list[str]:
    return [event.event_type.rpartition(".")[2] for event in events]
