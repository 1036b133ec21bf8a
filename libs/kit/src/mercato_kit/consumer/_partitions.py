"""Every partition of some topics, as an aiokafka consumer's metadata knows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiokafka import TopicPartition

__all__ = ["topic_partitions"]


async def topic_partitions(consumer: Any, topics: Sequence[str]) -> list[TopicPartition]:
    """The topics' partitions, in topic order then partition number (a topic the cluster does
    not have contributes none). For readers that assign partitions by hand, without a group.

    aiokafka's public `topics()` fetches the partitions too but returns only the names.
    """
    cluster = await consumer._client.fetch_all_metadata()
    return [
        TopicPartition(topic, partition)
        for topic in topics
        for partition in sorted(cluster.partitions_for_topic(topic) or ())
    ]
