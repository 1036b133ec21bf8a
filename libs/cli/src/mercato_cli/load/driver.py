"""The open-loop driver: orders offered at a fixed arrival rate, whatever the fabric answers.

Each step schedules its orders at `start + n / rate` and starts every PlaceOrder at its
scheduled time as an asyncio task of its own (grpc.aio), never waiting for earlier ones to
answer: a slow fabric meets the same arrivals, and every latency is counted from the scheduled
time (a late start, a queue in the client, is latency too; coordinated omission is not hidden).

One `Watcher` follows the fabric for every order at once, not one poll per order:
- paid: payments' `PaymentCaptured` events, read by one consumer (no group) from the end of
  `mercato.payments.payment` as it was before the first order;
- ledger-posted: the ledger's consumer group has committed past that event's offset (the kit's
  consumer tells Kafka its position right after the database transaction that posted the
  entry, so the committed offset is what the ledger has written, to within one poll);
- consumer lag per group (end offsets less committed offsets, from Kafka) and, at the end of
  each step, each service's `mercato_outbox_depth` from its metrics address.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from mercato.orders.v1 import orders_pb2, orders_pb2_grpc
from mercato.payments.v1 import payments_pb2
from mercato_kit.consumer import topic_partitions
from mercato_kit.events import HEADER_EVENT_TYPE, EventEnvelope, topic_for

__all__ = ["Latencies", "OrderSpec", "StepResult", "Watcher", "run_step"]

PAYMENTS_TOPIC = topic_for("payments.payment")
SAGA_TOPICS = (
    topic_for("orders.order"),
    topic_for("catalog.reservation"),
    PAYMENTS_TOPIC,
    topic_for("logistics.shipment"),
)
"""The topics an order's events cross (their counts and sizes are reported per event type)."""
CAPTURED = payments_pb2.PaymentCaptured.DESCRIPTOR.full_name
_HIGHEST_MS = 3_600_000
_CALL_TIMEOUT_S = 30.0
_LEDGER_POLL_S = 0.2


def histogram() -> HdrHistogram:
    """Milliseconds from 1 ms to an hour, 3 significant digits."""
    return HdrHistogram(1, _HIGHEST_MS, 3)


def percentiles(hist: HdrHistogram) -> dict[str, float | int | None]:
    if hist.get_total_count() == 0:
        return {"count": 0, "p50": None, "p90": None, "p99": None, "max": None}
    return {
        "count": hist.get_total_count(),
        "p50": hist.get_value_at_percentile(50),
        "p90": hist.get_value_at_percentile(90),
        "p99": hist.get_value_at_percentile(99),
        "max": hist.get_max_value(),
    }


def _record(hist: HdrHistogram, seconds: float) -> None:
    hist.record_value(min(_HIGHEST_MS, max(1, round(seconds * 1000))))


@dataclass(frozen=True)
class OrderSpec:
    """One order the driver may offer: who places it and what it asks for."""

    metadata: Sequence[tuple[str, str]]
    lines: tuple[tuple[str, str, int], ...]
    """(product id, SKU id, quantity)."""


@dataclass
class Latencies:
    place: HdrHistogram = field(default_factory=histogram)
    paid: HdrHistogram = field(default_factory=histogram)
    ledger: HdrHistogram = field(default_factory=histogram)


@dataclass
class _Order:
    step: int
    scheduled: float
    paid: bool = False


class Watcher:
    """Follows every offered order to paid and to ledger-posted, and the fabric's backlog."""

    def __init__(
        self,
        kafka: str,
        *,
        group_prefixes: Sequence[str],
        ledger_prefix: str,
        metrics: Mapping[str, str],
    ) -> None:
        self._kafka = kafka
        self._group_prefixes = tuple(group_prefixes)
        self._ledger_prefix = ledger_prefix
        self._metrics = dict(metrics)
        self.latencies: dict[int, Latencies] = {}
        self.orders: dict[str, _Order] = {}
        self.events: Counter[tuple[str, str]] = Counter()
        self.event_bytes: Counter[tuple[str, str]] = Counter()
        self._awaiting_ledger: dict[tuple[int, int], str] = {}
        self._ledger_groups: list[str] = []
        self._consumer: AIOKafkaConsumer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.posted = 0

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._kafka, enable_auto_commit=False, group_id=None
        )
        await self._consumer.start()
        partitions = await topic_partitions(self._consumer, SAGA_TOPICS)
        self._consumer.assign(partitions)
        await self._consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the end now: nothing offered after is missed
            await self._consumer.position(partition)
        self._admin = AIOKafkaAdminClient(bootstrap_servers=self._kafka)
        await self._admin.start()
        self._tasks = [
            asyncio.create_task(self._follow_events()),
            asyncio.create_task(self._follow_ledger()),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()

    def check(self) -> None:
        """Raise what stopped one of the watcher's tasks, if one stopped."""
        for task in self._tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise RuntimeError("the harness's watcher stopped") from task.exception()

    def placed(self, order_id: str, step: int, scheduled: float) -> None:
        self.orders[order_id] = _Order(step, scheduled)

    def unpaid(self) -> int:
        return sum(not order.paid for order in self.orders.values())

    def unposted(self) -> int:
        """Orders placed and not yet posted by the ledger (paid or not)."""
        return len(self.orders) - self.posted

    async def _follow_events(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=2000)
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    self._seen(record, now)

    def _seen(self, record: Any, now: float) -> None:
        kind = next(
            (value.decode() for key, value in record.headers if key == HEADER_EVENT_TYPE), "?"
        )
        self.events[(record.topic, kind)] += 1
        self.event_bytes[(record.topic, kind)] += len(record.value or b"")
        if kind != CAPTURED:
            return
        order_id = EventEnvelope.from_bytes(record.value).unpack(payments_pb2.PaymentCaptured)
        order = self.orders.get(order_id.order_id)
        if order is None or order.paid:
            return
        order.paid = True
        _record(self._latencies(order.step).paid, now - order.scheduled)
        self._awaiting_ledger[(record.partition, record.offset)] = order_id.order_id

    def _latencies(self, step: int) -> Latencies:
        return self.latencies.setdefault(step, Latencies())

    async def _follow_ledger(self) -> None:
        while True:
            await asyncio.sleep(_LEDGER_POLL_S)
            if not self._awaiting_ledger:
                continue
            committed = await self._ledger_positions()
            now = time.monotonic()
            for key in [k for k in self._awaiting_ledger if k[1] < committed.get(k[0], -1)]:
                order = self.orders[self._awaiting_ledger.pop(key)]
                self.posted += 1
                _record(self._latencies(order.step).ledger, now - order.scheduled)

    async def _ledger_positions(self) -> dict[int, int]:
        """The ledger group's committed offset on each partition of the payments topic."""
        assert self._admin is not None
        if not self._ledger_groups:
            self._ledger_groups = [
                group for group in await self._groups() if group.startswith(self._ledger_prefix)
            ]
        positions: dict[int, int] = {}
        for group in self._ledger_groups:
            offsets = await self._admin.list_consumer_group_offsets(group)
            for tp, meta in offsets.items():
                if tp.topic == PAYMENTS_TOPIC and meta.offset >= 0:
                    positions[tp.partition] = max(positions.get(tp.partition, -1), meta.offset)
        return positions

    async def _groups(self) -> list[str]:
        assert self._admin is not None
        listed = await self._admin.list_consumer_groups()
        return sorted(group[0] for group in listed)

    async def lag(self) -> dict[str, int]:
        """Each of the run's consumer groups: records on its partitions past its committed
        offsets (from Kafka)."""
        assert self._admin is not None
        assert self._consumer is not None
        lags: dict[str, int] = {}
        for group in await self._groups():
            if not group.startswith(self._group_prefixes):
                continue
            offsets = await self._admin.list_consumer_group_offsets(group)
            committed = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
            if not committed:
                continue
            ends = await self._consumer.end_offsets(list(committed))
            lags[group] = sum(max(0, ends[tp] - offset) for tp, offset in committed.items())
        return lags

    async def outbox_depths(self) -> dict[str, float]:
        """Each service's `mercato_outbox_depth` (services without one are left out)."""
        found = await asyncio.gather(
            *(asyncio.to_thread(_outbox_depth, address) for address in self._metrics.values())
        )
        return {
            name: depth
            for name, depth in zip(self._metrics, found, strict=True)
            if depth is not None
        }


def _outbox_depth(address: str) -> float | None:
    try:
        with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    for family in text_string_to_metric_families(text):
        if family.name == "mercato_outbox_depth":
            return sum(sample.value for sample in family.samples)
    return None


@dataclass
class StepResult:
    """What one step offered and what the fabric did with it."""

    number: int
    rate: float
    seconds: float
    offered: int = 0
    placed: int = 0
    placed_in_step: int = 0
    paid_in_step: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    backlog_mid: int = 0
    backlog_end: int = 0
    lag: dict[str, int] = field(default_factory=dict)
    outbox: dict[str, float] = field(default_factory=dict)
    latencies: Latencies = field(default_factory=Latencies)
    late_starts: int = 0
    """Orders the scheduler itself started more than 100 ms after their time (the harness's
    own loop was behind: the figures then say more about the client than the fabric)."""

    @property
    def achieved(self) -> float:
        return self.placed_in_step / self.seconds

    @property
    def paid_rate(self) -> float:
        return self.paid_in_step / self.seconds

    def backlog_grew(self) -> bool:
        """More orders unanswered or unpaid at the step's end than at its middle, beyond a
        tenth of what half a step offers (and beyond two orders): the fabric is falling
        behind."""
        margin = max(2.0, 0.1 * self.rate * self.seconds / 2)
        return self.backlog_end > self.backlog_mid + margin

    def as_dict(self, slo_ms: float) -> dict[str, Any]:
        return {
            "step": self.number,
            "offered_per_s": self.rate,
            "seconds": self.seconds,
            "offered": self.offered,
            "placed": self.placed,
            "errors": dict(self.errors),
            "achieved_per_s": round(self.achieved, 2),
            "paid_per_s": round(self.paid_rate, 2),
            "place_ms": percentiles(self.latencies.place),
            "paid_ms": percentiles(self.latencies.paid),
            "ledger_ms": percentiles(self.latencies.ledger),
            "backlog_mid": self.backlog_mid,
            "backlog_end": self.backlog_end,
            "backlog_grew": self.backlog_grew(),
            "consumer_lag": self.lag,
            "outbox_depth": self.outbox,
            "late_starts": self.late_starts,
            "sustainable": self.sustainable(slo_ms),
        }

    def sustainable(self, slo_ms: float) -> bool:
        """Every order placed, the backlog not growing, PlaceOrder's and place -> paid's p99
        under the SLO."""
        if self.errors or self.placed < self.offered or self.backlog_grew():
            return False
        for hist in (self.latencies.place, self.latencies.paid):
            if hist.get_total_count() == 0 or hist.get_value_at_percentile(99) > slo_ms:
                return False
        return True


async def run_step(
    number: int,
    rate: float,
    seconds: float,
    specs: Sequence[OrderSpec],
    channel: grpc.aio.Channel,
    watcher: Watcher,
    *,
    run_key: str,
    first: int,
    progress: Callable[[StepResult], None] = lambda _: None,
) -> StepResult:
    """Offer `rate` orders per second for `seconds` (orders `first`, `first + 1`, ...), then
    wait for every PlaceOrder of the step to answer (or time out)."""
    stub = orders_pb2_grpc.OrderServiceStub(channel)  # type: ignore[no-untyped-call]
    result = StepResult(number, rate, seconds, latencies=watcher._latencies(number))
    total = max(1, round(rate * seconds))
    start = time.monotonic() + 0.05
    end = start + seconds
    calls: list[asyncio.Task[None]] = []

    async def place(index: int, scheduled: float) -> None:
        spec = specs[index % len(specs)]
        request = orders_pb2.PlaceOrderRequest(
            idempotency_key=f"{run_key}-load-{index}",
            lines=[
                orders_pb2.OrderLineRequest(product_id=product, sku_id=sku, quantity=quantity)
                for product, sku, quantity in spec.lines
            ],
            shipping_address=orders_pb2.ShippingAddress(
                region="CN-ZJ",
                city="Hangzhou",
                postal_code="310000",
                street_address=f"{index + 1} Load Road",
                recipient_name="Load Buyer",
            ),
            instrument="4242424242424242",
        )
        try:
            answer = await stub.PlaceOrder(
                request, metadata=tuple(spec.metadata), timeout=_CALL_TIMEOUT_S
            )
        except grpc.aio.AioRpcError as error:
            result.errors[error.code().name] += 1
            return
        done = time.monotonic()
        watcher.placed(answer.order_id, number, scheduled)
        _record(result.latencies.place, done - scheduled)
        result.placed += 1
        result.placed_in_step += done <= end

    def backlog() -> int:
        """PlaceOrder calls not yet answered, and orders placed but not yet paid."""
        return sum(not call.done() for call in calls) + watcher.unpaid()

    mid_sampled = False
    for n in range(total):
        scheduled = start + n / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.1:
            result.late_starts += 1
        calls.append(asyncio.create_task(place(first + n, scheduled)))
        result.offered += 1
        if not mid_sampled and scheduled >= start + seconds / 2:
            mid_sampled = True
            result.backlog_mid = backlog()
        progress(result)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(max(0.0, end - time.monotonic()))
    result.backlog_end = backlog()
    result.paid_in_step = result.latencies.paid.get_total_count()
    result.lag = await watcher.lag()
    result.outbox = await watcher.outbox_depths()
    await asyncio.gather(*calls)
    progress(result)
    return result
