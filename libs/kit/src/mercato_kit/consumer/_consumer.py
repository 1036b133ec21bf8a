"""IdempotentConsumer: aiokafka in, one database transaction per partition batch, DLQ out."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    TopicPartition,
)
from aiokafka.errors import KafkaError
from sqlalchemy import Column, String
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.consumer._dead_letters import dead_letter_record, describe_error
from mercato_kit.consumer._record import ConsumedRecord
from mercato_kit.consumer._sql import SqlTracking
from mercato_kit.consumer._tracking import Outcome, Partition, TrackedEvent, TrackingConflict
from mercato_kit.context import MessageContext, bind_context
from mercato_kit.events import EnvelopeDecodeError, EventEnvelope, envelope_from_record
from mercato_kit.logging import get_logger
from mercato_kit.metrics import Metrics
from mercato_kit.storage import (
    Database,
    consumer_positions,
    outbox_written,
    processed_events,
)
from mercato_kit.tracing import SpanKind, span, traceparent_of, tracing_enabled

__all__ = ["Handler", "IdempotentConsumer"]

Handler = Callable[[AsyncSession, EventEnvelope, ConsumedRecord], Awaitable[None]]
"""`async def handle(session, envelope, record) -> None`: apply one event's effect in `session`."""

log = get_logger(__name__)

# The database failing is not the event's fault: such errors stall the partition (retried with
# back-off) instead of counting as an attempt, so an outage never sends good events to the DLQ.
_INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError)
# What a poll may fail with and be retried after: the database, the broker, a lost race.
_RECOVERABLE_ERRORS = (SQLAlchemyError, KafkaError, TrackingConflict, OSError, TimeoutError)


def _length(column: Column[Any]) -> int:
    assert isinstance(column.type, String)
    assert column.type.length is not None
    return column.type.length


# What the tracking tables can hold: a longer name is refused, a longer event id is poison.
_MAX_NAME = _length(consumer_positions.c.consumer)
_MAX_EVENT_ID = _length(processed_events.c.event_id)
_KAFKA_COMMIT_TIMEOUT = 5.0
_MAX_POLL_BACKOFF = 30.0


class IdempotentConsumer:
    """Applies each event of `topics` once, however often Kafka delivers it.

    It processes a poll's records in ONE transaction: it locks the stored position of each
    partition they come from, skips records below it and event ids already applied, runs
    `handler` for the others, records their event ids and each partition's next offset, and
    commits. If a handler fails (or a record is undecodable) the poll's transaction is rolled
    back and its partitions are applied one transaction each instead: in a partition whose
    handler fails the batch is rolled back; the records before the failing one are applied
    again as a batch, the failing one alone (retried up to `max_attempts` times, then
    dead-lettered), and the rest continue as a batch. Undecodable records go straight to
    `<topic>.dlq`. A dead letter is acknowledged by Kafka before the transaction that moves the
    position past it commits.

    Positions are read from the database on every assignment (start, rebalance, restart after a
    crash) and Kafka's committed offsets are never read: they are written after each database
    commit only so lag can be monitored. The handler runs with the event's correlation id bound
    and the event id as causation, so events it emits carry them.

    Handlers must ignore event types they do not know (return without an effect): producers add
    types and fields, and an unknown type is not a poison message. A handler works only through
    the session it is given and never commits or rolls it back; to fail, it raises. Database
    errors that are not the event's fault (`OperationalError`, `InterfaceError`: connection
    lost, lock timeout) are retried with back-off without counting as attempts.
    """

    def __init__(
        self,
        database: Database,
        bootstrap_servers: str,
        *,
        name: str,
        topics: Sequence[str],
        handler: Handler,
        max_attempts: int = 5,
        batch_size: int = 200,
        retry_backoff: float = 0.5,
        poll_timeout: float = 0.5,
        commit_kafka_offsets: bool = True,
        kafka_options: Mapping[str, Any] | None = None,
        after_commit: Callable[[], object] | None = None,
        after_outbox_commit: Callable[[], object] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """Configure (nothing connects until `run`).

        `name` is the Kafka group id and the key of this consumer's tracking records: instances
        with the same name share the work. `kafka_options` go to `AIOKafkaConsumer` as they are
        (e.g. `session_timeout_ms`), except what the guarantees rest on: the group, auto-commit.
        `after_commit` is called after every transaction that applied records;
        `after_outbox_commit` only after those whose effects wrote outbox rows (the runtime
        passes the outbox relay's wake-up there: a batch that published nothing need not wake
        it).
        `metrics`: where to count applied events and dead letters, and report the lag of each
        partition held (the broker's high-water mark less the position in the database).
        """
        if not name or len(name) > _MAX_NAME:
            raise ValueError(f"name must have 1 to {_MAX_NAME} characters, not {name!r}")
        if not topics:
            raise ValueError("topics must name at least one topic")
        if max_attempts < 1 or batch_size < 1:
            raise ValueError("max_attempts and batch_size must be at least 1")
        options = dict(kafka_options or {})
        if {"group_id", "enable_auto_commit"} & options.keys():
            raise ValueError("kafka_options may not set group_id or enable_auto_commit")
        self.name = name
        self.topics = tuple(topics)
        self._database = database
        self._bootstrap_servers = bootstrap_servers
        self._handler = handler
        self._max_attempts = max_attempts
        self._batch_size = batch_size
        self._retry_backoff = retry_backoff
        self._poll_timeout_ms = int(poll_timeout * 1000)
        self._commit_kafka_offsets = commit_kafka_offsets
        self._kafka_options = options
        self._after_commit = after_commit
        self._after_outbox_commit = after_outbox_commit
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        self._running = False
        self._assigned: frozenset[TopicPartition] = frozenset()
        self._epoch = 0
        self._seek_needed = False
        self._consumer: Any = None
        self._producer: Any = None
        # The next offset to apply per partition, as the database holds it (for the lag).
        self._positions: dict[TopicPartition, int] = {}
        # Positions Kafka has not been told yet (a commit that failed, positions just sought):
        # told with the next poll, so the group's committed offsets never stay behind the
        # database on a partition that receives nothing more.
        self._untold: dict[TopicPartition, int] = {}
        self._metrics = metrics
        if metrics is not None:
            metrics.track_lag(name, self.lag)

    @property
    def assignment(self) -> frozenset[Partition]:
        """The partitions this instance processes now (empty while rebalancing)."""
        return frozenset(Partition(tp.topic, tp.partition) for tp in self._assigned)

    def lag(self) -> list[tuple[str, int, int]]:
        """(topic, partition, records behind) for each partition held whose high-water mark
        the broker has reported: what is on it after the position the database holds."""
        consumer = self._consumer
        if consumer is None:
            return []
        behind = []
        for tp in self._assigned:
            position = self._positions.get(tp)
            highwater = consumer.highwater(tp)
            if position is not None and highwater is not None:
                behind.append((tp.topic, tp.partition, max(0, highwater - position)))
        return behind

    async def run(self) -> None:
        """Consume until `stop()`: join the group, then apply batches as they arrive.

        An instance runs once: after `stop()` (even one called before `run`), `run` returns at
        once. Raises only what cannot be retried (e.g. no broker at start-up); database and
        broker failures while running are logged and retried with back-off.
        """
        if self._running:
            raise RuntimeError(f"consumer {self.name} is running already")
        options: dict[str, Any] = {
            "client_id": self.name,
            "auto_offset_reset": "earliest",
            "max_poll_records": self._batch_size,
            "isolation_level": "read_committed",
            **self._kafka_options,
            "group_id": self.name,
            "enable_auto_commit": False,
        }
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap_servers, **options)
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=f"{self.name}.dlq",
            acks="all",
            enable_idempotence=True,
        )
        self._consumer, self._producer = consumer, producer
        self._running = True
        self._stopped.clear()
        async with contextlib.AsyncExitStack() as cleanup:
            # Run last to first, each even if another fails.
            cleanup.push_async_callback(self._mark_stopped)
            cleanup.push_async_callback(producer.stop)
            cleanup.push_async_callback(consumer.stop)
            await producer.start()
            await consumer.start()
            consumer.subscribe(list(self.topics), listener=_DatabasePositions(self))
            log.info("consumer.started", consumer=self.name, topics=list(self.topics))
            await self._poll_until_stopped()

    async def _mark_stopped(self) -> None:
        self._assigned = frozenset()
        self._running = False
        self._stopped.set()
        log.info("consumer.stopped", consumer=self.name)

    async def stop(self) -> None:
        """Finish the transaction in flight, leave the group, and return once `run` has ended.

        Records fetched but not yet in a transaction are left for whoever resumes (from the
        database). Do not await this from inside the handler: it waits for the handler.
        """
        self._stopping.set()
        if self._running:
            await self._stopped.wait()

    async def _poll_until_stopped(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                await self._poll()
                failures = 0
            except _Stopping:
                return
            except _RECOVERABLE_ERRORS as exc:
                failures += 1
                delay = min(self._retry_backoff * 2**failures, _MAX_POLL_BACKOFF)
                log.warning(
                    "consumer.poll_failed",
                    consumer=self.name,
                    error=describe_error(exc),
                    retry_in=delay,
                    exc_info=True,
                )
                # The fetch positions may be ahead of what was committed: re-read them.
                self._seek_needed = True
                await self._sleep(delay)

    async def _poll(self) -> None:
        epoch = self._epoch
        batches = await self._consumer.getmany(
            timeout_ms=self._poll_timeout_ms, max_records=self._batch_size
        )
        done: dict[TopicPartition, int] = {}
        async with self._lock:
            if self._seek_needed or (batches and epoch != self._epoch):
                # A rebalance or a failure happened since the fetch began: what was fetched may
                # come from positions other than the database's. Drop it and seek again.
                await self._seek_to_database(self._consumer.assignment())
                return
            ours: dict[TopicPartition, Sequence[Any]] = {}
            for tp, records in batches.items():
                if tp not in self._assigned:
                    # Not ours as far as the database knows: its fetch position is suspect.
                    self._seek_needed = True
                elif records:
                    ours[tp] = records
            if len(ours) > 1 and not self._stopping.is_set() and await self._apply_poll(ours):
                done = {tp: records[-1].offset + 1 for tp, records in ours.items()}
            else:
                for tp, records in ours.items():
                    if self._stopping.is_set():
                        break
                    await self._process_partition(Partition(tp.topic, tp.partition), records)
                    done[tp] = records[-1].offset + 1
        await self._commit_to_kafka(done)

    async def _apply_poll(self, batches: Mapping[TopicPartition, Sequence[Any]]) -> bool:
        """Apply a poll's records of several partitions in ONE transaction (one commit and one
        set of tracking statements instead of one per partition). False, with nothing
        applied, when a record is undecodable or a handler fails: the caller then goes
        partition by partition, which isolates it (retries, dead letter) as ever."""
        runs: dict[Partition, list[_Item]] = {}
        for tp, records in batches.items():
            items = []
            for raw in records:
                record = ConsumedRecord.from_aiokafka(raw)
                try:
                    items.append(_Item(record, _decode(record)))
                except EnvelopeDecodeError:
                    return False
            runs[Partition(tp.topic, tp.partition)] = items
        try:
            await self._apply(runs)
        except _HandlerFailed as failure:
            log.info(
                "consumer.poll_applied_by_partition",
                consumer=self.name,
                topic=failure.item.record.topic,
                partition=failure.item.record.partition,
                offset=failure.item.record.offset,
                error=describe_error(failure.error),
            )
            return False
        return True

    async def _seek_to_database(self, assigned: Collection[TopicPartition]) -> None:
        """Seek every assigned partition to its stored position (offset 0 when it has none)."""
        self._seek_needed = True
        self._epoch += 1
        async with self._database.transaction() as session:
            positions = await SqlTracking(session).positions(self.name, self.topics)
        for tp in assigned:
            # Offset 0 of a partition whose start was deleted resets to the earliest offset.
            position = positions.get(Partition(tp.topic, tp.partition), 0)
            self._consumer.seek(tp, position)
            self._positions[tp] = position
            if Partition(tp.topic, tp.partition) in positions:
                self._untold[tp] = position
        self._assigned = frozenset(assigned)
        self._seek_needed = False
        log.info(
            "consumer.positions_loaded",
            consumer=self.name,
            positions={
                f"{tp.topic}[{tp.partition}]": positions.get(Partition(tp.topic, tp.partition), 0)
                for tp in assigned
            },
        )

    async def _on_partitions_revoked(self) -> None:
        # Waiting for the lock lets the transaction in flight finish before the partitions go.
        async with self._lock:
            self._assigned = frozenset()
            self._epoch += 1

    async def _on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        async with self._lock:
            try:
                await self._seek_to_database(assigned)
            except _RECOVERABLE_ERRORS as exc:
                # Left for the poll loop to retry: nothing is processed until it has sought.
                log.warning(
                    "consumer.positions_unavailable", consumer=self.name, error=describe_error(exc)
                )

    async def _process_partition(self, partition: Partition, records: Sequence[Any]) -> None:
        run: list[_Item] = []
        for raw in records:
            record = ConsumedRecord.from_aiokafka(raw)
            try:
                envelope = _decode(record)
            except EnvelopeDecodeError as exc:
                await self._apply_run(partition, run)
                run = []
                await self._dead_letter(partition, _Item(record, None), exc, attempts=1)
                continue
            run.append(_Item(record, envelope))
        await self._apply_run(partition, run)

    async def _apply_run(self, partition: Partition, items: list[_Item]) -> None:
        while items:
            try:
                await self._apply({partition: items})
                return
            except _HandlerFailed as failure:
                index = next(i for i, item in enumerate(items) if item is failure.item)
                log.warning(
                    "consumer.batch_failed",
                    consumer=self.name,
                    topic=partition.topic,
                    partition=partition.partition,
                    offset=failure.item.record.offset,
                    records=len(items),
                    error=describe_error(failure.error),
                )
                await self._apply_run(partition, items[:index])
                await self._apply_with_retries(partition, failure)
                items = items[index + 1 :]

    async def _apply_with_retries(self, partition: Partition, failure: _HandlerFailed) -> None:
        attempts, error = 1, failure.error
        while attempts < self._max_attempts:
            await self._sleep(self._retry_backoff * attempts)
            if self._stopping.is_set():
                raise _Stopping
            try:
                await self._apply({partition: [failure.item]})
                return
            except _HandlerFailed as again:
                attempts, error = attempts + 1, again.error
                log.warning(
                    "consumer.handler_failed",
                    consumer=self.name,
                    topic=partition.topic,
                    partition=partition.partition,
                    offset=failure.item.record.offset,
                    attempts=attempts,
                    error=describe_error(error),
                )
        await self._dead_letter(partition, failure.item, error, attempts=attempts)

    async def _apply(self, runs: Mapping[Partition, Sequence[_Item]]) -> None:
        """Apply records of one or more partitions in one transaction; raise _HandlerFailed on
        failure (the transaction rolled back)."""
        async with self._database.transaction() as session:
            tracking = SqlTracking(session)
            positions = await tracking.hold_positions(self.name, runs.keys())
            pending: dict[Partition, list[_Item]] = {}
            for partition, items in runs.items():
                position = positions.get(partition)
                fresh = [i for i in items if position is None or i.record.offset >= position]
                if fresh:
                    pending[partition] = fresh
            if not pending:
                return
            outcomes = await tracking.outcomes(
                self.name, {item.event_id for items in pending.values() for item in items}
            )
            done = {event_id for event_id, o in outcomes.items() if o is Outcome.APPLIED}
            applied: list[TrackedEvent] = []
            types: list[str] = []
            for items in pending.values():
                for item in items:
                    if item.event_id in done:
                        continue
                    await self._handle(session, item)
                    done.add(item.event_id)
                    applied.append(item.tracked())
                    types.append(item.envelope.event_type if item.envelope else "")
            redriven = {e for e, o in outcomes.items() if o is Outcome.DEAD_LETTERED}
            next_offsets = {p: items[-1].record.offset + 1 for p, items in pending.items()}
            await tracking.record_applied_and_advance(
                self.name, applied, next_offsets, dead_lettered=redriven
            )
            wrote = outbox_written(session)
        for partition, next_offset in next_offsets.items():
            self._moved(partition, next_offset)
        if applied and self._metrics is not None:
            for event_type, count in Counter(types).items():
                self._metrics.applied(self.name, event_type, count)
        if applied and self._after_commit is not None:
            self._after_commit()
        if wrote and self._after_outbox_commit is not None:
            self._after_outbox_commit()

    def _moved(self, partition: Partition, position: int) -> None:
        """Note the position a commit stored (what the lag is measured from)."""
        self._positions[TopicPartition(partition.topic, partition.partition)] = position

    async def _handle(self, session: AsyncSession, item: _Item) -> None:
        envelope = item.envelope
        assert envelope is not None
        context = MessageContext(
            correlation_id=envelope.correlation_id or envelope.event_id,
            causation_id=envelope.event_id,
            traceparent=envelope.traceparent,
        )
        if not tracing_enabled():
            await self._handle_in(context, session, item, envelope)
            return
        record = item.record
        with span(
            f"process {record.topic}",
            kind=SpanKind.CONSUMER,
            parent=envelope.traceparent,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
                "messaging.consumer.group.name": self.name,
                "messaging.message.id": envelope.event_id,
                "mercato.event.type": envelope.event_type,
            },
        ) as consume_span:
            assert consume_span is not None
            traced = replace(context, traceparent=traceparent_of(consume_span))
            await self._handle_in(traced, session, item, envelope)

    async def _handle_in(
        self, context: MessageContext, session: AsyncSession, item: _Item, envelope: EventEnvelope
    ) -> None:
        with bind_context(context):
            try:
                await self._handler(session, envelope, item.record)
            except _INFRASTRUCTURE_ERRORS:
                raise
            except Exception as exc:
                raise _HandlerFailed(item, exc) from exc

    async def _dead_letter(
        self, partition: Partition, item: _Item, error: BaseException, *, attempts: int
    ) -> None:
        """Send `item` to the DLQ, then move the position past it, in that order."""
        record = item.record
        async with self._database.transaction() as session:
            tracking = SqlTracking(session)
            position = await tracking.position(self.name, partition)
            if position is not None and record.offset < position:
                return
            letter = dead_letter_record(record, consumer=self.name, error=error, attempts=attempts)
            await self._producer.send_and_wait(
                letter.topic, value=letter.value, key=letter.key, headers=list(letter.headers)
            )
            if item.envelope is not None:
                await tracking.record_dead_lettered(self.name, item.tracked())
            await tracking.advance(self.name, partition, record.offset + 1)
        self._moved(partition, record.offset + 1)
        if self._metrics is not None:
            self._metrics.dead_lettered(self.name, record.topic)
        log.warning(
            "consumer.dead_lettered",
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            event_id=item.event_id or None,
            attempts=attempts,
            error=describe_error(error),
        )

    async def _commit_to_kafka(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Tell Kafka how far the database is, for lag monitoring only (never read back);
        what it could not be told before is told now."""
        if not self._commit_kafka_offsets:
            return
        assigned = self._consumer.assignment()
        untold = {**self._untold, **offsets}
        self._untold = {tp: offset for tp, offset in untold.items() if tp in assigned}
        telling = dict(self._untold)
        if not telling:
            return
        try:
            await asyncio.wait_for(self._consumer.commit(telling), _KAFKA_COMMIT_TIMEOUT)
        except (KafkaError, TimeoutError) as exc:
            log.debug("consumer.kafka_commit_skipped", consumer=self.name, error=str(exc))
            return
        for tp, offset in telling.items():  # a rebalance meanwhile may have sought again
            if self._untold.get(tp) == offset:
                del self._untold[tp]

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


class _Item:
    """A record of a run and its envelope (None for an undecodable one)."""

    __slots__ = ("envelope", "record")

    def __init__(self, record: ConsumedRecord, envelope: EventEnvelope | None) -> None:
        self.record = record
        self.envelope = envelope

    @property
    def event_id(self) -> str:
        return "" if self.envelope is None else self.envelope.event_id

    def tracked(self) -> TrackedEvent:
        return TrackedEvent(
            self.event_id, self.record.topic, self.record.partition, self.record.offset
        )


class _HandlerFailed(Exception):
    def __init__(self, item: _Item, error: Exception) -> None:
        super().__init__(describe_error(error))
        self.item = item
        self.error = error


class _Stopping(Exception):
    """Stop was asked for while a record waited for its next attempt."""


class _DatabasePositions(ConsumerRebalanceListener):  # type: ignore[misc]
    """Seeks newly assigned partitions to the positions stored in the database."""

    def __init__(self, consumer: IdempotentConsumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        del revoked
        await self._consumer._on_partitions_revoked()

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        await self._consumer._on_partitions_assigned(assigned)


def _decode(record: ConsumedRecord) -> EventEnvelope:
    envelope = envelope_from_record(record.value, record.headers)
    if len(envelope.event_id) > _MAX_EVENT_ID:
        raise EnvelopeDecodeError(f"event id longer than {_MAX_EVENT_ID} characters")
    return envelope
