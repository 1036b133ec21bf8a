"""The ledger: replay (rebuild from offset zero) against Kafka's ConsumerPerformance, and the
posting rate against a raw SQLAlchemy Core insert of the same rows.

    .venv/bin/python -m bench.bench_ledger [--orders 3000] [--batch 200] [--repeats 3]
        [--backends sqlite,postgresql]

A topic of 3 partitions is filled once with `--orders` orders' money events, keyed by order id,
five per order: PaymentCaptured, ProcessingFeeCharged, OrderPaid, EscrowReleased,
OrderCompleted (three journal entries and two order milestones per order). In each repeat:

- replay: `mercato ledger replay`'s rebuild (`mercato_ledger.adapters.replay.rebuild`): one
  aiokafka reader (`LogReader`) from offset zero to the end offsets, every envelope decoded,
  deduplicated by event id, posted by the posting rules and chained by hash in memory, written
  per fetch straight to the driver (PostgreSQL: COPY; SQLite: an executemany per table) into a
  fresh store (SQLite: a temporary file, what the CLI uses by default; PostgreSQL: a fresh
  database). Timed from the reader's creation to the last commit. Baseline: ConsumerPerformance
  (kafka-tools, JVM) reading the same records from the same topic in a fresh group; it only
  fetches.
- read only (why the reader is aiokafka): `LogReader` reading the topic to its end, against a
  kafka-python `KafkaConsumer` (no group, partitions assigned, max_poll_records 5000) doing
  the same.
- posting: the same events' facts (decoded beforehand, outside the timing), `--batch` per
  transaction, into a fresh store:
  - live path: `record_fact` on `SqlJournal` per event, as the service's consumer handler does
    (append lock, head read once per transaction, the rows written before the commit in one
    executemany per table);
  - replay path: `record_fact` on `BulkJournal`, flushed once per transaction;
  - core (the baseline): the very rows the ledger writes (hashes computed beforehand), inserted
    per batch with `connection.execute(table.insert(), rows)` on a plain async engine (SQLAlchemy
    binding each row, which the ledger's own writes no longer do).
The run's topic and consumer groups are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench._harness import (
    Rate,
    consumer_performance,
    create_topic,
    delete_topics,
    fresh_postgres,
    infra_endpoints,
    load,
    machine,
    plain_engine,
    raw,
    stopwatch,
    table,
)
from mercato.common.v1.money_pb2 import Money
from mercato.orders.v1 import events_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope, to_kafka_record
from mercato_kit.storage import Database
from mercato_ledger.adapters.journal import BulkJournal, SqlJournal
from mercato_ledger.adapters.log import LogReader
from mercato_ledger.adapters.replay import migrate_ledger, rebuild
from mercato_ledger.adapters.translator import Fact, fact_from_event, source_of
from mercato_ledger.application import record_fact
from mercato_ledger.domain import Source

GROUPS: list[str] = []


def _cny(minor: int) -> Money:
    return Money(currency="CNY", minor_units=minor)


def order_events(n: int) -> list[tuple[str, Any]]:
    order, seller, amount = str(uuid.uuid4()), str(uuid.uuid4()), 1000 + n % 50_000
    fee, commission = amount * 60 // 10_000, amount * 500 // 10_000
    return [
        (order, payments.PaymentCaptured(order_id=order, seller_id=seller, amount=_cny(amount))),
        (
            order,
            payments.ProcessingFeeCharged(order_id=order, gross=_cny(amount), fee=_cny(fee)),
        ),
        (order, orders.OrderPaid(order_id=order, seller_id=seller, amount=_cny(amount))),
        (
            order,
            payments.EscrowReleased(
                order_id=order,
                seller_id=seller,
                gross=_cny(amount),
                commission=_cny(commission),
                seller_net=_cny(amount - commission),
            ),
        ),
        (order, orders.OrderCompleted(order_id=order, seller_id=seller, amount=_cny(amount))),
    ]


def fill(bootstrap: str, topic: str, count: int) -> list[tuple[Source, Fact | None]]:
    """Publish the orders' events; their (source, fact) pairs as the ledger will read them."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
    )
    sent = []
    try:
        for n in range(count):
            for key, payload in order_events(n):
                envelope = EventEnvelope.new(
                    payload,
                    aggregate_type="payments.payment",
                    aggregate_id=key,
                    aggregate_version=1,
                    producer="bench",
                )
                record = to_kafka_record(envelope, topic)
                future = producer.send(
                    topic, key=record.key, value=record.value, headers=list(record.headers)
                )
                sent.append((envelope, future))
        producer.flush(timeout=120)
    finally:
        producer.close()
    facts = []
    for envelope, future in sent:
        meta = future.get(timeout=60)
        where = ConsumedRecord(topic, meta.partition, meta.offset, None, None)
        facts.append((source_of(envelope, where), fact_from_event(envelope)))
    return facts


@contextmanager
def fresh_store(backend: str, server_url: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-ledger-") as folder:
            url = f"sqlite:///{Path(folder) / 'ledger.db'}"
            migrate_ledger(url)
            yield url
        return
    with fresh_postgres(server_url, "bench_ledger") as url:
        migrate_ledger(url)
        yield url


async def aiokafka_read_rate(bootstrap: str, topic: str) -> float:
    with stopwatch() as elapsed:
        reader = await LogReader.open(bootstrap, [topic])
        count = 0
        async for batch in reader.batches():
            count += len(batch)
        seconds = elapsed()
    await reader.close()
    return count / seconds


def kafka_python_read_rate(bootstrap: str, topic: str, records: int) -> float:
    with stopwatch() as elapsed:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            max_poll_records=5000,
        )
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        count = 0
        while count < records:
            count += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
        seconds = elapsed()
    consumer.close()
    return count / seconds


async def replay_rate(bootstrap: str, topic: str, url: str) -> float:
    database = Database(url)
    try:
        cpu = time.process_time()
        with stopwatch() as elapsed:
            reader = await LogReader.open(bootstrap, [topic])
            counts = await rebuild(reader, database)
            seconds = elapsed()
        REPLAY_CPU_US.setdefault(database.dialect, []).append(
            (time.process_time() - cpu) / counts.records * 1e6
        )
        await reader.close()
        return counts.records / seconds
    finally:
        await database.dispose()


# The process's CPU (user + sys, every thread) per record replayed, per backend: what the
# replay itself costs, far less inflated by the other load on a shared machine than its rate.
REPLAY_CPU_US: dict[str, list[float]] = {}


def _batches(
    facts: list[tuple[Source, Fact | None]], size: int
) -> Iterator[list[tuple[Source, Fact | None]]]:
    for start in range(0, len(facts), size):
        yield facts[start : start + size]


async def live_path_rate(facts: list[tuple[Source, Fact | None]], url: str, batch: int) -> float:
    database = Database(url)
    try:
        with stopwatch() as elapsed:
            for chunk in _batches(facts, batch):
                async with database.transaction() as session:
                    journal = SqlJournal(session)
                    for source, fact in chunk:
                        await record_fact(source, fact, journal)
            return len(facts) / elapsed()
    finally:
        await database.dispose()


async def replay_path_rate(facts: list[tuple[Source, Fact | None]], url: str, batch: int) -> float:
    database = Database(url)
    journal = BulkJournal()
    try:
        with stopwatch() as elapsed:
            for chunk in _batches(facts, batch):
                for source, fact in chunk:
                    await record_fact(source, fact, journal)
                async with database.transaction() as session:
                    await journal.flush(session)
            return len(facts) / elapsed()
    finally:
        await database.dispose()


async def core_rate(facts: list[tuple[Source, Fact | None]], url: str, batch: int) -> float:
    prepared = []
    journal = BulkJournal()
    for chunk in _batches(facts, batch):
        for source, fact in chunk:
            await record_fact(source, fact, journal)
        prepared.append(
            [
                (t, [dict(zip(t.columns.keys(), row, strict=True)) for row in rows])
                for t, rows in journal.take()
            ]
        )
    engine = plain_engine(url)
    try:
        with stopwatch() as elapsed:
            for tables in prepared:
                async with engine.begin() as connection:
                    for target, values in tables:
                        if values:
                            await connection.execute(target.insert(), values)
            return len(facts) / elapsed()
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    backends = args.backends.split(",")
    bootstrap, server = infra_endpoints()
    topic = f"bench.ledger.{uuid.uuid4().hex[:8]}"
    records = args.orders * 5

    print(f"machine: {machine()}; {load()} at start")
    create_topic(bootstrap, topic, 3)
    replayed: dict[str, list[float]] = {b: [] for b in backends}
    live: dict[str, list[float]] = {b: [] for b in backends}
    bulk: dict[str, list[float]] = {b: [] for b in backends}
    core: dict[str, list[float]] = {b: [] for b in backends}
    reference: list[float] = []
    aiokafka_reads: list[float] = []
    kafka_python_reads: list[float] = []
    try:
        facts = fill(bootstrap, topic, args.orders)
        for _ in range(args.repeats):
            aiokafka_reads.append(asyncio.run(aiokafka_read_rate(bootstrap, topic)))
            kafka_python_reads.append(kafka_python_read_rate(bootstrap, topic, records))
            for backend in backends:
                with ExitStack() as stack:
                    url = stack.enter_context(fresh_store(backend, server))
                    replayed[backend].append(asyncio.run(replay_rate(bootstrap, topic, url)))
                group = f"bench-ledger-cp-{uuid.uuid4().hex[:8]}"
                GROUPS.append(group)
                reference.append(consumer_performance(bootstrap, topic, records, group))
                for rates, measure in (
                    (live, live_path_rate),
                    (bulk, replay_path_rate),
                    (core, core_rate),
                ):
                    with fresh_store(backend, server) as url:
                        rates[backend].append(asyncio.run(measure(facts, url, args.batch)))
    finally:
        delete_topics(bootstrap, [topic], GROUPS)

    kafka = Rate("ConsumerPerformance", reference)
    aiokafka_read = Rate("LogReader (aiokafka)", aiokafka_reads)
    kafka_python_read = Rate("kafka-python", kafka_python_reads)
    rows: list[tuple[str, Rate, Rate]] = [("read to the end", aiokafka_read, kafka_python_read)]
    print(f"- raw reads: {raw([aiokafka_read, kafka_python_read])}")
    for backend in backends:
        replay = Rate("ledger replay", replayed[backend])
        live_rate = Rate("SqlJournal (live path)", live[backend])
        bulk_rate = Rate("BulkJournal (replay path)", bulk[backend])
        core_baseline = Rate("core insert", core[backend])
        rows += [
            (f"{backend} replay from offset 0", replay, kafka),
            (f"{backend} posting", live_rate, core_baseline),
            (f"{backend} posting", bulk_rate, core_baseline),
        ]
        print(f"- raw {backend}: {raw([replay, live_rate, bulk_rate, core_baseline])}")
    print(
        f"\nrecords: {records} events of {args.orders} orders ({args.orders * 3} entries, "
        f"{args.orders * 2} milestones), 3 partitions; batch {args.batch}; "
        f"repeats: {args.repeats}\n"
    )
    print(table(rows, "events/s"))
    print(f"\n- ConsumerPerformance: {raw([kafka])}")
    for dialect, spent in sorted(REPLAY_CPU_US.items()):
        figures = ", ".join(f"{us:.0f}" for us in spent)
        print(f"- replay process CPU per record, {dialect}: {figures} µs")
    print(f"\n{load()} at end")


if __name__ == "__main__":
    main()
