"""Shared by the messaging tests: envelopes, outbox rows, reading topics back, relay processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from google.protobuf.wrappers_pb2 import StringValue
from kafka.admin import KafkaAdminClient
from sqlalchemy import func, select

from mercato_kit.events import EventEnvelope, KafkaRecord
from mercato_kit.storage import Database, append_to_outbox, outbox, relay_leases

AGGREGATE_TYPE = "kit.example"
WAIT = 120.0


def envelope(aggregate_id: str, version: int) -> EventEnvelope:
    return EventEnvelope.new(
        StringValue(value=f"{aggregate_id}@{version}"),
        aggregate_type=AGGREGATE_TYPE,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        producer="kit-tests",
    )


async def commit_events(
    database: Database, topic: str, aggregate_ids: Sequence[str], events_each: int, *, per_tx: int
) -> dict[str, list[str]]:
    """Commit `events_each` events per aggregate, interleaved, `per_tx` to a transaction.

    Returns each aggregate's event ids in commit order.
    """
    committed: dict[str, list[str]] = {aggregate_id: [] for aggregate_id in aggregate_ids}
    pending = [
        envelope(aggregate_id, version)
        for version in range(1, events_each + 1)
        for aggregate_id in aggregate_ids
    ]
    for start in range(0, len(pending), per_tx):
        chunk = pending[start : start + per_tx]
        async with database.transaction() as session:
            await append_to_outbox(session, chunk, topic=topic)
        for event in chunk:
            committed[event.aggregate_id].append(event.event_id)
    return committed


async def outbox_count(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)


async def lease_owner(database: Database, name: str = "outbox") -> str | None:
    async with database.transaction() as session:
        return await session.scalar(select(relay_leases.c.owner).where(relay_leases.c.name == name))


async def wait_until(
    condition: Callable[[], Awaitable[bool]],
    *,
    within: float = WAIT,
    interval: float = 0.02,
    what: str = "condition",
    alive: Iterable[subprocess.Popen[bytes]] = (),
) -> None:
    """Poll `condition` until it holds; fail after `within` seconds or if a process exits."""
    processes = list(alive)
    try:
        async with asyncio.timeout(within):
            while not await condition():
                for process in processes:
                    assert process.poll() is None, (
                        f"{process.args} exited with {process.returncode}"
                    )
                await asyncio.sleep(interval)
    except TimeoutError:
        raise AssertionError(f"timed out after {within}s waiting for {what}") from None


def partition_count(bootstrap_servers: str, topic: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        (described,) = admin.describe_topics([topic])
        assert described["error_code"] == 0, f"topic {topic} does not exist"
        return len(described["partitions"])
    finally:
        admin.close()


async def read_topic(
    bootstrap_servers: str, topic: str, *, within: float = WAIT
) -> list[KafkaRecord]:
    """Every record on `topic` now, partition after partition, each in offset order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    async with asyncio.timeout(within):
        await consumer.start()
        try:
            partitions = await asyncio.to_thread(partition_count, bootstrap_servers, topic)
            assigned = [TopicPartition(topic, partition) for partition in range(partitions)]
            consumer.assign(assigned)
            ends = await consumer.end_offsets(assigned)
            by_partition: dict[int, list[KafkaRecord]] = {tp.partition: [] for tp in assigned}
            while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
                batches = await consumer.getmany(*assigned, timeout_ms=500)
                for tp, messages in batches.items():
                    by_partition[tp.partition].extend(
                        KafkaRecord(
                            topic=message.topic,
                            key=message.key,
                            value=message.value,
                            headers=tuple(message.headers),
                        )
                        for message in messages
                    )
        finally:
            await consumer.stop()
    return [record for partition in sorted(by_partition) for record in by_partition[partition]]


def first_copies_by_key(records: Iterable[KafkaRecord]) -> dict[str, list[str]]:
    """Per key, the event ids in the order of their first copy (later copies are duplicates)."""
    seen: set[str] = set()
    by_key: dict[str, list[str]] = {}
    for record in records:
        event_id = EventEnvelope.from_bytes(record.value).event_id
        if event_id not in seen:
            seen.add(event_id)
            by_key.setdefault(record.key.decode(), []).append(event_id)
    return by_key


def start_relay(
    database_url: str,
    bootstrap_servers: str,
    log_path: Path,
    *,
    owner: str | None = None,
    batch_size: int = 10,
    poll_interval: float = 0.1,
    lease_ttl: float = 2.0,
) -> subprocess.Popen[bytes]:
    """`python -m mercato_kit.messaging` as a real process, logging to `log_path`."""
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=bootstrap_servers,
        RELAY_BATCH_SIZE=str(batch_size),
        RELAY_POLL_INTERVAL=str(poll_interval),
        RELAY_LEASE_TTL=str(lease_ttl),
    )
    if owner:
        env["RELAY_OWNER"] = owner
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "mercato_kit.messaging"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no clean-up, no lease release, a transaction cut wherever it was."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM and wait for a clean exit (killed if it does not come)."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill(process)
    return process.returncode
