"""The ledger as a real process for the tests: its own topics, events published to them, and
its database read directly.

Started with `mercato serve ledger` configured only by environment variables (LEDGER_TOPICS
names unique topics, so tests never share a log), trusting a LocalIssuer's key; stopped with
SIGTERM, or killed with SIGKILL to test recovery.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from kafka import KafkaProducer
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from typer.testing import CliRunner, Result

from mercato.ledger.v1 import ledger_pb2_grpc
from mercato_cli import app
from mercato_kit.events import TopicSpec, to_kafka_record
from mercato_kit.messaging import ensure_topics
from mercato_kit.storage import Database, sync_url
from mercato_kit.testing import LocalIssuer
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.adapters.tables import entries, milestones
from mercato_ledger.domain.replay import JournalSnapshot
from tests.support.services import ServiceProcess

from ._scenario import Published

KINDS = (
    "payments.payment",
    "payments.payout",
    "payments.budget",
    "orders.order",
    "marketing.click",
    "marketing.conversion",
    "marketing.payout",
)
"""The aggregate kinds whose topics the ledger reads (its default LEDGER_TOPICS)."""
PARTITIONS = 3


def unique_topics() -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    return {kind: f"test.ledger.{run}.{kind}" for kind in KINDS}


def create_topics(bootstrap: str, topics: Mapping[str, str]) -> None:
    specs = [TopicSpec(name, PARTITIONS) for name in topics.values()]
    asyncio.run(ensure_topics(bootstrap, specs))


def publish(bootstrap: str, topics: Mapping[str, str], events: Iterable[Published]) -> None:
    """Publish in order, keyed by aggregate id, as the relays would."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        for event in events:
            record = to_kafka_record(event.envelope, topics[event.kind])
            producer.send(record.topic, record.value, key=record.key, headers=list(record.headers))
        producer.flush(timeout=60)
    finally:
        producer.close()


class RunningLedger(ServiceProcess):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stub = ledger_pb2_grpc.LedgerServiceStub(self.channel)  # type: ignore[no-untyped-call]

    def kill(self) -> int:
        """SIGKILL: no drain, no last commit."""
        self.channel.close()
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(timeout=30)


def start_ledger(
    database_url: str,
    bootstrap: str,
    topics: Mapping[str, str],
    issuer: LocalIssuer,
    workdir: Path,
    **extra: str,
) -> RunningLedger:
    settings = {
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_TOPICS": ",".join(topics.values()),
        # One consumer group per ledger database (stable across restarts of that ledger): other
        # ledgers on the shared broker must not take a share of its partitions.
        "LEDGER_CONSUMER_GROUP_PREFIX": "ledger-"
        + hashlib.sha256(database_url.encode()).hexdigest()[:16],
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
        "AUTH_TRUSTED_KEYS": issuer.trusted_keys(),
        **extra,
    }
    return cast(RunningLedger, RunningLedger.start("ledger", settings, workdir))


def counts(database_url: str) -> tuple[int, int]:
    """(entries, order milestones) in the ledger's database (0, 0 before it is migrated)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return (
                int(connection.scalar(select(func.count()).select_from(entries)) or 0),
                int(connection.scalar(select(func.count()).select_from(milestones)) or 0),
            )
    except (OperationalError, ProgrammingError):
        return 0, 0
    finally:
        engine.dispose()


def snapshot_of(database_url: str) -> JournalSnapshot:
    async def read() -> JournalSnapshot:
        database = Database(database_url)
        try:
            async with database.read_transaction() as session:
                return await SqlJournal(session).snapshot()
        finally:
            await database.dispose()

    return asyncio.run(read())


def wait_for_counts(database_url: str, wanted: tuple[int, int], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while counts(database_url) != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    assert counts(database_url) == wanted


def ledger_cli(
    bootstrap: str, database_url: str, topics: Mapping[str, str], *args: str, columns: int = 300
) -> Result:
    """`mercato ledger <args>` in-process (the CLI finds the ledger's command group through its
    `mercato.commands` entry point), configured like the service."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_TOPICS": ",".join(topics.values()),
        "COLUMNS": str(columns),
    }
    return CliRunner().invoke(app, ["ledger", *args], env=env)
