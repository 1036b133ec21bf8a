"""The event store's append against a raw SQLAlchemy Core insert + commit of the same rows.

    .venv/bin/python -m bench.bench_store [--events 100] [--batched-events 1000] [--batch 50]
        [--writers 1] [--repeats 15] [--backends sqlite,postgresql]

For each backend (SQLite: a file in a temporary directory; PostgreSQL: a fresh database on the
server of DATABASE_URL, dropped at the end) and each shape of write:

- single: one event per transaction, `SqlUnitOfWork` + `SqlEventStore.append` + commit;
- batched: `--batch` events of one aggregate per append, one append per transaction;

three writers of the same rows, interleaved within each repeat (their order rotating from one
repeat to the next) so that the machine's noise hits them alike:

- kit: `SqlUnitOfWork(database)`: validation, the append lock (PostgreSQL advisory lock; SQLite
  `BEGIN IMMEDIATE`), the expected-version query, the `events` and `outbox` inserts, commit;
- core, kit engine: the same two inserts with SQLAlchemy Core on the kit's `Database.engine`
  (its connection handling: SQLite opens a connection per transaction, PostgreSQL pings on
  checkout), no session, no lock, no version check;
- core (the baseline): the same inserts and commit on a plain `create_async_engine` (pooled
  connections) with the same SQLite durability settings (WAL, synchronous=NORMAL).

Beside the rates, each writer's cost per append (one transaction): the statements its engine
sent (a `before_cursor_execute` count, BEGIN and COMMIT not included) and the benchmark
process's CPU (`time.process_time`, aiosqlite's thread included), medians over the repeats.
These survive a busy machine better than the rates. To compare two versions of the kit, run
this script with the other's `libs/kit/src` first on `PYTHONPATH`, interleaved.

`--trickle N` measures instead what a service's commits cost with its relay running, on
PostgreSQL (the saga's shape: one small transaction at a time): N single-event appends, each
committed and then published by an `OutboxRelay` woken by the commit (read, Kafka, retire),
and N commits that write no outbox row (a plain insert). Per operation: statements (cursor
executes), transactions (each one BEGIN and one COMMIT round trip more; a statement in
autocommit is none), and the process's CPU.

Every writer serializes the envelope for the outbox inside the timed loop (any outbox writer
must); the envelopes themselves are built beforehand. Events go round-robin to `--aggregates`
aggregates (single appends find earlier versions of their aggregate). `--writers` > 1 runs
that many concurrent tasks, each owning a share of the aggregates. The tables are emptied
before every measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka.errors import KafkaError
from sqlalchemy import delete, event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench._harness import (
    Rate,
    bench_envelope,
    create_topic,
    fresh_postgres,
    infra_endpoints,
    load,
    machine,
    median,
    plain_engine,
    raw,
    table,
)
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.messaging import KafkaPublisher, OutboxRelay, create_producer
from mercato_kit.storage import Database, events, migrate, outbox
from mercato_kit.store import SqlUnitOfWork


@dataclass(frozen=True)
class Append:
    """One transaction's worth: one aggregate's envelopes and the version they follow."""

    envelopes: list[EventEnvelope]
    expected_version: int


Writer = Callable[[Sequence[Append]], Coroutine[Any, Any, None]]


def plan(events_total: int, per_append: int, aggregates: int, size: int) -> list[Append]:
    """`events_total` events in appends of `per_append`, round-robin over `aggregates`."""
    versions = [0] * aggregates
    appends: list[Append] = []
    for number in range(events_total // per_append):
        aggregate = number % aggregates
        first = versions[aggregate]
        appends.append(
            Append(
                [
                    bench_envelope(f"agg-{aggregate}", first + offset, size)
                    for offset in range(1, per_append + 1)
                ],
                first,
            )
        )
        versions[aggregate] += per_append
    return appends


def shares(appends: Sequence[Append], writers: int) -> list[list[Append]]:
    """Split the plan among writers by aggregate, keeping each aggregate's order."""
    split: list[list[Append]] = [[] for _ in range(writers)]
    for append in appends:
        split[int(append.envelopes[0].aggregate_id.removeprefix("agg-")) % writers].append(append)
    return split


def kit_writer(database: Database) -> Writer:
    async def write(appends: Sequence[Append]) -> None:
        for append in appends:
            async with SqlUnitOfWork(database) as uow:
                await uow.events.append(append.envelopes, append.expected_version)
                await uow.commit()

    return write


def core_writer(engine: AsyncEngine) -> Writer:
    topic = topic_for("kit.example")

    async def write(appends: Sequence[Append]) -> None:
        for append in appends:
            now = datetime.now(UTC)
            async with engine.begin() as connection:
                await connection.execute(
                    insert(events), [event_row(envelope) for envelope in append.envelopes]
                )
                await connection.execute(
                    insert(outbox),
                    [
                        {
                            "event_id": envelope.event_id,
                            "topic": topic,
                            "key": envelope.aggregate_id.encode(),
                            "value": envelope.to_bytes(),
                            "created_at": now,
                        }
                        for envelope in append.envelopes
                    ],
                )

    return write


def event_row(envelope: EventEnvelope) -> dict[str, Any]:
    """The `events` row the store writes for an envelope."""
    return {
        "event_id": envelope.event_id,
        "aggregate_type": envelope.aggregate_type,
        "aggregate_id": envelope.aggregate_id,
        "aggregate_version": envelope.aggregate_version,
        "event_type": envelope.event_type,
        "occurred_at": envelope.occurred_at,
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id,
        "producer": envelope.producer,
        "traceparent": envelope.traceparent,
        "payload": envelope.payload,
    }


async def empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("TRUNCATE events, outbox"))
        else:
            await connection.execute(delete(events))
            await connection.execute(delete(outbox))


class Statements:
    """Statements sent through an engine (its `before_cursor_execute` events)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._sent)

    def _sent(self, *_: object) -> None:
        self.count += 1


@dataclass(frozen=True)
class Cost:
    """One measurement: events per second, and statements and CPU seconds per append."""

    rate: float
    statements: float
    cpu: float


async def measure(
    writer: Writer,
    appends: Sequence[Append],
    writers: int,
    engine: AsyncEngine,
    statements: Statements,
) -> Cost:
    """Events per second for `writers` concurrent tasks writing `appends` (tables emptied),
    and what each append cost."""
    await empty_tables(engine)
    count = sum(len(append.envelopes) for append in appends)
    sent, cpu = statements.count, time.process_time()
    started = time.perf_counter()
    async with asyncio.TaskGroup() as tasks:
        for share in shares(appends, writers):
            tasks.create_task(writer(share))
    elapsed = time.perf_counter() - started
    return Cost(
        count / elapsed,
        (statements.count - sent) / len(appends),
        (time.process_time() - cpu) / len(appends),
    )


@dataclass(frozen=True)
class Shape:
    """A shape of write: its label and its plan."""

    label: str
    appends: list[Append]

    @property
    def events(self) -> int:
        return sum(len(append.envelopes) for append in self.appends)


CostRow = tuple[str, str, float, float]
"""(shape, writer, statements per append, CPU seconds per append), medians."""


async def bench_backend(
    url: str, shapes: Sequence[Shape], writers: int, repeats: int
) -> tuple[list[tuple[str, Rate, Rate]], list[CostRow]]:
    await asyncio.to_thread(migrate, url)
    database = Database(url)
    baseline = plain_engine(url)
    counters = {"kit": Statements(database.engine), "core": Statements(baseline)}
    counters["core, kit engine"] = counters["kit"]
    try:
        candidates: dict[str, Writer] = {
            "kit": kit_writer(database),
            "core, kit engine": core_writer(database.engine),
            "core": core_writer(baseline),
        }
        names = list(candidates)
        rates: dict[tuple[str, str], list[float]] = {}
        costs: dict[tuple[str, str], list[Cost]] = {}
        for repeat in range(repeats):
            for shape in shapes:
                for name in names[repeat % 3 :] + names[: repeat % 3]:
                    cost = await measure(
                        candidates[name], shape.appends, writers, baseline, counters[name]
                    )
                    rates.setdefault((shape.label, name), []).append(cost.rate)
                    costs.setdefault((shape.label, name), []).append(cost)
        await empty_tables(baseline)
    finally:
        await baseline.dispose()
        await database.dispose()
    rows: list[tuple[str, Rate, Rate]] = []
    for shape in shapes:
        core = Rate("core", rates[(shape.label, "core")])
        for name in ("kit", "core, kit engine"):
            rows.append((shape.label, Rate(name, rates[(shape.label, name)]), core))
    cost_rows = [
        (
            label,
            name,
            median([cost.statements for cost in measured]),
            median([cost.cpu for cost in measured]),
        )
        for (label, name), measured in costs.items()
    ]
    return rows, cost_rows


@contextmanager
def database_url(backend: str, server_url: str) -> Iterator[str]:
    if backend == "postgresql":
        with fresh_postgres(server_url, "bench_store") as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"


class Tally:
    """Statements and (non-autocommit) transactions sent through an engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = 0
        self.transactions = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._sent)
        event.listen(engine.sync_engine, "commit", self._committed)

    def _sent(self, *_: object) -> None:
        self.statements += 1

    def _committed(self, connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            self.transactions += 1


async def trickle(url: str, bootstrap: str, count: int) -> dict[str, tuple[float, float, float]]:
    """(statements, transactions, CPU seconds) per operation, for each kind of commit."""
    await asyncio.to_thread(migrate, url)
    database = Database(url)
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE trickle_rows (id VARCHAR(40) PRIMARY KEY)"))
    tally = Tally(database.engine)
    costs: dict[str, tuple[float, float, float]] = {}
    publisher = KafkaPublisher(create_producer(bootstrap, client_id="bench-store-trickle"))
    async with publisher:
        relay = OutboxRelay(database, publisher, name="trickle", poll_interval=5.0, lease_ttl=60)
        running = asyncio.create_task(relay.run_until_stopped())
        for kind in ("append, published by the relay", "commit without outbox rows"):
            for number in range(count + 20):  # the first 20 warm up
                if number == 20:
                    statements, transactions = tally.statements, tally.transactions
                    cpu = time.process_time()
                async with SqlUnitOfWork(database, after_commit=relay.notify) as uow:
                    if kind.startswith("append"):
                        aggregate = f"trickle-{uuid.uuid4().hex[:12]}"
                        await uow.events.append([bench_envelope(aggregate, 1)], 0)
                    else:
                        await uow.session.execute(
                            text("INSERT INTO trickle_rows VALUES (:id)"), {"id": uuid.uuid4().hex}
                        )
                    await uow.commit()
                await asyncio.sleep(0.015)  # the relay's round runs meanwhile
            await asyncio.sleep(0.3)
            costs[kind] = (
                (tally.statements - statements) / count,
                (tally.transactions - transactions) / count,
                (time.process_time() - cpu) / count,
            )
        await relay.stop()
        await running
    left, _ = await relay.backlog()
    await database.dispose()
    if left:
        raise RuntimeError(f"the relay left {left} rows in the outbox")
    return costs


def main_trickle(count: int) -> None:
    bootstrap, server_url = infra_endpoints()
    print(f"machine: {machine()}; {load()} at start")
    with contextlib.suppress(KafkaError):
        create_topic(bootstrap, topic_for("kit.example"), 3)
    with fresh_postgres(server_url, "bench_trickle") as url:
        costs = asyncio.run(trickle(url, bootstrap, count))
    print(f"\npostgresql, {count} operations of each kind\n")
    print("| per operation | statements | transactions | CPU (ms) |")
    print("|---|---:|---:|---:|")
    for kind, (statements, transactions, cpu) in costs.items():
        print(f"| {kind} | {statements:.2f} | {transactions:.2f} | {cpu * 1000:.2f} |")
    print(f"\n{load()} at end")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100, help="events written one per append")
    parser.add_argument("--batched-events", type=int, default=1000, help="events written batched")
    parser.add_argument("--batch", type=int, default=50, help="events per batched append")
    parser.add_argument("--aggregates", type=int, default=20)
    parser.add_argument("--size", type=int, default=300, help="serialized envelope bytes")
    parser.add_argument("--writers", type=int, default=1, help="concurrent writing tasks")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--trickle", type=int, default=0, help="measure N commits with the relay instead"
    )
    args = parser.parse_args()
    if args.trickle:
        main_trickle(args.trickle)
        return
    _, server_url = infra_endpoints()

    shapes = [
        Shape("single (1 event/tx)", plan(args.events, 1, args.aggregates, args.size)),
        Shape(
            f"batched ({args.batch} events/tx)",
            plan(args.batched_events, args.batch, args.aggregates, args.size),
        ),
    ]
    print(f"machine: {machine()}; {load()} at start")
    print(
        f"envelopes: {args.size} B; single: {shapes[0].events} events; batched: "
        f"{shapes[1].events} events; {args.aggregates} aggregates; writers: {args.writers}; "
        f"repeats: {args.repeats}\n"
    )
    for backend in args.backends.split(","):
        with database_url(backend, server_url) as url:
            rows, cost_rows = asyncio.run(bench_backend(url, shapes, args.writers, args.repeats))
        print(f"### {backend}\n")
        print(table([(f"{backend} {label}", a, b) for label, a, b in rows], "events/s"))
        print()
        print("| per append (median) | writer | statements | CPU (ms) |")
        print("|---|---|---:|---:|")
        for label, name, statements, cpu in cost_rows:
            print(f"| {backend} {label} | {name} | {statements:g} | {cpu * 1000:.2f} |")
        print()
        for label, candidate, baseline in rows:
            if candidate.name == "kit":
                print(f"- raw, {label}: {raw([candidate, baseline])}")
            else:
                print(f"- raw, {label}: {raw([candidate])}")
        print()
    print(f"{load()} at end")


if __name__ == "__main__":
    main()
