"""`mercato infra up --brokers 3`: a real three-broker KRaft cluster on this machine.

Mercato's topics get three replicas and min.insync.replicas 2 from the kit's provisioning (no
setting: the cluster's size), the kit's producer (acks=all) and idempotent consumer work on it
unchanged, and they go on working with one broker stopped: the leader of the topic's partition;
`mercato infra up --brokers 3` again brings it back on its address. One cluster for the module
(three JVMs of 256 MB heap each).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType
from sqlalchemy import create_engine

from mercato_kit.consumer import IdempotentConsumer
from mercato_kit.events import TopicSpec, to_kafka_record
from mercato_kit.messaging import KafkaPublisher, create_producer, ensure_topics
from mercato_kit.storage import Database, migrate, sync_url
from mercato_localinfra import KafkaProcess, LocalInfra
from tests.kit.consumer.consumer_app import KAFKA_OPTIONS, record_effect, test_metadata
from tests.kit.consumer.support import Reader, envelope, running, wait_until


def _up(state: Path) -> str:
    """`mercato infra up --kafka-only --brokers 3`; the bootstrap servers it exports."""
    up = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "infra", "up", "--kafka-only", "--brokers", "3"],
        env=dict(os.environ, MERCATO_STATE_DIR=str(state)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert up.returncode == 0, up.stderr
    return up.stdout.split("KAFKA_BOOTSTRAP_SERVERS=", 1)[1].split()[0].strip("'")


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[LocalInfra, str]]:
    state = Path(tempfile.mkdtemp(prefix="mercato-cluster-test-", dir="/tmp"))
    try:
        bootstrap = _up(state)
        yield LocalInfra(state_dir=state), bootstrap
    finally:
        LocalInfra(state_dir=state).down()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
async def database(fresh_sqlite_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_sqlite_url)
    engine = create_engine(sync_url(fresh_sqlite_url))
    test_metadata.create_all(engine)
    engine.dispose()
    database = Database(fresh_sqlite_url)
    yield database
    await database.dispose()


def test_the_cluster_has_three_brokers_on_addresses_of_their_own(
    cluster: tuple[LocalInfra, str],
) -> None:
    infra, bootstrap = cluster
    brokers = infra.brokers()

    assert len(brokers) == 3
    assert bootstrap == ",".join(broker.bootstrap_servers for broker in brokers)
    assert len(set(infra.ports())) == 6
    for broker in brokers:
        assert infra.kafka.alive(broker)


@pytest.mark.asyncio(loop_scope="session")
async def test_mercatos_topics_get_three_replicas_and_two_in_sync_on_three_brokers(
    cluster: tuple[LocalInfra, str], unique_topic: str
) -> None:
    _, bootstrap = cluster

    await ensure_topics(bootstrap, [TopicSpec(unique_topic, partitions=2)])

    replicas, min_isr = await asyncio.to_thread(_describe, bootstrap, unique_topic)
    assert replicas == [3, 3]
    assert min_isr == "2"


@pytest.mark.asyncio(loop_scope="session")
async def test_the_kits_producer_and_consumer_go_on_with_the_leaders_broker_stopped_and_it_returns(
    cluster: tuple[LocalInfra, str],
    database: Database,
    fresh_sqlite_url: str,
    unique_topic: str,
) -> None:
    infra, bootstrap = cluster
    await ensure_topics(bootstrap, [TopicSpec(unique_topic, partitions=1)])
    reader = Reader(fresh_sqlite_url)
    consumer = IdempotentConsumer(
        database,
        bootstrap,
        name=f"cluster-{unique_topic}"[:100],
        topics=[unique_topic],
        handler=record_effect(),
        kafka_options=KAFKA_OPTIONS,
    )
    before = [envelope(f"before-{i}", aggregate_id=f"a{i}") for i in range(5)]
    after = [envelope(f"after-{i}", aggregate_id=f"a{i}") for i in range(5)]
    try:
        async with running(consumer) as alive:
            async with KafkaPublisher(create_producer(bootstrap)) as publisher:
                await publisher.publish([to_kafka_record(e, unique_topic) for e in before])
                await wait_until(lambda: _applied(reader, 5), "the first five", alive=alive)

                leader = await asyncio.to_thread(_leader, infra, bootstrap, unique_topic)
                infra.kafka.stop(leader)
                assert not infra.kafka.alive(leader)

                await publisher.publish([to_kafka_record(e, unique_topic) for e in after])
            await wait_until(lambda: _applied(reader, 10), "five more", alive=alive)
        rows = await reader.effects()
    finally:
        reader.close()

    assert sorted(row.value for row in rows) == sorted(
        [f"before-{i}" for i in range(5)] + [f"after-{i}" for i in range(5)]
    )

    again = await asyncio.to_thread(_up, infra.state_dir)
    assert again == bootstrap
    assert all(infra.kafka.alive(broker) for broker in infra.brokers())


async def _applied(reader: Reader, count: int) -> bool:
    return await reader.effect_count() >= count


def _admin(bootstrap: str) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="cluster-test")


def _describe(bootstrap: str, topic: str) -> tuple[list[int], str]:
    admin = _admin(bootstrap)
    try:
        [described] = admin.describe_topics([topic])
        replicas = [len(p["replica_nodes"]) for p in sorted(described["partitions"], key=_index)]
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        admin.close()
    return replicas, configs["topic"][topic]["min.insync.replicas"]["value"]


def _index(partition: dict[str, int]) -> int:
    return partition["partition_index"]


def _leader(infra: LocalInfra, bootstrap: str, topic: str) -> KafkaProcess:
    admin = _admin(bootstrap)
    try:
        [described] = admin.describe_topics([topic])
    finally:
        admin.close()
    leader_id = described["partitions"][0]["leader_id"]
    return infra.brokers()[leader_id - 1]
