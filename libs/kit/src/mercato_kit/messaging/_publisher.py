"""The publisher port: put a batch of records on Kafka and return once every one is acknowledged."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Sequence
from types import TracebackType
from typing import Any, Self

from aiokafka.errors import KafkaError

from mercato_kit.events import KafkaRecord

__all__ = ["InMemoryPublisher", "KafkaPublisher", "PublishError", "Publisher"]


class PublishError(Exception):
    """Some records of a batch were not acknowledged; any of them may or may not be in Kafka.

    The caller publishes the whole batch again (consumers are idempotent by event id).
    """


class Publisher(abc.ABC):
    """Port: publish a batch of records, in order, and wait for every acknowledgement.

    Records with the same topic and key arrive in the order of the batch, and a batch
    published after another one's `publish` returned arrives after it.
    """

    @abc.abstractmethod
    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        """Publish `records`; return when all are acknowledged, raise PublishError otherwise."""

    async def enqueue(self, records: Sequence[KafkaRecord]) -> Awaitable[None]:
        """Put `records` on their way, in order, without waiting for acknowledgements.

        Returns what to await for them: it completes once every one is acknowledged and raises
        PublishError otherwise. Records enqueued by a later call go after these (per topic and
        key), so a caller may enqueue the next batch while this one is in flight. This default
        publishes at once (a publisher that cannot pipeline); it may raise PublishError itself.
        """
        await self.publish(records)
        return _acknowledged()


class KafkaPublisher(Publisher):
    """Publishes to Kafka through an aiokafka producer (see `create_producer`).

    Owns the producer's lifecycle: `start()`/`close()`, or use it as an async context manager.
    """

    def __init__(self, producer: Any) -> None:
        self._producer = producer

    async def start(self) -> None:
        """Connect the producer to the cluster."""
        await self._producer.start()

    async def close(self) -> None:
        """Send what is buffered and disconnect."""
        await self._producer.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def ping(self) -> None:
        """Raise unless a broker of the cluster answers a metadata request."""
        await self._producer.client.fetch_all_metadata()

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        """Enqueue every record in order, then wait for all acknowledgements."""
        await (await self.enqueue(records))

    async def enqueue(self, records: Sequence[KafkaRecord]) -> Awaitable[None]:
        """Hand every record to the producer in order; what to await for their acknowledgements.

        The producer keeps one request in flight per partition (idempotent), so records of a
        later call reach each partition after these.
        """
        pending: list[asyncio.Future[Any]] = []
        try:
            for record in records:
                pending.append(
                    await self._producer.send(
                        record.topic,
                        value=record.value,
                        key=record.key,
                        headers=list(record.headers),
                    )
                )
        except KafkaError as exc:
            # Let the records already enqueued settle, so none fails later unobserved.
            await asyncio.gather(*pending, return_exceptions=True)
            raise PublishError(
                f"record {len(pending) + 1} of {len(records)} could not be sent: {exc!r}"
            ) from exc
        return _acknowledgements(pending)


async def _acknowledgements(pending: list[asyncio.Future[Any]]) -> None:
    outcomes = await asyncio.gather(*pending, return_exceptions=True)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if failures:
        raise PublishError(
            f"{len(failures)} of {len(pending)} records were not acknowledged: {failures[0]!r}"
        ) from failures[0]


async def _acknowledged() -> None:
    return None


class InMemoryPublisher(Publisher):
    """A test double: keeps what is published in `records`, in order.

    `fail_next()` makes the next publish fail, optionally after keeping its first records, as
    a broker that acknowledged part of a batch would.
    """

    def __init__(self) -> None:
        self.records: list[KafkaRecord] = []
        self._failures: list[int] = []

    def fail_next(self, *, after: int = 0) -> None:
        """Make the next `publish` keep its first `after` records and then raise PublishError."""
        self._failures.append(after)

    def records_on(self, topic: str) -> list[KafkaRecord]:
        """The records published to `topic`, in order."""
        return [record for record in self.records if record.topic == topic]

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        """Append the records, or fail as arranged by `fail_next`."""
        if self._failures:
            kept = self._failures.pop(0)
            self.records.extend(records[:kept])
            raise PublishError(f"in-memory publisher told to fail after {kept} records")
        self.records.extend(records)
