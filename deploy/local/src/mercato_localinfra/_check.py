"""A health check that uses the infrastructure the way the services will."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from mercato_localinfra._errors import InfraError
from mercato_localinfra._infra import Endpoints
from mercato_localinfra._postgres import find_bindir
from mercato_localinfra._process import run


@dataclass(frozen=True)
class Health:
    """What `mercato infra check` found."""

    kafka_cluster: str
    kafka_round_trip_ms: float
    postgres_version: str | None
    """None when only the broker runs."""


def check(endpoints: Endpoints) -> Health:
    """Produce and consume one record through Kafka and query PostgreSQL (when it runs); raise
    if either fails."""
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

    started = time.monotonic()
    topic = "mercato.infra.healthcheck"
    marker = uuid.uuid4().hex.encode()
    producer = KafkaProducer(
        bootstrap_servers=endpoints.kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    try:
        sent = producer.send(topic, key=b"probe", value=marker).get(timeout=30)
    finally:
        producer.close()
    consumer = KafkaConsumer(
        bootstrap_servers=endpoints.kafka_bootstrap_servers, consumer_timeout_ms=15000
    )
    try:
        partition = TopicPartition(topic, sent.partition)
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        if not any(record.value == marker for record in consumer):
            raise InfraError(f"produced to {topic} but could not read the record back")
    finally:
        consumer.close()
    round_trip_ms = (time.monotonic() - started) * 1000

    admin = KafkaAdminClient(bootstrap_servers=endpoints.kafka_bootstrap_servers)
    try:
        cluster = admin.describe_cluster()
    finally:
        admin.close()
    brokers = len(cluster.get("brokers", []))
    kafka = f"{brokers} broker(s), cluster {cluster.get('cluster_id')}"

    if endpoints.database_url is None:
        return Health(kafka, round_trip_ms, None)
    bindir = find_bindir()
    psql = str(bindir / "psql") if bindir else "psql"
    url = endpoints.database_url.replace("postgresql+psycopg://", "postgresql://")
    postgres_version = run(
        [psql, url, "-tAc", "SELECT version()"], what="querying PostgreSQL"
    ).strip()
    return Health(kafka, round_trip_ms, postgres_version)
