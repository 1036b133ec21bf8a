"""The payments service as a real process for the tests, and its events read back from Kafka.

Started with `mercato serve payments`, configured only by environment variables, trusting a
LocalIssuer's signing key; stopped with SIGTERM (SIGKILL if it hangs).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato.common.v1.money_pb2 import Money
from mercato.payments.v1 import payments_pb2 as pb
from mercato.payments.v1 import payments_pb2_grpc
from mercato_kit.auth import LocalIssuer
from mercato_kit.events import EventEnvelope, topic_for
from mercato_localinfra._process import free_port

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


class RunningPayments:
    def __init__(self, process: subprocess.Popen[bytes], address: str, log: Path) -> None:
        self.process, self.address, self.log = process, address, log
        self.channel = grpc.insecure_channel(address)
        self.stub = payments_pb2_grpc.PaymentServiceStub(self.channel)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_serving(service: RunningPayments, timeout: float = 90) -> None:
    health = health_pb2_grpc.HealthStub(service.channel)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.process.poll() is None, service.logs()[-3000:]
        try:
            answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
            if answer.status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.RpcError:
            pass
        time.sleep(0.2)
    raise AssertionError("payments never answered SERVING:\n" + service.logs()[-3000:])


@contextmanager
def running_payments(
    database_url: str, kafka_bootstrap_servers: str, issuer: LocalIssuer, workdir: Path
) -> Iterator[RunningPayments]:
    address = f"127.0.0.1:{free_port()}"
    env = dict(
        os.environ,
        **SETTINGS,
        PAYMENTS_GRPC_ADDR=address,
        PAYMENTS_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        AUTH_TRUSTED_KEYS=issuer.trusted_keys(),
    )
    env.pop("DATABASE_URL", None)
    log = workdir / "payments.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mercato_cli", "serve", "payments"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    service = RunningPayments(process, address, log)
    try:
        _wait_serving(service)
        yield service
    finally:
        service.channel.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new PostgreSQL database on the session's server for one test module, then dropped."""
    name = f"test_payments_{uuid.uuid4().hex[:12]}"
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


class EventLog:
    """Payments' events as a partner reads them: every partition of its topics, from the end
    they had when the log was opened, gathered by key (the aggregate id)."""

    KINDS = ("payments.payment", "payments.payout", "payments.budget")

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
