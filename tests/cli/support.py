"""What the CLI tests share: topics on the real broker, envelopes on them, the CLI's output."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from google.protobuf.message import Message
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.structs import TopicPartition
from typer.testing import CliRunner, Result

from mercato.example.v1 import wishlist_pb2
from mercato_cli import app
from mercato_kit.events import EventEnvelope, KafkaRecord, to_kafka_record

runner = CliRunner()


def mercato(bootstrap: str, *args: str) -> Result:
    """Run `mercato <args>` in-process against `bootstrap`, with room for wide tables."""
    return runner.invoke(
        app, list(args), env={"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "COLUMNS": "400"}
    )


def json_lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()


def wishlist_event(name: str, wishlist_id: str = "wishlist-1", version: int = 1) -> EventEnvelope:
    payload: Message = (
        wishlist_pb2.WishlistCreated(owner_id="owner-1", name=name)
        if version == 1
        else wishlist_pb2.ItemAdded(sku=name, quantity=version)
    )
    return EventEnvelope.new(
        payload,
        aggregate_type="example.wishlist",
        aggregate_id=wishlist_id,
        aggregate_version=version,
        producer="tests",
    )


def produce(
    bootstrap: str, topic: str, records: Sequence[EventEnvelope | KafkaRecord | bytes | None]
) -> None:
    """Produce in order: envelopes as the relay would, KafkaRecords as they are, raw values."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for item in records:
            if isinstance(item, EventEnvelope):
                item = to_kafka_record(item, topic)
            if isinstance(item, KafkaRecord):
                producer.send(item.topic, item.value, key=item.key, headers=list(item.headers)).get(
                    timeout=60
                )
            else:
                producer.send(topic, item, key=b"raw").get(timeout=60)
    finally:
        producer.close()


def records_of(bootstrap: str, topic: str) -> list[Any]:
    """Every record of a one-partition topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        end = consumer.end_offsets([tp])[tp]
        consumer.seek_to_beginning(tp)
        records: list[Any] = []
        while consumer.position(tp) < end:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()
