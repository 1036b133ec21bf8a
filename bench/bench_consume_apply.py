"""The idempotent consumer's consume-and-apply rate against Kafka's ConsumerPerformance.

    .venv/bin/python -m bench.bench_consume_apply [--records 10000] [--batch-size 200]
        [--repeats 3] [--backends sqlite,postgresql]

A topic of `--partitions` partitions is filled once with `--records` envelopes (`--size` bytes,
keys over 500 aggregates). Then, in each repeat and on each backend (SQLite: a file in a
temporary directory; PostgreSQL: a fresh database on the server of DATABASE_URL), with the
effect and tracking tables emptied before each measurement:

- kit: `IdempotentConsumer` in a fresh group, whose handler inserts one row per event into a
  table of its own (`bench_effects`). Per partition batch, one transaction: lock the stored
  position, look the event ids up, run the handler for each, record the ids and the next
  position, commit; then commit the offsets to Kafka (for lag monitoring).
- aiokafka + core (a hand-rolled at-least-once loop, for where the time goes): a plain
  `AIOKafkaConsumer` with the same batch size; per partition batch, one transaction on a
  plain engine doing the same effect inserts, then a Kafka offset commit. No tracking: a
  redelivered event would be applied twice.

Beside the rates, the kit consumer's cost per event: the statements its engine sent (a
`before_cursor_execute` count over the run; BEGIN and COMMIT not included) and the process's
CPU (`time.process_time`) from the first record handled to the commit that applies the last
one, medians over the repeats. They survive a busy machine better than the rates; to compare
two versions of the kit, run this script with the other's `libs/kit/src` first on `PYTHONPATH`.

Both decode every envelope and are timed from the first record handled to the commit that
applies the last one (the group join is excluded); afterwards the effect table must hold
every event exactly once. The baseline, once per repeat: ConsumerPerformance (kafka-tools, JVM)
reading the same number of records from the same topic, which only fetches (its figure
excludes the join too). The topic and the run's consumer groups are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from sqlalchemy import (
    BigInteger,
    Column,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bench._harness import (
    Rate,
    consumer_performance,
    create_topic,
    delete_topics,
    fresh_postgres,
    infra_endpoints,
    load,
    machine,
    median,
    plain_engine,
    produce_envelopes,
    raw,
    table,
)
from mercato_kit.consumer import ConsumedRecord, IdempotentConsumer
from mercato_kit.events import EventEnvelope
from mercato_kit.logging import configure_logging
from mercato_kit.storage import (
    Database,
    consumer_positions,
    migrate,
    processed_events,
    sync_url,
)

WAIT = 600.0

bench_metadata = MetaData()
effects = Table(
    "bench_effects",
    bench_metadata,
    Column("event_id", String(36), primary_key=True),
    Column("aggregate_id", String(64), nullable=False),
    Column("aggregate_version", BigInteger, nullable=False),
)
"""The benchmark's effect: one row per applied event."""

GROUPS: list[str] = []
"""The consumer groups this run created (deleted at the end)."""


class TimedDatabase(Database):
    """The kit's Database, noting when each transaction has committed."""

    def __init__(self, url: str, expected: int) -> None:
        super().__init__(url)
        self.expected = expected
        self.applied = 0
        self.first = 0.0
        self.last_commit = 0.0
        self.done = asyncio.Event()
        self.statements = 0
        self.cpu_first = 0.0
        self.cpu_last = 0.0
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._sent)

    def _sent(self, *_: object) -> None:
        self.statements += 1

    def started(self) -> None:
        """The first record is being handled."""
        self.first = time.perf_counter()
        self.cpu_first = time.process_time()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with super().transaction() as session:
            yield session
        self.last_commit = time.perf_counter()
        if self.applied >= self.expected and not self.done.is_set():
            self.cpu_last = time.process_time()
            self.done.set()

    def cost(self) -> tuple[float, float]:
        """Statements (all of the run's: a few to join are in) and CPU seconds (from the first
        record handled to the last commit) per event."""
        return self.statements / self.expected, (self.cpu_last - self.cpu_first) / self.expected


async def empty_tables(url: str) -> None:
    database = Database(url)
    try:
        async with database.transaction() as session:
            for table_ in (effects, processed_events, consumer_positions):
                await session.execute(delete(table_))
    finally:
        await database.dispose()


async def effect_rows(url: str) -> int:
    database = Database(url)
    try:
        async with database.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(effects)) or 0)
    finally:
        await database.dispose()


async def kit_once(
    url: str, bootstrap: str, topic: str, records: int, batch_size: int
) -> tuple[float, tuple[float, float]]:
    """The idempotent consumer applying every record of the topic: events per second, and
    statements and CPU seconds per event."""
    await empty_tables(url)
    database = TimedDatabase(url, records)

    async def apply(session: AsyncSession, envelope: EventEnvelope, _: ConsumedRecord) -> None:
        if database.applied == 0:
            database.started()
        await session.execute(
            insert(effects).values(
                event_id=envelope.event_id,
                aggregate_id=envelope.aggregate_id,
                aggregate_version=envelope.aggregate_version,
            )
        )
        database.applied += 1

    consumer = IdempotentConsumer(
        database,
        bootstrap,
        name=f"bench-apply-kit-{uuid.uuid4().hex[:8]}",
        topics=[topic],
        handler=apply,
        batch_size=batch_size,
    )
    GROUPS.append(consumer.name)
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(consumer.run())
            try:
                async with asyncio.timeout(WAIT):
                    await database.done.wait()
            finally:
                await consumer.stop()
    finally:
        await database.dispose()
    await check_effects(url, records)
    return records / (database.last_commit - database.first), database.cost()


async def core_once(url: str, bootstrap: str, topic: str, records: int, batch_size: int) -> float:
    """A hand-rolled at-least-once loop doing the same inserts: events per second."""
    await empty_tables(url)
    engine = plain_engine(url)
    group = f"bench-apply-core-{uuid.uuid4().hex[:8]}"
    GROUPS.append(group)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=batch_size,
        isolation_level="read_committed",
    )
    await consumer.start()
    applied, first, last_commit = 0, 0.0, 0.0
    try:
        async with asyncio.timeout(WAIT):
            while applied < records:
                batches = await consumer.getmany(timeout_ms=500, max_records=batch_size)
                for batch in batches.values():
                    if not first:
                        first = time.perf_counter()
                    async with engine.begin() as connection:
                        for record in batch:
                            envelope = EventEnvelope.from_bytes(record.value)
                            await connection.execute(
                                insert(effects).values(
                                    event_id=envelope.event_id,
                                    aggregate_id=envelope.aggregate_id,
                                    aggregate_version=envelope.aggregate_version,
                                )
                            )
                    last_commit = time.perf_counter()
                    applied += len(batch)
                if batches:
                    await consumer.commit(
                        {tp: batch[-1].offset + 1 for tp, batch in batches.items() if batch}
                    )
    finally:
        await consumer.stop()
        await engine.dispose()
    await check_effects(url, records)
    return records / (last_commit - first)


async def check_effects(url: str, records: int) -> None:
    rows = await effect_rows(url)
    if rows != records:
        raise RuntimeError(f"{rows} effects for {records} events")


def prepare(url: str) -> None:
    migrate(url)
    engine = create_engine(sync_url(url))
    try:
        bench_metadata.create_all(engine)
    finally:
        engine.dispose()


@contextmanager
def database_url(backend: str, server_url: str, tmp: Path) -> Iterator[str]:
    if backend == "postgresql":
        with fresh_postgres(server_url, "bench_apply") as url:
            yield url
    else:
        yield f"sqlite:///{tmp / 'bench.db'}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=300, help="serialized envelope bytes")
    parser.add_argument("--batch-size", type=int, default=200, help="records per poll")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    configure_logging("bench", "WARNING")
    bootstrap, server_url = infra_endpoints()
    backends = args.backends.split(",")
    topic = f"bench.apply.{uuid.uuid4().hex[:8]}"

    print(f"machine: {machine()}; {load()} at start")
    create_topic(bootstrap, topic, args.partitions)
    kit: dict[str, list[float]] = {backend: [] for backend in backends}
    kit_costs: dict[str, list[tuple[float, float]]] = {backend: [] for backend in backends}
    core: dict[str, list[float]] = {backend: [] for backend in backends}
    baseline: list[float] = []
    try:
        value_size = produce_envelopes(bootstrap, topic, args.records, size=args.size)
        print(
            f"records: {args.records} envelopes of {value_size} B, {args.partitions} partitions; "
            f"batch size {args.batch_size}; repeats: {args.repeats}\n"
        )
        with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp, ExitStack() as stack:
            urls = {}
            for backend in backends:
                urls[backend] = stack.enter_context(database_url(backend, server_url, Path(tmp)))
                prepare(urls[backend])
            for _ in range(args.repeats):
                for backend in backends:
                    rate, cost = asyncio.run(
                        kit_once(urls[backend], bootstrap, topic, args.records, args.batch_size)
                    )
                    kit[backend].append(rate)
                    kit_costs[backend].append(cost)
                    core[backend].append(
                        asyncio.run(
                            core_once(
                                urls[backend], bootstrap, topic, args.records, args.batch_size
                            )
                        )
                    )
                group = f"bench-apply-cp-{uuid.uuid4().hex[:8]}"
                GROUPS.append(group)
                baseline.append(consumer_performance(bootstrap, topic, args.records, group))
    finally:
        delete_topics(bootstrap, [topic], GROUPS)

    kafka = Rate("ConsumerPerformance", baseline)
    rows: list[tuple[str, Rate, Rate]] = []
    for backend in backends:
        rows.append((f"{backend} apply", Rate("kit consumer", kit[backend]), kafka))
        rows.append((f"{backend} apply", Rate("aiokafka + core", core[backend]), kafka))
    for backend in backends:
        rows.append(
            (
                f"{backend} apply",
                Rate("kit consumer", kit[backend]),
                Rate("aiokafka + core", core[backend]),
            )
        )
    print(table(rows, "events/s"))
    print()
    for backend in backends:
        print(
            f"- raw, {backend}: "
            f"{raw([Rate('kit consumer', kit[backend]), Rate('aiokafka + core', core[backend])])}"
        )
    print(f"- raw, baseline: {raw([kafka])}")
    print("\n| kit consumer, per event (median) | statements | CPU (ms) |")
    print("|---|---:|---:|")
    for backend in backends:
        statements = median([cost[0] for cost in kit_costs[backend]])
        cpu = median([cost[1] for cost in kit_costs[backend]])
        print(f"| {backend} | {statements:.3f} | {cpu * 1000:.3f} |")
    print(
        "- raw, CPU ms per event: "
        + "; ".join(
            f"{backend}: " + ", ".join(f"{cost[1] * 1000:.3f}" for cost in kit_costs[backend])
            for backend in backends
        )
    )
    print(f"\n{load()} at end")


if __name__ == "__main__":
    main()
