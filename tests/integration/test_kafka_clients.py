"""Both Kafka client stacks the project uses work against the provisioned broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

FAUST_APP = Path(__file__).with_name("faust_echo_app.py")


def _create_topic(bootstrap: str, name: str, partitions: int = 3) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()


def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        for i, value in enumerate(values):
            producer.send(topic, key=f"key-{i % 7}".encode(), value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()


def _consume(
    bootstrap: str,
    topic: str,
    group: str,
    count: int,
    timeout: float,
    until: Callable[[], bool] = lambda: False,
) -> list[bytes]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    received: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while len(received) < count and time.monotonic() < deadline and not until():
            for records in consumer.poll(timeout_ms=500).values():
                received.extend(r.value for r in records)
        consumer.commit()
    finally:
        consumer.close()
    return received


def test_kafka_python_produces_and_a_consumer_group_reads_everything(
    kafka_bootstrap_servers: str,
) -> None:
    topic = f"test.kafka-python.{uuid.uuid4().hex[:8]}"
    _create_topic(kafka_bootstrap_servers, topic)
    values = [f"message-{i}".encode() for i in range(50)]

    _produce(kafka_bootstrap_servers, topic, values)
    received = _consume(kafka_bootstrap_servers, topic, f"group-{topic}", len(values), 60)

    assert sorted(received) == sorted(values)


def test_a_consumer_group_resumes_after_its_committed_offset(kafka_bootstrap_servers: str) -> None:
    topic = f"test.resume.{uuid.uuid4().hex[:8]}"
    group = f"group-{topic}"
    _create_topic(kafka_bootstrap_servers, topic, partitions=1)
    _produce(kafka_bootstrap_servers, topic, [b"first", b"second"])
    assert _consume(kafka_bootstrap_servers, topic, group, 2, 60) == [b"first", b"second"]

    _produce(kafka_bootstrap_servers, topic, [b"third"])

    assert _consume(kafka_bootstrap_servers, topic, group, 1, 60) == [b"third"]


def test_a_faust_agent_in_a_consumer_group_consumes_and_produces(
    kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    source, sink = f"test.faust.in.{suffix}", f"test.faust.out.{suffix}"
    _create_topic(kafka_bootstrap_servers, source)
    _create_topic(kafka_bootstrap_servers, sink)
    env = dict(
        os.environ,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        FAUST_ECHO_APP_ID=f"faust-echo-{suffix}",
        FAUST_ECHO_SOURCE=source,
        FAUST_ECHO_SINK=sink,
        FAUST_ECHO_DATADIR=str(tmp_path),
    )
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, str(FAUST_APP), "worker", "--loglevel", "warn"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        values = [f"order-{i}".encode() for i in range(20)]
        _produce(kafka_bootstrap_servers, source, values)

        echoed = _consume(
            kafka_bootstrap_servers,
            sink,
            f"check-{suffix}",
            len(values),
            timeout=120,
            until=lambda: worker.poll() is not None,
        )

        assert sorted(echoed) == sorted(b"echo:" + v for v in values), (
            tmp_path / "worker.log"
        ).read_text()[-3000:]
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
