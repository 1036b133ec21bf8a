"""Topic provisioning: create the topics a service needs, with their partitions and replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from mercato_kit.events import TopicSpec
from mercato_kit.logging import get_logger

__all__ = ["TopicProvisioningError", "ensure_topics"]

_TOPIC_ALREADY_EXISTS = 36

log = get_logger(__name__)


class TopicProvisioningError(RuntimeError):
    """Topics could not be provisioned (the message names the topic or the cluster, and why)."""


async def ensure_topics(
    bootstrap_servers: str,
    specs: Sequence[TopicSpec],
    *,
    timeout: float = 30.0,  # noqa: ASYNC109 (the admin client runs in a thread)
) -> list[str]:
    """Create every topic of `specs` that is missing; return the names created here.

    Idempotent, and safe to run from several processes at once: a topic someone else
    created first counts as present. An existing topic is never changed; when its
    partition count differs from the spec it is logged, because adding partitions would
    move keys to other partitions and break per-key order. Returns once every topic of
    `specs` has a leader for each partition.

    A spec without a replication factor gets the cluster's size, at most 3 (one broker: 1;
    three or more: 3). Each created topic's `min.insync.replicas` is 2 when it has 3 or more
    replicas, so an acks=all write (the kit's producer) lives on two brokers before it is
    acknowledged and one broker may be down; with fewer replicas it is 1.
    """
    return await asyncio.to_thread(_ensure_topics, bootstrap_servers, list(specs), timeout)


MAX_DEFAULT_REPLICATION = 3
"""Replicas of a topic whose spec names none, on a cluster of at least this many brokers."""


def min_insync_replicas(replication_factor: int) -> int:
    """2 from 3 replicas up (one broker may fail, a write still lives on two), else 1."""
    return 2 if replication_factor >= 3 else 1


def _ensure_topics(bootstrap_servers: str, specs: list[TopicSpec], timeout: float) -> list[str]:
    if not specs:
        return []
    timeout_ms = int(timeout * 1000)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            client_id="mercato-topic-provisioning",
            request_timeout_ms=timeout_ms,
        )
    except KafkaError as exc:
        raise TopicProvisioningError(f"cannot reach Kafka at {bootstrap_servers}: {exc}") from exc
    try:
        existing = {
            topic["name"]: len(topic["partitions"])
            for topic in admin.describe_topics([spec.name for spec in specs])
            if topic["error_code"] == 0
        }
        for spec in specs:
            if spec.name in existing and existing[spec.name] != spec.partitions:
                log.warning(
                    "topic.partitions_differ",
                    topic=spec.name,
                    partitions=existing[spec.name],
                    configured=spec.partitions,
                )
        missing = [spec for spec in specs if spec.name not in existing]
        if any(spec.replication_factor is None for spec in missing):
            brokers = len(admin.describe_cluster()["brokers"])
            default = max(1, min(MAX_DEFAULT_REPLICATION, brokers))
            missing = [
                spec if spec.replication_factor else replace(spec, replication_factor=default)
                for spec in missing
            ]
        created = _create(admin, missing, timeout_ms) if missing else []
        admin.wait_for_topics([spec.name for spec in specs], timeout_ms=timeout_ms)
    except KafkaError as exc:
        raise TopicProvisioningError(f"could not provision topics: {exc}") from exc
    finally:
        admin.close()
    for name in created:
        log.info("topic.created", topic=name)
    return created


def _configs(spec: TopicSpec) -> dict[str, str]:
    configs = {"min.insync.replicas": str(min_insync_replicas(spec.replication_factor or 1))}
    if spec.compacted:
        configs["cleanup.policy"] = "compact"
    return configs


def _create(admin: Any, specs: list[TopicSpec], timeout_ms: int) -> list[str]:
    response = admin.create_topics(
        {
            spec.name: {
                "num_partitions": spec.partitions,
                "replication_factor": spec.replication_factor,
                "configs": _configs(spec),
            }
            for spec in specs
        },
        timeout_ms=timeout_ms,
        raise_errors=False,
    )
    created: list[str] = []
    for topic in response["topics"]:
        if topic["error_code"] == 0:
            created.append(topic["name"])
        elif topic["error_code"] != _TOPIC_ALREADY_EXISTS:
            raise TopicProvisioningError(
                f"could not create topic {topic['name']!r}: "
                f"{topic['error_message'] or 'error code ' + str(topic['error_code'])}"
            )
    return created
