"""Topic provisioning against the real broker: missing topics appear, existing ones are kept."""

from __future__ import annotations

import asyncio

import pytest

from mercato_kit.events import TopicSpec
from mercato_kit.messaging import ensure_topics
from tests.kit.messaging._support import partition_count

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_missing_topic_is_created_with_its_partition_count(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    created = await ensure_topics(kafka_bootstrap_servers, [TopicSpec(unique_topic, partitions=4)])

    assert created == [unique_topic]
    assert await asyncio.to_thread(partition_count, kafka_bootstrap_servers, unique_topic) == 4


async def test_ensuring_topics_again_changes_nothing(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    first, second = TopicSpec(unique_topic, 2), TopicSpec(f"{unique_topic}.second", 3)
    await ensure_topics(kafka_bootstrap_servers, [first])

    created = await ensure_topics(kafka_bootstrap_servers, [first, second])
    again = await ensure_topics(kafka_bootstrap_servers, [first, second])

    assert created == [second.name]
    assert again == []
    assert await asyncio.to_thread(partition_count, kafka_bootstrap_servers, first.name) == 2


async def test_processes_ensuring_the_same_topic_at_once_all_succeed(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    spec = TopicSpec(unique_topic, partitions=3)

    results = await asyncio.gather(
        *(ensure_topics(kafka_bootstrap_servers, [spec]) for _ in range(3))
    )

    assert [name for created in results for name in created] == [unique_topic]
    assert await asyncio.to_thread(partition_count, kafka_bootstrap_servers, unique_topic) == 3
