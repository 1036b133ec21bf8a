"""The outbox relay's publish rate against Kafka's own ProducerPerformance on the same broker.

    .venv/bin/python -m bench.bench_relay [--records 20000] [--batch-sizes 100,1000]
        [--repeats 5] [--backends sqlite,postgresql]

Each measurement commits `--records` envelopes (`--size` bytes, keys over 500 aggregates) to the
outbox of a database (SQLite: a file in a temporary directory; PostgreSQL: a fresh database on
the server of DATABASE_URL), starts a `KafkaPublisher` on the kit's producer (idempotent,
acks=all), then times `OutboxRelay.flush` (lease, read a batch, publish it and wait for every
acknowledgement, delete it; until the outbox is empty). The records go to a fresh topic of
`--partitions` partitions; afterwards the outbox must be empty and the topic must hold every row.

The baseline, once per repeat: ProducerPerformance (kafka-tools, JVM) sending the same number
of records of the same value size with acks=all and idempotence, to a topic of its own with the
same partitions. Its records carry no key and no headers; the relay's carry a key and five
headers (about 300 B: event type, content type, event id, correlation id, traceparent).
The run's topics are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import func, select

from bench._harness import (
    Rate,
    bench_envelope,
    create_topic,
    delete_topics,
    fresh_postgres,
    infra_endpoints,
    load,
    machine,
    producer_performance,
    raw,
    table,
)
from mercato_kit.events import EventEnvelope, to_kafka_record
from mercato_kit.logging import configure_logging
from mercato_kit.messaging import KafkaPublisher, OutboxRelay, create_producer
from mercato_kit.storage import Database, append_to_outbox, migrate, outbox

FILL_PER_TRANSACTION = 1000
FLUSH_TIMEOUT = 600.0
# The benchmark process's CPU (user + sys) per record relayed, per batch size: what the relay
# itself costs, a figure the other load on a shared machine inflates far less than the rate.
CPU_US_PER_RECORD: dict[int, list[float]] = {}


async def fill_outbox(database: Database, topic: str, envelopes: Sequence[EventEnvelope]) -> None:
    """Commit the envelopes to the outbox, as services would have (many per transaction here)."""
    for start in range(0, len(envelopes), FILL_PER_TRANSACTION):
        async with database.transaction() as session:
            await append_to_outbox(
                session, envelopes[start : start + FILL_PER_TRANSACTION], topic=topic
            )


async def outbox_rows(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)


def topic_records(bootstrap: str, topic: str) -> int:
    """How many records the topic holds (the sum of its partitions' end offsets)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return int(sum(ends.values()))
    finally:
        consumer.close()


async def relay_once(
    database: Database,
    bootstrap: str,
    topic: str,
    envelopes: Sequence[EventEnvelope],
    batch_size: int,
) -> float:
    """Fill the outbox, then time the relay emptying it into Kafka: records per second."""
    await fill_outbox(database, topic, envelopes)
    publisher = KafkaPublisher(create_producer(bootstrap, client_id="bench-relay"))
    async with publisher:
        relay = OutboxRelay(database, publisher, name="bench", batch_size=batch_size)
        started, cpu_started = time.perf_counter(), time.process_time()
        await relay.flush(FLUSH_TIMEOUT)
        elapsed = time.perf_counter() - started
        CPU_US_PER_RECORD.setdefault(batch_size, []).append(
            (time.process_time() - cpu_started) / len(envelopes) * 1e6
        )
        await relay.stop()
    left = await outbox_rows(database)
    if left:
        raise RuntimeError(f"the relay left {left} rows in the outbox")
    return len(envelopes) / elapsed


@contextmanager
def database_url(backend: str, server_url: str, tmp: Path) -> Iterator[str]:
    if backend == "postgresql":
        with fresh_postgres(server_url, "bench_relay") as url:
            yield url
    else:
        yield f"sqlite:///{tmp / 'bench.db'}"


async def bench_backend(
    url: str,
    bootstrap: str,
    topic: str,
    envelopes: Sequence[EventEnvelope],
    batch_sizes: list[int],
    rates: dict[int, list[float]],
) -> None:
    """One repeat on one backend: every batch size once."""
    database = Database(url)
    try:
        for batch_size in batch_sizes:
            rate = await relay_once(database, bootstrap, topic, envelopes, batch_size)
            rates.setdefault(batch_size, []).append(rate)
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=300, help="serialized envelope bytes")
    parser.add_argument("--batch-sizes", default="100,1000", help="relay batch sizes (rows)")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    configure_logging("bench", "WARNING")
    bootstrap, server_url = infra_endpoints()
    batch_sizes = [int(size) for size in args.batch_sizes.split(",")]
    backends = args.backends.split(",")
    run = uuid.uuid4().hex[:8]
    relay_topic, baseline_topic = f"bench.relay.{run}", f"bench.relay.pp.{run}"
    # Built once: the same rows are committed again for every measurement.
    envelopes = [
        bench_envelope(f"agg-{i % 500}", i // 500 + 1, args.size) for i in range(args.records)
    ]
    value_size = len(envelopes[0].to_bytes())
    header_bytes = sum(
        len(name) + len(value) for name, value in to_kafka_record(envelopes[0], "t").headers
    )

    print(f"machine: {machine()}; {load()} at start")
    print(
        f"records: {args.records} per measurement, value {value_size} B (+ key ~6 B and "
        f"{header_bytes} B of headers for the relay), {args.partitions} partitions; "
        f"repeats: {args.repeats}\n"
    )
    create_topic(bootstrap, relay_topic, args.partitions)
    create_topic(bootstrap, baseline_topic, args.partitions)
    relay_rates: dict[str, dict[int, list[float]]] = {backend: {} for backend in backends}
    baseline: list[float] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
            urls = {}
            with ExitStack() as stack:
                for backend in backends:
                    urls[backend] = stack.enter_context(
                        database_url(backend, server_url, Path(tmp))
                    )
                    migrate(urls[backend])
                for _ in range(args.repeats):
                    for backend in backends:
                        asyncio.run(
                            bench_backend(
                                urls[backend],
                                bootstrap,
                                relay_topic,
                                envelopes,
                                batch_sizes,
                                relay_rates[backend],
                            )
                        )
                    baseline.append(
                        producer_performance(bootstrap, baseline_topic, args.records, value_size)
                    )
        published = topic_records(bootstrap, relay_topic)
        expected = args.records * args.repeats * len(backends) * len(batch_sizes)
        if published < expected:
            raise RuntimeError(f"the topic holds {published} records; {expected} were relayed")
    finally:
        delete_topics(bootstrap, [relay_topic, baseline_topic])

    kafka = Rate("ProducerPerformance", baseline)
    rows = [
        (f"{backend} outbox, batch_size={size}", Rate("relay", relay_rates[backend][size]), kafka)
        for backend in backends
        for size in batch_sizes
    ]
    print(table(rows, "records/s"))
    print()
    for label, candidate, _ in rows:
        print(f"- raw, {label}: {raw([candidate])}")
    print(f"- raw, baseline: {raw([kafka])}")
    for size, cpu in sorted(CPU_US_PER_RECORD.items()):
        spent = ", ".join(f"{us:.0f}" for us in cpu)
        print(f"- relay process CPU per record, batch_size={size} (all backends): {spent} µs")
    print(f"\ntopic check: {published} records published, {expected} expected (at least)")
    print(f"{load()} at end")


if __name__ == "__main__":
    main()
