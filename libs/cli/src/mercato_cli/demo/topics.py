"""What the demo reads of the event log itself, without a consumer group of its own: one
aggregate's events (a conversion's history), and whether a service's consumer group has
applied an event yet (the platform has the grant before the orders it entitles arrive).

The broker may be shared with other deployments, so records are picked by key.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from mercato_cli.demo.launcher import DemoError
from mercato_kit.events import EnvelopeDecodeError, EventEnvelope, envelope_from_record

__all__ = ["events_by_key", "wait_consumed"]


def _reader(bootstrap: str, topic: str) -> tuple[KafkaConsumer, list[TopicPartition]]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        client_id="mercato-demo",
    )
    numbers = consumer.partitions_for_topic(topic)
    if not numbers:
        consumer.close()
        raise DemoError(f"the topic {topic} does not exist")
    partitions = [TopicPartition(topic, p) for p in sorted(numbers)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    return consumer, partitions


def events_by_key(
    bootstrap: str, topic: str, keys: Iterable[str], timeout: float = 60.0
) -> dict[str, list[EventEnvelope]]:
    """The events keyed by each of `keys` on `topic`, in log order, read from the beginning up
    to the end the topic had when the call began."""
    wanted = {key.encode(): key for key in keys}
    found: dict[str, list[EventEnvelope]] = {key: [] for key in wanted.values()}
    if not wanted:
        return found
    consumer, partitions = _reader(bootstrap, topic)
    try:
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise DemoError(f"reading {topic} took longer than {timeout:.0f}s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    key = wanted.get(record.key or b"")
                    if key is None:
                        continue
                    with contextlib.suppress(EnvelopeDecodeError):
                        found[key].append(envelope_from_record(record.value))
    finally:
        consumer.close()
    return found


def wait_consumed(bootstrap: str, group: str, topic: str, key: str, timeout: float = 60.0) -> float:
    """Wait until consumer group `group` has committed past the record keyed `key` on `topic`
    (the service applied it: its consumers commit Kafka offsets after their database commit);
    the seconds it took."""
    began = time.monotonic()
    deadline = began + timeout
    consumer, _ = _reader(bootstrap, topic)
    where: tuple[TopicPartition, int] | None = None
    try:
        while where is None:
            if time.monotonic() > deadline:
                raise DemoError(f"no record keyed {key} reached {topic} within {timeout:.0f}s")
            for partition, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    if record.key == key.encode():
                        where = (partition, record.offset)
    finally:
        consumer.close()
    partition, offset = where
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="mercato-demo")
    try:
        while True:
            try:
                committed = admin.list_group_offsets({group: None}).get(group, {})
            except KafkaError:  # the group's coordinator is still being elected: ask again
                committed = {}
            position = committed.get(partition)
            if position is not None and position.offset > offset:
                return time.monotonic() - began
            if time.monotonic() > deadline:
                raise DemoError(
                    f"consumer group {group} did not apply {topic} record {key} within "
                    f"{timeout:.0f}s"
                )
            time.sleep(0.2)
    finally:
        admin.close()
