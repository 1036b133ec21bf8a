"""The outbox relay: publishes committed outbox rows to Kafka, at least once, in commit order."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import socket
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import DecodeError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.events.v1 import envelope_pb2
from mercato_kit.events import (
    HEADER_EVENT_ID,
    HEADER_TRACEPARENT,
    KafkaRecord,
    kafka_headers,
)
from mercato_kit.logging import get_logger
from mercato_kit.messaging._lease import Lease
from mercato_kit.messaging._publisher import Publisher, PublishError
from mercato_kit.metrics import Metrics
from mercato_kit.storage import Database, outbox
from mercato_kit.tracing import SpanKind, end_span, start_span, tracing_enabled

__all__ = ["OutboxRelay"]

log = get_logger(__name__)

T = TypeVar("T")

_EXPECTED_FAILURES = (PublishError, SQLAlchemyError, OSError)

# Between rounds the relay yields to flush() and stop(), so a long backlog does not hold them.
_BATCHES_PER_ROUND = 20
# Batches handed to the producer and not yet acknowledged, at most.
_IN_FLIGHT = 3


@dataclass
class _InFlight:
    """A batch handed to the producer: its rows' ids, and what acknowledges them."""

    ids: list[int]
    per_topic: Counter[str]
    full: bool
    acks: asyncio.Future[None]
    spans: list[Any]

    def end_spans(self, error: BaseException | None) -> None:
        spans, self.spans = self.spans, []
        for publish_span in spans:
            end_span(publish_span, error)


class _LeaseLost(Exception):
    """The lease is no longer this instance's: stop publishing (the message is the log event)."""


@dataclass(frozen=True)
class _Round:
    """What one round did: the id of the last row published, whether a full batch was last."""

    last_id: int = 0
    more_waiting: bool = False


class OutboxRelay:
    """Publishes the rows of a database's outbox to Kafka and deletes them once acknowledged.

    It publishes while it holds the lease `name` in `relay_leases` (so one instance per
    database publishes while the others wait; a crashed holder's lease lapses after
    `lease_ttl`); it renews the lease only once half of it has passed, so a relay with nothing
    to publish costs one read of the outbox per poll or wake-up. It reads up to `batch_size`
    rows in `id` order and hands them to the producer, reads and hands over the next batches
    while the first waits for its acknowledgements (up to three batches in flight), and
    deletes each batch once every record of it is acknowledged, oldest first, in a transaction
    that first checks the lease is still held under the same fencing token. A crash at any
    moment leaves the unacknowledged rows in the outbox, to be published again: every
    committed row reaches Kafka at least once. Per aggregate, rows are written by transactions
    that serialise on the aggregate, so `id` order is commit order; the batches go to one
    idempotent producer in that order, which keeps one request in flight per partition, so
    Kafka holds them in that order (a redelivered batch may repeat records, never put one
    before an earlier one's first copy). When a batch fails, the batches behind it are let
    settle and all of them are published again from the failed one's first row.

    Run it as a task of the service (`run_until_stopped`), wake it right after a commit
    (`notify`, or pass as `wakeup` an event the service sets after each commit and only the
    relay waits on) so it need not wait for the next poll, and on shutdown `flush` then `stop`
    it. Cancelling the task instead lets its database work in flight end cleanly but abandons
    the lease, which another instance can take only after it lapses.
    """

    def __init__(
        self,
        database: Database,
        publisher: Publisher,
        *,
        name: str = "outbox",
        batch_size: int = 100,
        poll_interval: float = 0.5,
        lease_ttl: float = 10.0,
        owner: str | None = None,
        wakeup: asyncio.Event | None = None,
        max_backoff: float = 5.0,
        metrics: Metrics | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be positive, not {poll_interval}")
        if lease_ttl < 2 * poll_interval:
            raise ValueError(
                f"lease_ttl ({lease_ttl}s) must be at least twice poll_interval "
                f"({poll_interval}s), or the holder could not renew it in time"
            )
        self.name = name
        self.owner = owner or _default_owner()
        self._database = database
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._lease_ttl = lease_ttl
        self._max_backoff = max(max_backoff, poll_interval)
        self._lease = Lease(name, self.owner, lease_ttl, database.dialect)
        self._wakeup = wakeup or asyncio.Event()
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        self._round = asyncio.Lock()
        self._running = False
        self._token: int | None = None
        self._clock = time.monotonic
        self._renewed_at = 0.0
        self._renew_at = 0.0
        self._log = log.bind(relay=name, owner=self.owner)
        self._metrics = metrics
        if metrics is not None:
            metrics.sampled("mercato_outbox", self._sample_backlog)

    @property
    def holds_lease(self) -> bool:
        """Whether this instance held the lease at its last round."""
        return self._token is not None

    def notify(self) -> None:
        """Publish without waiting for the next poll (call it right after a local commit)."""
        self._wakeup.set()

    async def run_until_stopped(self) -> None:
        """Publish until `stop()` is called; transient failures are logged and retried."""
        if self._running:
            raise RuntimeError(f"relay {self.name!r} is already running")
        self._running = True
        self._stopped.clear()
        self._log.info("relay.started", batch_size=self._batch_size)
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    outcome = await self._round_once()
                except _EXPECTED_FAILURES as exc:
                    failures += 1
                    delay = self._backoff(failures)
                    self._log.warning("relay.round_failed", error=repr(exc), retry_in=delay)
                    await self._sleep(delay)
                    continue
                except Exception:
                    failures += 1
                    delay = self._backoff(failures)
                    self._log.exception("relay.round_failed_unexpectedly", retry_in=delay)
                    await self._sleep(delay)
                    continue
                failures = 0
                if outcome is None or not outcome.more_waiting:
                    await self._sleep(self._poll_interval)
            await self._release()
        finally:
            self._running = False
            self._stopped.set()
        self._log.info("relay.stopped")

    async def stop(self) -> None:
        """Finish the batch in flight, give the lease up, and return when the loop has ended.

        A stopped relay stays stopped.
        """
        self._stopping.set()
        self._wakeup.set()
        if self._running:
            await self._stopped.wait()
        else:
            await self._release()

    async def flush(self, timeout: float) -> None:  # noqa: ASYNC109 (the shutdown budget)
        """Publish every row committed before the call; raise TimeoutError after `timeout`.

        Works whether or not the loop runs; when another instance holds the lease, waits
        for that one to publish them.
        """
        async with asyncio.timeout(timeout):
            target = await self._last_id()
            while target is not None:
                try:
                    outcome = await self._round_once()
                except _EXPECTED_FAILURES as exc:
                    self._log.warning("relay.flush_round_failed", error=repr(exc))
                    outcome = None
                if outcome is not None:
                    # Rounds go in id order from the oldest row, and every row committed
                    # before the flush was visible to them.
                    if not outcome.more_waiting or outcome.last_id >= target:
                        return
                    continue
                await asyncio.sleep(self._poll_interval)
                if not await self._any_row_up_to(target):
                    return

    async def _round_once(self) -> _Round | None:
        """Publish batches while they come full (up to a few); None if the lease is not ours.

        Pipelined: while one batch waits for its acknowledgements the next is already read and
        handed to the producer (up to `_IN_FLIGHT` batches at once). Batches are enqueued in
        `id` order on one producer, which keeps one request in flight per partition, so Kafka
        holds them as one long batch published by the stop-and-wait relay would. Each batch is
        retired (deleted, under a lease confirmed in the same transaction) once acknowledged,
        oldest first; that transaction also reads the next batch.
        """
        async with self._round:
            token = await self._hold_lease()
            if token is None:
                return None
            rows = await self._read(after=0)
            in_flight: deque[_InFlight] = deque()
            outcome = _Round()
            sent = 0
            try:
                while True:
                    read_on = False
                    if rows:
                        await self._ensure_lease_for_sending(token)
                        in_flight.append(await self._enqueue(rows))
                        sent += 1
                        read_on = (
                            len(rows) == self._batch_size
                            and sent < _BATCHES_PER_ROUND
                            and not self._stopping.is_set()
                        )
                        after = rows[-1].id
                        rows = []
                        if read_on and len(in_flight) < _IN_FLIGHT:
                            rows = await self._read(after=after)
                            continue
                    if not in_flight:
                        return outcome
                    batch = in_flight.popleft()
                    await self._settle(batch, token)
                    ids = batch.ids
                    started = self._clock()
                    still_ours, rows = await self._transact(
                        functools.partial(
                            self._retire,
                            token=token,
                            ids=ids,
                            after=after if read_on else None,
                        )
                    )
                    if not still_ours:
                        raise _LeaseLost("relay.lease_lost_before_delete")
                    self._renewed(started)
                    if self._metrics is not None:
                        for topic, count in batch.per_topic.items():
                            self._metrics.published(topic, count)
                    self._log.debug(
                        "relay.published", rows=len(ids), first_id=ids[0], last_id=ids[-1]
                    )
                    outcome = _Round(last_id=ids[-1], more_waiting=batch.full)
            except _LeaseLost as lost:
                self._log.warning(str(lost), rows=sum(len(b.ids) for b in in_flight))
                self._note_lease(None)
                return None
            finally:
                # Whatever ended the round, let every batch handed to the producer settle, so
                # none fails later unobserved (its rows stay in the outbox for the next round).
                for batch in in_flight:
                    with contextlib.suppress(Exception):
                        await batch.acks
                    batch.end_spans(None)

    async def backlog(self) -> tuple[int, float]:
        """How many rows wait in the outbox, and the age in seconds of the oldest (0 when
        none does)."""
        query = select(func.count(), func.min(outbox.c.created_at)).select_from(outbox)
        async with self._database.read_transaction() as session:
            rows, oldest = (await session.execute(query)).one()
        if not rows or oldest is None:
            return 0, 0.0
        if oldest.tzinfo is None:  # SQLite gives back naive UTC
            oldest = oldest.replace(tzinfo=UTC)
        return int(rows), max(0.0, (datetime.now(UTC) - oldest).total_seconds())

    async def _sample_backlog(self) -> None:
        assert self._metrics is not None
        rows, age = await self.backlog()
        self._metrics.outbox_depth.set(rows)
        self._metrics.outbox_oldest_age.set(age)

    async def _hold_lease(self) -> int | None:
        """The fencing token if the lease is ours, asking the database only when it must.

        A lease taken or renewed by a statement sent at local time t is ours until t + ttl at
        least; it is renewed (one statement) once half of that has passed, or taken when not
        held. A relay with nothing to publish thus costs one read per poll.
        """
        token = self._token
        if token is not None and self._clock() < self._renew_at:
            return token
        started = self._clock()
        token = await self._transact(self._lease.acquire)
        if token is not None:
            self._renewed(started)
        self._note_lease(token)
        return token

    async def _ensure_lease_for_sending(self, token: int) -> None:
        """Renew before handing a batch to the producer when half the lease has passed."""
        if self._clock() < self._renew_at:
            return
        if not await self._renew(token):
            raise _LeaseLost("relay.lease_lost_while_publishing")
        if self._clock() >= self._renewed_at + self._lease_ttl:
            # Renewal failed for a whole lease: another instance may hold it by now.
            raise _LeaseLost("relay.lease_unconfirmed")

    async def _renew(self, token: int) -> bool:
        """Extend the lease; False if it is no longer ours (a database error is not a loss)."""
        started = self._clock()
        try:
            still_ours = await self._transact(lambda session: self._lease.confirm(session, token))
        except _EXPECTED_FAILURES as exc:
            self._log.warning("relay.lease_renewal_failed", error=repr(exc))
            self._renew_at = started + self._lease_ttl / 6
            return True
        if still_ours:
            self._renewed(started)
        return still_ours

    def _renewed(self, started: float) -> None:
        """The lease was confirmed by a statement sent at `started` (local monotonic time)."""
        self._renewed_at = started
        self._renew_at = started + self._lease_ttl / 2

    async def _read(self, after: int) -> Sequence[Any]:
        async with self._database.read_transaction() as session:
            return await self._next_batch(session, after)

    async def _enqueue(self, rows: Sequence[Any]) -> _InFlight:
        records = [self._record(row) for row in rows]
        spans = _publish_spans(records) if tracing_enabled() else []
        try:
            acks = asyncio.ensure_future(await self._publisher.enqueue(records))
            acks.add_done_callback(_observe)
        except BaseException as exc:
            for publish_span in spans:
                end_span(publish_span, exc)
            raise
        return _InFlight(
            ids=[row.id for row in rows],
            per_topic=Counter(row.topic for row in rows),
            full=len(rows) == self._batch_size,
            acks=acks,
            spans=spans,
        )

    async def _settle(self, batch: _InFlight, token: int) -> None:
        """Wait for a batch's acknowledgements, renewing the lease meanwhile when due."""
        while True:
            wait = max(0.0, self._renew_at - self._clock())
            done, _ = await asyncio.wait({batch.acks}, timeout=wait)
            if done:
                break
            if not await self._renew(token):
                raise _LeaseLost("relay.lease_lost_while_publishing")
        error = batch.acks.exception()
        batch.end_spans(error)
        if error is not None:
            raise error

    async def _retire(
        self, session: AsyncSession, *, token: int, ids: list[int], after: int | None
    ) -> tuple[bool, Sequence[Any]]:
        """Delete published rows if the lease is still ours; then read the batch after `after`."""
        if not await self._lease.retire(session, token, ids):
            return False, []
        return True, (await self._next_batch(session, after) if after is not None else [])

    async def _next_batch(self, session: AsyncSession, after: int) -> Sequence[Any]:
        result = await session.execute(
            select(outbox.c.id, outbox.c.event_id, outbox.c.topic, outbox.c.key, outbox.c.value)
            .where(outbox.c.id > after)
            .order_by(outbox.c.id)
            .limit(self._batch_size)
        )
        return result.all()

    async def _transact(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in a transaction that a cancellation of the caller does not cut short.

        A transaction cancelled mid-way can leave its connection holding SQLite's write lock,
        wedging every other writer of the service; shielded, it ends (commit or rollback)
        on its own.
        """
        task = asyncio.ensure_future(self._in_transaction(work))
        task.add_done_callback(_observe)
        return await asyncio.shield(task)

    async def _in_transaction(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        # Each of the relay's writes is one statement on PostgreSQL (taking, renewing or
        # releasing the lease; retiring a batch under it), atomic alone: no BEGIN and COMMIT
        # round trips. What `_retire` reads after its statement needs no transaction either.
        async with self._database.autocommit() as session:
            return await work(session)

    def _record(self, row: Any) -> KafkaRecord:
        headers = _headers_of(row.value)
        if headers is None:
            # Blocking the outbox on one bad row would stop every later event; consumers
            # dead-letter it instead.
            self._log.error("relay.row_is_not_an_envelope", outbox_id=row.id, event_id=row.event_id)
            headers = ((HEADER_EVENT_ID, row.event_id.encode()),)
        return KafkaRecord(topic=row.topic, key=row.key, value=row.value, headers=headers)

    def _note_lease(self, token: int | None) -> None:
        if token is not None and token != self._token:
            self._log.info("relay.lease_acquired", fencing_token=token)
        elif token is None and self._token is not None:
            self._log.info("relay.lease_lost")
        self._token = token

    async def _release(self) -> None:
        async with self._round:
            token = self._token
            if token is None:
                return
            try:
                await self._transact(lambda session: self._lease.release(session, token))
            except _EXPECTED_FAILURES as exc:
                self._log.warning("relay.lease_release_failed", error=repr(exc))
            else:
                self._log.info("relay.lease_released", fencing_token=token)
            self._token = None

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()
        self._wakeup.clear()

    def _backoff(self, failures: int) -> float:
        return float(min(self._max_backoff, self._poll_interval * 2 ** min(failures, 16)))

    async def _last_id(self) -> int | None:
        last = await self._transact(
            lambda session: session.scalar(
                select(outbox.c.id).order_by(outbox.c.id.desc()).limit(1)
            )
        )
        return None if last is None else int(last)

    async def _any_row_up_to(self, last_id: int) -> bool:
        first = await self._transact(
            lambda session: session.scalar(
                select(outbox.c.id).where(outbox.c.id <= last_id).order_by(outbox.c.id).limit(1)
            )
        )
        return first is not None


def _publish_spans(records: Sequence[KafkaRecord]) -> list[Any]:
    """A producer span per record, child of its event's traceparent, until Kafka acknowledges."""
    spans = []
    for record in records:
        traceparent = record.header(HEADER_TRACEPARENT)
        spans.append(
            start_span(
                f"publish {record.topic}",
                kind=SpanKind.PRODUCER,
                parent=traceparent.decode(errors="replace") if traceparent else "",
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "publish",
                    "messaging.destination.name": record.topic,
                    "messaging.message.id": (record.header(HEADER_EVENT_ID) or b"").decode(
                        errors="replace"
                    ),
                },
            )
        )
    return spans


def _headers_of(value: bytes) -> tuple[tuple[str, bytes], ...] | None:
    """The record headers of a serialized envelope; None when it is not one.

    Only the protobuf is parsed (what `EventEnvelope.from_bytes` refuses, this refuses too):
    building the whole envelope, timestamps and all, was a sixth of the relay's time.
    """
    proto = envelope_pb2.EventEnvelope()
    try:
        proto.ParseFromString(value)
    except (DecodeError, ValueError):
        return None
    if not (proto.event_id and proto.event_type and proto.aggregate_type and proto.aggregate_id):
        return None
    return kafka_headers(proto)


def _observe(task: asyncio.Future[Any]) -> None:
    # Retrieve the outcome of a transaction whose caller was cancelled, so an error in it
    # is not reported as "never retrieved".
    if not task.cancelled():
        task.exception()


def _default_owner() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"
