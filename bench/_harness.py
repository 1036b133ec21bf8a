"""Shared pieces of the benchmarks: the machine, medians and ratios, Kafka's own performance
tools, fresh databases and topics, realistic envelopes."""

from __future__ import annotations

import functools
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.wrappers_pb2 import StringValue
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from mercato_kit.events import EventEnvelope, to_kafka_record
from mercato_kit.storage import async_url
from mercato_localinfra import KAFKA_VERSION, LocalInfra

AGGREGATE_TYPE = "kit.example"
"""The aggregate kind every benchmark's events belong to (the kit's own example kind)."""


def machine() -> str:
    """One line describing where the numbers come from."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}, "
        f"Apache Kafka {KAFKA_VERSION} (local single node)"
    )


def median(values: list[float]) -> float:
    """The median, the figure these noisy machines allow to quote."""
    return statistics.median(values)


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """Elapsed seconds since the block started (call the yielded function)."""
    started = time.perf_counter()
    yield lambda: time.perf_counter() - started


@dataclass(frozen=True)
class Rate:
    """A measured rate and what it counted."""

    name: str
    per_second: list[float]

    @property
    def median(self) -> float:
        return median(self.per_second)


def table(rows: list[tuple[str, Rate, Rate]], unit: str) -> str:
    """A markdown table of candidate vs baseline medians and their ratio.

    "ratio" is median / median; "paired" is the median of the per-repeat ratios (candidate and
    baseline of the same repeat ran back to back), which cancels the machine's slow drifts.
    """
    lines = [
        f"| measurement | candidate ({unit}, median) | baseline ({unit}, median) "
        "| ratio | paired |",
        "|---|---|---|---|---|",
    ]
    for label, candidate, baseline in rows:
        ratio = candidate.median / baseline.median if baseline.median else float("nan")
        lines.append(
            f"| {label} | {candidate.name}: {candidate.median:,.0f} | "
            f"{baseline.name}: {baseline.median:,.0f} | {ratio:.2f} | "
            f"{paired_ratio(candidate, baseline)} |"
        )
    return "\n".join(lines)


def paired_ratio(candidate: Rate, baseline: Rate) -> str:
    """The median of candidate/baseline per repeat, when both have one value per repeat."""
    if len(candidate.per_second) != len(baseline.per_second) or not all(baseline.per_second):
        return "-"
    ratios = [c / b for c, b in zip(candidate.per_second, baseline.per_second, strict=True)]
    return f"{median(ratios):.2f}"


def _tools_classpath() -> str:
    return LocalInfra().kafka.tools_classpath()


def _java_tool(main: str, *args: str) -> str:
    done = subprocess.run(
        [
            "java",
            "-Xmx512m",
            "-Dlog4j2.level=WARN",
            "-cp",
            _tools_classpath(),
            f"org.apache.kafka.tools.{main}",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return done.stdout


def producer_performance(
    bootstrap: str, topic: str, records: int, record_size: int, *props: str
) -> float:
    """Kafka's own ProducerPerformance (acks=all, idempotent): records per second.

    `props` are further producer properties (`name=value`), e.g. `batch.size=65536`.
    """
    out = _java_tool(
        "ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--record-size",
        str(record_size),
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={bootstrap}",
        "acks=all",
        "enable.idempotence=true",
        *props,
    )
    last = [line for line in out.splitlines() if "records sent" in line][-1]
    match = re.search(r"([\d.]+) records/sec", last)
    assert match, out
    return float(match.group(1))


def consumer_performance(bootstrap: str, topic: str, messages: int, group: str) -> float:
    """Kafka's own ConsumerPerformance: messages per second while fetching (excludes the join).

    It reads from the start of `topic` in consumer group `group` (which should be new).
    """
    out = _java_tool(
        "ConsumerPerformance",
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--messages",
        str(messages),
        "--timeout",
        "60000",
        "--group",
        group,
    )
    header, values = [line for line in out.splitlines() if "," in line][-2:]
    names = [h.strip() for h in header.split(",")]
    row = dict(zip(names, [v.strip() for v in values.split(",")], strict=True))
    return float(row["fetch.nMsg.sec"])


def infra_endpoints() -> tuple[str, str]:
    """Kafka bootstrap and PostgreSQL URL: from the environment, else the local infra (started)."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    database = os.environ.get("DATABASE_URL")
    if kafka and database:
        return kafka, database
    endpoints = LocalInfra().up()
    return kafka or endpoints.kafka_bootstrap_servers, database or endpoints.database_url


def load() -> str:
    """The load averages now: the machine is shared, so each run says how busy it was."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def raw(rates: Sequence[Rate]) -> str:
    """Every repeat of every rate, as measured (rounded to whole units)."""
    return "; ".join(
        f"{rate.name}: " + ", ".join(f"{value:,.0f}" for value in rate.per_second) for rate in rates
    )


def bench_envelope(aggregate_id: str, version: int, size: int = 300) -> EventEnvelope:
    """A realistic event envelope whose serialized form is `size` bytes (when `size` allows).

    Ids, correlation and trace context are real; the payload is padded to reach the size.
    """
    padding = _padding(len(aggregate_id), len(_varint(version)), size)
    return _envelope(aggregate_id, version, padding)


def _envelope(aggregate_id: str, version: int, padding: int) -> EventEnvelope:
    return EventEnvelope.new(
        StringValue(value="x" * padding),
        aggregate_type=AGGREGATE_TYPE,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        producer="bench",
    )


@functools.cache
def _padding(id_length: int, version_length: int, size: int) -> int:
    """The payload padding that makes such an envelope `size` bytes long (ids are fixed-size)."""
    aggregate_id, version = "a" * id_length, 1 << (7 * (version_length - 1))
    padding = max(0, size - len(_envelope(aggregate_id, version, 0).to_bytes()))
    # Length prefixes grow by a byte past 127 and 16383: trim what they added.
    excess = len(_envelope(aggregate_id, version, padding).to_bytes()) - size
    return padding - excess if 0 < excess <= padding else padding


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def plain_engine(url: str) -> AsyncEngine:
    """A plain SQLAlchemy async engine (default pooling): what a baseline writes through.

    SQLite gets the durability the kit's `Database` sets (WAL, synchronous=NORMAL), so a
    baseline commits exactly as durably as the kit; nothing else of the kit's set-up.
    """
    engine = create_async_engine(async_url(url))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


@contextmanager
def fresh_postgres(server_url: str, prefix: str = "bench") -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url`, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    """Create a topic (replication factor 1) and wait until it has leaders."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
        admin.wait_for_topics([topic], timeout_ms=30_000)
    finally:
        admin.close()


def delete_topics(bootstrap: str, topics: Sequence[str], groups: Sequence[str] = ()) -> None:
    """Delete a run's topics and consumer groups, so runs leave nothing behind on the broker.

    Failures are reported, not raised: cleaning up must not hide the run's own outcome.
    """
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    except KafkaError as exc:
        print(f"cleanup: cannot reach Kafka: {exc!r}; left {topics}, {groups}", file=sys.stderr)
        return
    try:
        if groups:
            failed = [
                f"{group}: {outcome}"
                for group, outcome in admin.delete_groups(list(groups)).items()
                if outcome != "OK"
            ]
            if failed:
                print(f"cleanup: could not delete consumer groups {failed}", file=sys.stderr)
        if topics:
            admin.delete_topics(list(topics), timeout_ms=30_000)
    except KafkaError as exc:
        print(f"cleanup: {exc!r}; check {topics}, {groups}", file=sys.stderr)
    finally:
        admin.close()


def produce_envelopes(
    bootstrap: str, topic: str, records: int, *, aggregates: int = 500, size: int = 300
) -> int:
    """Fill `topic` with `records` envelopes of `aggregates` aggregates; the size of one value.

    kafka-python with acks=all and idempotence: what a relay would have written.
    """
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
    )
    value_size = 0
    try:
        for i in range(records):
            envelope = bench_envelope(f"agg-{i % aggregates}", i // aggregates + 1, size)
            record = to_kafka_record(envelope, topic)
            value_size = len(record.value)
            producer.send(topic, key=record.key, value=record.value, headers=list(record.headers))
        producer.flush(timeout=120)
    finally:
        producer.close()
    return value_size
