"""Metrics: the kit's instruments for one service process, served for Prometheus to scrape.

    metrics = Metrics("orders")        # one per process; the runtime makes it
    install_metrics(metrics)           # appends (the outbox writer) report to it from now on
    server = create_server(address, metrics=metrics)      # RPC latency by method and code
    OutboxRelay(..., metrics=metrics); IdempotentConsumer(..., metrics=metrics)

    # a service's own value (in its wire()), sampled every few seconds, never per event:
    context.metrics.gauge("mercato_saga_steps_in_flight", "Saga steps sent, not yet answered",
                          read=count_in_flight)

The runtime does all of this when `<SERVICE>_METRICS_ADDR` is set, and serves the registry
there (`GET /metrics`, plain HTTP); unset, nothing is recorded, sampled or served. Every
series has the label `service`. What the kit records:

| series | type | labels | recorded by |
|---|---|---|---|
| `mercato_rpc_duration_seconds` | histogram | method, code | the gRPC edge (access log) |
| `mercato_events_appended_total` | counter | aggregate | the outbox writer, after the commit |
| `mercato_events_published_total` | counter | topic | the relay, once Kafka acknowledged |
| `mercato_outbox_depth` | gauge | | sampled (rows waiting in the outbox) |
| `mercato_outbox_oldest_age_seconds` | gauge | | sampled (0 when empty) |
| `mercato_consumer_lag` | gauge | group, topic, partition | computed on scrape |
| `mercato_events_applied_total` | counter | group, type | the consumer, after the commit |
| `mercato_dead_letters_total` | counter | group, topic | the consumer, once sent |

Recording costs a dictionary lookup and one increment or observation; gauges are computed when
scraped (consumer lag: the broker's high-water mark less the position the database holds) or
sampled by one periodic task (`sample()`, every `sample_interval` seconds).
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from sqlalchemy import event
from sqlalchemy.orm import Session

from mercato_kit.logging import get_logger

__all__ = [
    "RPC_BUCKETS",
    "SAMPLE_INTERVAL",
    "LagSource",
    "Metrics",
    "current_metrics",
    "install_metrics",
    "metrics_application",
    "note_appended",
]

RPC_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds (seconds) of the RPC latency histogram's buckets."""

SAMPLE_INTERVAL = 5.0
"""Seconds between two samples of the sampled gauges (outbox depth, a service's own values)."""

LagSource = Callable[[], Iterable[tuple[str, int, int]]]
"""A consumer's lag now: (topic, partition, records behind) for each partition it holds."""

Read = Callable[[], Awaitable[float | None]]
"""A service's value, read (from its database, say) when sampled; None while it has none."""

_log = get_logger(__name__)


class Metrics:
    """The instruments of one service process, on a registry of their own (see the module
    docstring for the series). The process's CPU, memory and garbage collection come along."""

    def __init__(
        self,
        service: str,
        *,
        registry: CollectorRegistry | None = None,
        sample_interval: float = SAMPLE_INTERVAL,
        process_collectors: bool = True,
    ) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry()
        self.sample_interval = sample_interval
        if process_collectors:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        registry = self.registry
        self.rpc_duration = Histogram(
            "mercato_rpc_duration_seconds",
            "Duration of the gRPC calls this service answered, by method and status code.",
            ("service", "method", "code"),
            buckets=RPC_BUCKETS,
            registry=registry,
        )
        self.events_appended = Counter(
            "mercato_events_appended",
            "Events committed to the outbox, by aggregate kind.",
            ("service", "aggregate"),
            registry=registry,
        )
        self.events_published = Counter(
            "mercato_events_published",
            "Events the outbox relay published and Kafka acknowledged, by topic.",
            ("service", "topic"),
            registry=registry,
        )
        self.outbox_depth = Gauge(
            "mercato_outbox_depth",
            "Rows waiting in the outbox for the relay (sampled).",
            ("service",),
            registry=registry,
        ).labels(service)
        self.outbox_oldest_age = Gauge(
            "mercato_outbox_oldest_age_seconds",
            "Age of the oldest row waiting in the outbox; 0 when it is empty (sampled).",
            ("service",),
            registry=registry,
        ).labels(service)
        self.events_applied = Counter(
            "mercato_events_applied",
            "Events the idempotent consumer applied (duplicates skipped), by group and type.",
            ("service", "group", "type"),
            registry=registry,
        )
        self.dead_letters = Counter(
            "mercato_dead_letters",
            "Records a consumer gave up on and sent to the topic's dead-letter topic.",
            ("service", "group", "topic"),
            registry=registry,
        )
        self._lag = _LagCollector(service)
        registry.register(self._lag)
        self._children: dict[tuple[Any, ...], Any] = {}
        self._jobs: list[tuple[str, Callable[[], Awaitable[None]]]] = []

    # -- what the kit records ----------------------------------------------------------------

    def observe_rpc(self, method: str, code: str, seconds: float) -> None:
        """One answered call."""
        self._child(self.rpc_duration, method, code).observe(seconds)

    def appended(self, aggregate: str, count: int = 1) -> None:
        """`count` events of `aggregate` committed to the outbox."""
        self._child(self.events_appended, aggregate).inc(count)

    def published(self, topic: str, count: int = 1) -> None:
        """`count` events on `topic` acknowledged by Kafka."""
        self._child(self.events_published, topic).inc(count)

    def applied(self, group: str, event_type: str, count: int = 1) -> None:
        """`count` events of `event_type` applied by consumer group `group`."""
        self._child(self.events_applied, group, event_type).inc(count)

    def dead_lettered(self, group: str, topic: str) -> None:
        """One record of `topic` sent to its dead-letter topic by `group`."""
        self._child(self.dead_letters, group, topic).inc()

    def track_lag(self, group: str, source: LagSource) -> None:
        """Report `source`'s lag as `mercato_consumer_lag{group=...}` at every scrape."""
        self._lag.sources[group] = source

    def sampled(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` (which sets gauges) at every `sample()`."""
        self._jobs.append((name, job))

    def _child(self, metric: Any, *values: str) -> Any:
        key = (metric, *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(self.service, *values)
        return child

    # -- a service's own values --------------------------------------------------------------

    def gauge(self, name: str, documentation: str, read: Read) -> None:
        """A gauge `name{service}` whose value `read()` gives, sampled every `sample_interval`
        seconds (absent until the first sample)."""
        family = _Sampled(name, documentation, self.service, kind="gauge")
        self.registry.register(family)
        self.sampled(name, family.sampler(read))

    def gauges(
        self,
        documentation: Mapping[str, str],
        read: Callable[[], Awaitable[Mapping[str, float]]],
    ) -> None:
        """Several gauges (`documentation` by name) read together: `read()` gives each one's
        value by name (one pass over the service's tables for all of them)."""
        families = {
            name: _Sampled(name, text, self.service, kind="gauge")
            for name, text in documentation.items()
        }
        for family in families.values():
            self.registry.register(family)

        async def sample() -> None:
            values = await read()
            for name, family in families.items():
                family.value = float(values[name])

        self.sampled(",".join(families), sample)

    def total(self, name: str, documentation: str, read: Read) -> None:
        """A counter `name{service}` (`name` ends in `_total`) whose value is a count the
        service keeps (rows in a table: it survives restarts), sampled like `gauge`."""
        if not name.endswith("_total"):
            raise ValueError(f"a counter's name ends in _total, not {name!r}")
        family = _Sampled(name, documentation, self.service, kind="counter")
        self.registry.register(family)
        self.sampled(name, family.sampler(read))

    async def sample(self) -> None:
        """Read every sampled value once (the runtime's periodic task). A read that fails is
        logged and leaves its value as it was: metrics never stop a service."""
        for name, job in self._jobs:
            try:
                await job()
            except Exception as exc:  # a metric must never take the service down
                _log.warning("metrics.sample_failed", metric=name, error=repr(exc))

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The registry in the text format Prometheus asked for, and its content type."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


class _LagCollector:
    """`mercato_consumer_lag`, from the consumers' own positions at scrape time."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.sources: dict[str, LagSource] = {}

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        for group, source in list(self.sources.items()):
            for topic, partition, lag in source():
                family.add_metric([self.service, group, topic, str(partition)], lag)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "mercato_consumer_lag",
            "Records on the partition after the position the consumer's database holds.",
            labels=["service", "group", "topic", "partition"],
        )


class _Sampled:
    """One sampled value of a service, exposed as a gauge or a counter."""

    def __init__(self, name: str, documentation: str, service: str, *, kind: str) -> None:
        self.name, self.documentation, self.service, self.kind = name, documentation, service, kind
        self.value: float | None = None

    def sampler(self, read: Read) -> Callable[[], Awaitable[None]]:
        async def sample() -> None:
            value = await read()
            self.value = None if value is None else float(value)

        return sample

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        if self.value is not None:
            family.add_metric([self.service], self.value)
        yield family

    def _family(self) -> GaugeMetricFamily | CounterMetricFamily:
        if self.kind == "counter":
            return CounterMetricFamily(self.name, self.documentation, labels=["service"])
        return GaugeMetricFamily(self.name, self.documentation, labels=["service"])


def metrics_application(metrics: Metrics) -> web.Application:
    """An aiohttp application answering `GET /metrics` with the registry (and `/` pointing
    there). It runs in the service's event loop, so collecting needs no locks."""

    async def scrape(request: web.Request) -> web.Response:
        started = time.perf_counter()
        body, content_type = metrics.exposition(request.headers.get("Accept", ""))
        if time.perf_counter() - started > 0.5:
            _log.warning("metrics.slow_scrape", seconds=round(time.perf_counter() - started, 3))
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def index(request: web.Request) -> web.Response:
        del request
        return web.Response(text=f"{metrics.service}: metrics at /metrics\n")

    application = web.Application()
    application.router.add_get("/metrics", scrape)
    application.router.add_get("/", index)
    return application


# -- appends: counted when their transaction commits ------------------------------------------

_installed: Metrics | None = None
_APPENDED = "mercato_appended"


def install_metrics(metrics: Metrics | None) -> Metrics | None:
    """Make `metrics` the process's (None: stop recording appends); returns the previous one."""
    global _installed
    previous, _installed = _installed, metrics
    if metrics is not None and not event.contains(Session, "after_commit", _count_appended):
        event.listen(Session, "after_commit", _count_appended)
        event.listen(Session, "after_rollback", _forget_appended)
    return previous


def current_metrics() -> Metrics | None:
    """The process's Metrics, when `install_metrics` gave one."""
    return _installed


def note_appended(session: Any, aggregates: Iterable[str]) -> None:
    """Remember events written to the outbox in `session` (an AsyncSession); they are counted
    when its transaction commits, forgotten when it rolls back. Free when metrics are off."""
    if _installed is None:
        return
    pending = session.sync_session.info.get(_APPENDED)
    if pending is None:
        pending = session.sync_session.info[_APPENDED] = Tally()
    pending.update(aggregates)


def _count_appended(session: Session) -> None:
    pending = session.info.pop(_APPENDED, None)
    if pending and _installed is not None:
        for aggregate, count in pending.items():
            _installed.appended(aggregate, count)


def _forget_appended(session: Session) -> None:
    session.info.pop(_APPENDED, None)
