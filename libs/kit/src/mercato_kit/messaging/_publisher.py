"""The publisher port: put a batch of records on Kafka and return once every one is acknowledged."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Self

from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaError,
    OutOfOrderSequenceNumber,
    UnknownProducerId,
)

from mercato_kit.events import KafkaRecord
from mercato_kit.logging import get_logger
from mercato_kit.messaging._producer import create_producer

__all__ = ["InMemoryPublisher", "KafkaPublisher", "PublishError", "Publisher"]

_log = get_logger(__name__)

_SESSION_LOST = (OutOfOrderSequenceNumber, UnknownProducerId, InvalidProducerEpoch)
"""Errors after which an idempotent producer's session with the cluster is broken for good:
aiokafka keeps its producer id and sequence numbers, and every later send fails the same way
(seen after a broker restart with batches in flight; aio-libs/aiokafka#1017). Only a new
producer (a new producer id) sends again."""

_STOP_TIMEOUT_S = 10.0


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
    With `remake` (a function that makes a producer like the first), a batch that fails because
    the producer's idempotent session was lost (`_SESSION_LOST`) replaces the producer with a
    new one before the error goes up, so the caller's next attempt is sent under a new producer
    id instead of failing forever; without it such errors repeat until the process restarts.
    """

    def __init__(self, producer: Any, *, remake: Callable[[], Any] | None = None) -> None:
        self._producer = producer
        self._remake = remake
        self._replacing = asyncio.Lock()

    @classmethod
    def for_cluster(cls, bootstrap_servers: str, *, client_id: str) -> KafkaPublisher:
        """A publisher on a `create_producer` producer that it remakes alike when the
        producer's idempotent session is lost (what a relay of a running service uses)."""
        make = functools.partial(create_producer, bootstrap_servers, client_id=client_id)
        return cls(make(), remake=make)

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
        producer = self._producer
        pending: list[asyncio.Future[Any]] = []
        try:
            for record in records:
                pending.append(
                    await producer.send(
                        record.topic,
                        value=record.value,
                        key=record.key,
                        headers=list(record.headers),
                    )
                )
        except KafkaError as exc:
            # Let the records already enqueued settle, so none fails later unobserved.
            await asyncio.gather(*pending, return_exceptions=True)
            await self._replace_after(producer, [exc])
            raise PublishError(
                f"record {len(pending) + 1} of {len(records)} could not be sent: {exc!r}"
            ) from exc
        return self._acknowledgements(producer, pending)

    async def _acknowledgements(self, producer: Any, pending: list[asyncio.Future[Any]]) -> None:
        outcomes = await asyncio.gather(*pending, return_exceptions=True)
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            await self._replace_after(producer, failures)
            raise PublishError(
                f"{len(failures)} of {len(pending)} records were not acknowledged: {failures[0]!r}"
            ) from failures[0]

    async def _replace_after(self, producer: Any, failures: Sequence[BaseException]) -> None:
        """A new producer in place of `producer` when one of `failures` means its session is
        lost (once: batches of the same producer failing together replace it once)."""
        if self._remake is None or not any(isinstance(f, _SESSION_LOST) for f in failures):
            return
        async with self._replacing:
            if self._producer is not producer:
                return  # another batch of the same producer replaced it already
            _log.warning(
                "kafka producer replaced: its idempotent session was lost",
                error=repr(next(f for f in failures if isinstance(f, _SESSION_LOST))),
            )
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), _STOP_TIMEOUT_S)
            fresh = self._remake()
            await fresh.start()
            self._producer = fresh


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
