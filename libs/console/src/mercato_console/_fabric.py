"""The fabric: consumer lag and dead letters read from Kafka (with the CLI's own code for
`mercato verify` and `mercato dlq`), outbox depth from the services' metrics endpoints."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from mercato_cli.dlq import (
    DeadLetterRecord,
    dead_letter_topics,
    plan_redrive,
    read_letters,
    send_letters,
)
from mercato_cli.events import CliError, open_reader
from mercato_cli.verify import PartitionLag, lag_clients, partition_lags
from mercato_console._endpoints import WATCHED, Endpoints

__all__ = [
    "Outbox",
    "RedriveFailed",
    "Redriven",
    "dead_letters",
    "lags",
    "outboxes",
    "redrive",
    "service_metrics",
]

_DLQ_SUFFIX = ".dlq"
_SCRAPE_TIMEOUT = aiohttp.ClientTimeout(total=3)


class RedriveFailed(Exception):
    """The dead letter cannot be redriven (gone, no event envelope, its topic missing)."""


@dataclass(frozen=True)
class Outbox:
    """A service's outbox as its metrics say; None when it exposes no metrics (or did not
    answer)."""

    service: str
    depth: int | None
    oldest_age_seconds: float | None
    problem: str = ""
    last_audit_ok: bool | None = None
    """The ledger's own running audit (`mercato_ledger_last_audit_ok`), when it reports one."""


@dataclass(frozen=True)
class Redriven:
    letter: DeadLetterRecord
    topic: str
    partition: int
    offset: int


def lags(endpoints: Endpoints) -> list[PartitionLag]:
    """Every partition of the watched services' consumer groups, with its lag (blocking)."""
    prefixes = [f"{prefix}." for prefix in endpoints.group_prefixes.values()]
    with lag_clients(endpoints.kafka, client_id="mercato-console") as (admin, reader):
        return partition_lags(admin, reader, prefixes)


def dead_letters(endpoints: Endpoints) -> list[DeadLetterRecord]:
    """The dead letters the watched services' consumers wrote, in every DLQ (blocking)."""
    with open_reader(endpoints.kafka) as consumer:
        letters, _ = read_letters(consumer, dead_letter_topics(consumer))
    return [letter for letter in letters if endpoints.service_of_group(letter.letter.consumer)]


def redrive(endpoints: Endpoints, dlq_topic: str, partition: int, offset: int) -> Redriven:
    """Republish the dead letter at `dlq_topic[partition]@offset` to its original topic, as
    `mercato dlq redrive --event-id` does (blocking)."""
    if not dlq_topic.endswith(_DLQ_SUFFIX):
        raise RedriveFailed(f"{dlq_topic} is not a dead-letter topic")
    original = dlq_topic.removesuffix(_DLQ_SUFFIX)
    try:
        with open_reader(endpoints.kafka) as consumer:
            if dlq_topic not in consumer.topics():
                raise RedriveFailed(f"there is no topic {dlq_topic}")
            letters, _ = read_letters(consumer, [dlq_topic])
            if not consumer.partitions_for_topic(original):
                raise RedriveFailed(f"the original topic {original} does not exist")
    except CliError as error:
        raise RedriveFailed(str(error)) from error
    found = [
        letter
        for letter in letters
        if (letter.dlq_partition, letter.dlq_offset) == (partition, offset)
        and letter.letter.topic == original
    ]
    if not found:
        raise RedriveFailed(f"no dead letter at {dlq_topic}[{partition}]@{offset}")
    letter = found[0]
    if letter.event_id is None:
        raise RedriveFailed("the record was no event envelope: redriving it would only fail again")
    plan = plan_redrive([letter], event_ids=[letter.event_id], consumer_name=None)
    try:
        sent = send_letters(endpoints.kafka, original, plan.redrive, client_id="mercato-console")
    except CliError as error:
        raise RedriveFailed(str(error)) from error
    record, new_partition, new_offset = sent[0]
    return Redriven(record, original, new_partition, new_offset)


async def outboxes(endpoints: Endpoints, session: aiohttp.ClientSession) -> list[Outbox]:
    """Each watched service's outbox depth and oldest row's age, from `/metrics` on its
    `<SERVICE>_METRICS_ADDR`; "n/a" (None) for a service without one."""
    return list(
        await asyncio.gather(
            *(_outbox(name, endpoints.metrics.get(name), session) for name in WATCHED)
        )
    )


async def service_metrics(
    service: str, endpoints: Endpoints, session: aiohttp.ClientSession
) -> Outbox:
    """One service's figures from its metrics endpoint (see `outboxes`)."""
    return await _outbox(service, endpoints.metrics.get(service), session)


async def _outbox(service: str, address: str | None, session: aiohttp.ClientSession) -> Outbox:
    if not address:
        return Outbox(service, None, None, "no metrics address configured")
    try:
        async with session.get(f"http://{address}/metrics", timeout=_SCRAPE_TIMEOUT) as answer:
            answer.raise_for_status()
            text = await answer.text()
    except (aiohttp.ClientError, TimeoutError) as error:
        return Outbox(service, None, None, f"metrics did not answer: {type(error).__name__}")
    depth: float | None = None
    age: float | None = None
    audit: bool | None = None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "mercato_outbox_depth":
                depth = (depth or 0) + sample.value
            elif sample.name == "mercato_outbox_oldest_age_seconds":
                age = max(age or 0.0, sample.value)
            elif sample.name == "mercato_ledger_last_audit_ok":
                audit = sample.value == 1
    return Outbox(service, None if depth is None else int(depth), age, last_audit_ok=audit)
