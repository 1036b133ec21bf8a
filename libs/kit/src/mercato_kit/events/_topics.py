"""The one place Mercato's topic names are defined: one topic per aggregate kind.

An aggregate kind's topic is `mercato.<service>.<aggregate>`, e.g. `mercato.orders.order` for
aggregate type `orders.order`; its dead letters go to `<topic>.dlq`. A service that adds an
aggregate kind adds it here, so consumers in other services can name the topic without
importing the producer.
"""

from __future__ import annotations

from dataclasses import dataclass

AGGREGATE_TYPES: tuple[str, ...] = (
    "identity.account",
    "identity.app",
    "identity.grant",
    "identity.session",
    "identity.signing_key",
    "identity.security",
    "catalog.shop",
    "catalog.product",
    "catalog.reservation",
    "orders.order",
    "payments.payment",
    "payments.payout",
    "payments.budget",
    "payments.app_charge",
    "payments.vendor_payout",
    "logistics.shipment",
    "marketing.campaign",
    "marketing.budget",
    "marketing.click",
    "marketing.conversion",
    "marketing.payout",
    "marketing.traffic",
    "platform.app",
    "platform.webhook",
    "example.wishlist",
    "kit.example",
)
"""Every aggregate kind in Mercato, as `<service>.<aggregate>`."""


@dataclass(frozen=True)
class TopicSpec:
    """A topic to provision: name, partitions, replicas, and whether it is compacted."""

    name: str
    partitions: int
    replication_factor: int | None = None
    """None: the cluster's size, at most 3 (1 on one broker, 3 on three or more); the topic's
    `min.insync.replicas` is 2 from 3 replicas up, else 1 (`ensure_topics`)."""
    compacted: bool = False
    """A table's changelog: only the latest record per key is kept (`cleanup.policy=compact`)."""


def topic_for(aggregate_type: str) -> str:
    """The topic an aggregate kind's events are published to."""
    if aggregate_type not in AGGREGATE_TYPES:
        raise KeyError(
            f"unknown aggregate type {aggregate_type!r}: add it to mercato_kit.events._topics"
        )
    return f"mercato.{aggregate_type}"


def dlq_topic(topic: str) -> str:
    """The dead-letter topic for a topic."""
    return f"{topic}.dlq"


def all_topics(partitions: int, replication_factor: int | None = None) -> list[TopicSpec]:
    """Every event topic and its dead-letter topic, for provisioning."""
    specs: list[TopicSpec] = []
    for aggregate_type in AGGREGATE_TYPES:
        topic = topic_for(aggregate_type)
        specs.append(TopicSpec(topic, partitions, replication_factor))
        specs.append(TopicSpec(dlq_topic(topic), partitions, replication_factor))
    return specs
