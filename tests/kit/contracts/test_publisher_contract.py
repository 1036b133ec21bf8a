"""The publisher contract, run against the in-memory fake and a real Kafka broker.

Every publisher must deliver each record with its key, value and headers intact, to its own
topic, and keep the order of records with the same key, within a batch and across batches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from mercato_kit.events import KafkaRecord, TopicSpec, to_kafka_record
from mercato_kit.messaging import (
    InMemoryPublisher,
    KafkaPublisher,
    Publisher,
    create_producer,
    ensure_topics,
)
from tests.kit.messaging._support import envelope, read_topic

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _no_provisioning(_topic: str) -> None:
    return None


@dataclass(frozen=True)
class Backend:
    """A publisher, how to read a topic back from where it publishes, and how to add a topic."""

    publisher: Publisher
    read_back: Callable[[str], Awaitable[list[KafkaRecord]]]
    add_topic: Callable[[str], Awaitable[None]] = _no_provisioning


class PublisherContract:
    """The suite; each subclass provides `backend` (its topic `unique_topic` ready for use)."""

    @pytest.fixture
    async def backend(self) -> Backend:
        raise NotImplementedError

    async def test_a_record_arrives_with_its_key_value_and_headers(
        self, backend: Backend, unique_topic: str
    ) -> None:
        record = to_kafka_record(envelope("agg-1", 1), unique_topic)

        await backend.publisher.publish([record])

        assert await backend.read_back(unique_topic) == [record]

    async def test_records_of_one_key_arrive_in_the_order_published(
        self, backend: Backend, unique_topic: str
    ) -> None:
        keys = [f"agg-{n}".encode() for n in range(6)]
        batches = [
            [to_kafka_record(envelope(key.decode(), version), unique_topic) for key in keys]
            for version in range(1, 6)
        ]

        for batch in batches:
            await backend.publisher.publish(batch)

        received = await backend.read_back(unique_topic)
        published = [record for batch in batches for record in batch]
        assert len(received) == len(published)
        for key in keys:
            assert [r for r in received if r.key == key] == [r for r in published if r.key == key]

    async def test_one_batch_may_span_several_topics(
        self, backend: Backend, unique_topic: str
    ) -> None:
        other_topic = f"{unique_topic}.other"
        await backend.add_topic(other_topic)
        here = to_kafka_record(envelope("agg-1", 1), unique_topic)
        there = to_kafka_record(envelope("agg-2", 1), other_topic)

        await backend.publisher.publish([here, there])

        assert await backend.read_back(unique_topic) == [here]
        assert await backend.read_back(other_topic) == [there]

    async def test_an_empty_batch_publishes_nothing(
        self, backend: Backend, unique_topic: str
    ) -> None:
        record = to_kafka_record(envelope("agg-1", 1), unique_topic)

        await backend.publisher.publish([])
        await backend.publisher.publish([record])

        assert await backend.read_back(unique_topic) == [record]


class TestInMemoryPublisher(PublisherContract):
    @pytest.fixture
    async def backend(self) -> Backend:
        publisher = InMemoryPublisher()

        async def read_back(topic: str) -> list[KafkaRecord]:
            return publisher.records_on(topic)

        return Backend(publisher, read_back)


class TestKafkaPublisher(PublisherContract):
    @pytest.fixture
    async def backend(
        self, kafka_bootstrap_servers: str, unique_topic: str
    ) -> AsyncIterator[Backend]:
        async def add_topic(topic: str) -> None:
            await ensure_topics(kafka_bootstrap_servers, [TopicSpec(topic, partitions=3)])

        async def read_back(topic: str) -> list[KafkaRecord]:
            return await read_topic(kafka_bootstrap_servers, topic)

        await add_topic(unique_topic)
        async with KafkaPublisher(create_producer(kafka_bootstrap_servers)) as publisher:
            yield Backend(publisher, read_back, add_topic)
