"""The faust application: three thin agents and one changelog-backed table.

    mercato.marketing.click ──── forward_clicks ──┐
                                                  ├──> <group>-traffic-keyed ── count ──┐
    mercato.marketing.campaign ── forward_caps ───┘         (tallies by key)            │
                                  table "windows" (changelog <group>-windows-changelog) <┤
                                                         mercato.marketing.traffic <────┘

The click topic is keyed by click id, but the windows count per fingerprint, publisher and
campaign: a faust table may only be changed by the stream of its own partition (its changelog
partition is the event's), so the forwarding agents re-key every click into tallies
(`fingerprint:<fp>`, `publisher:<id>`, `campaign:<id>` for an accepted paid click; a
CampaignLaunched's daily cap goes to `campaign:<id>` too) on the worker's keyed topic, whose
partitions are the table's. With several workers each key is then counted in one place.

The table (`windows`, one entry per key: `windows.KeyState`, encoded) is backed by its changelog
topic, from which faust recovers it at start (in-memory store, or RocksDB under the data
directory when installed). Faust is at-least-once: it commits its positions every
MARKETING_TRAFFIC_COMMIT_INTERVAL after flushing what the agents sent, so after a crash it
reads again from the last commit. Each key's state therefore carries the last click-topic offset
it applied per partition, and a tally already applied is not counted again: counts are exact
across crashes and redeliveries. A flag is sent before the state that records it is written,
but neither waits for the broker (the producer batches, `linger` 50 ms); faust flushes both
before it commits the tally's position. So a crash can lose a flag only while the tally that
raised it is uncommitted: that tally is read again, and raises the same flag again (same event
id: marketing's idempotent consumer applies it once).

Agent concurrency stays 1 (faust #606: with more, a commit can pass a message still in flight).
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from typing import Any

import faust
from mode import Service

from mercato_kit.events import HEADER_EVENT_ID, EnvelopeDecodeError
from mercato_kit.grpc import GrpcServer, create_server
from mercato_kit.http import HttpServer
from mercato_kit.logging import get_logger
from mercato_kit.metrics import Metrics, metrics_application
from mercato_marketing.traffic.facts import campaign_tallies, click_tallies, flag_record
from mercato_marketing.traffic.settings import TrafficSettings
from mercato_marketing.traffic.windows import (
    Flag,
    SweepClock,
    Tally,
    decode_tally,
    encode_tally,
    expired_keys,
    update,
)

__all__ = ["TABLE", "build_app", "store_url"]

TABLE = "windows"

_log = get_logger("mercato_marketing.traffic")


def store_url() -> str:
    """RocksDB when a binding is installed, else memory (recovered from the changelog)."""
    if importlib.util.find_spec("rocksdict") or importlib.util.find_spec("rocksdb"):
        return "rocksdb://"
    return "memory://"


class HealthServer(Service):
    """The worker's health check (gRPC health at MARKETING_TRAFFIC_GRPC_ADDR), registered as
    faust's web server: faust starts it once the tables are recovered, and stops it first.
    With a `metrics_address` (MARKETING_TRAFFIC_METRICS_ADDR) it serves the process's metrics
    there too (`mercato_kit.metrics`: CPU, memory, garbage collection)."""

    def __init__(self, address: str, metrics_address: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.address = address
        self._server: GrpcServer | None = None
        self._metrics = (
            HttpServer(
                "marketing-traffic.metrics",
                metrics_application(Metrics("marketing-traffic")),
                metrics_address,
            )
            if metrics_address
            else None
        )
        self._serving_metrics: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        self._server = create_server(self.address)
        await self._server.start()
        if self._metrics is not None:
            self._serving_metrics = asyncio.create_task(self._metrics.run())
        _log.info("traffic.ready", health=self._server.bound_address)

    async def on_stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=1.0)
        if self._metrics is not None and self._serving_metrics is not None:
            await self._metrics.stop()
            await self._serving_metrics


def build_app(settings: TrafficSettings) -> Any:
    """The worker's faust App, configured from `settings` (not started)."""
    rules = settings.rules()
    partitions = settings.kafka_topic_partitions
    app = faust.App(
        settings.traffic_group,
        broker=[f"kafka://{server}" for server in settings.kafka_bootstrap_servers.split(",")],
        store=store_url(),
        datadir=str(settings.traffic_data_dir),
        web_enabled=True,
        topic_partitions=partitions,
        topic_disable_leader=True,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.traffic_commit_interval,
        # Batches of 50 ms: one produce request per partition per batch, not per record
        # (with acks=all, a request per record held the worker to a third of this rate).
        producer_linger=0.05,
        broker_session_timeout=settings.traffic_session_timeout,
        broker_heartbeat_interval=min(3.0, settings.traffic_session_timeout / 3),
    )
    app.web_server(HealthServer(settings.traffic_grpc_addr, settings.traffic_metrics_addr))

    def raw_topic(name: str, **kwargs: Any) -> Any:
        return app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            **kwargs,
        )

    clicks = raw_topic(settings.traffic_click_topic)
    campaigns = raw_topic(settings.traffic_campaign_topic)
    keyed = raw_topic(settings.keyed_topic, partitions=partitions, internal=True)
    flags = raw_topic(settings.traffic_topic)
    table = app.Table(
        TABLE,
        default=None,
        partitions=partitions,
    )
    sweeps = SweepClock(every=max(rules.flood_window, 30))

    async def forward(tallies: list[Tally]) -> None:
        for tally in tallies:
            await keyed.send(key=tally.key.encode(), value=encode_tally(tally))

    async def forward_clicks(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            try:
                tallies = click_tallies(message.value, message.partition, message.offset)
            except EnvelopeDecodeError as exc:
                _skip(message, exc)
                continue
            await forward(tallies)

    async def forward_caps(stream: Any) -> None:
        async for event in stream.events():
            try:
                tallies = campaign_tallies(event.message.value)
            except EnvelopeDecodeError as exc:
                _skip(event.message, exc)
                continue
            await forward(tallies)

    async def publish(flag: Flag) -> None:
        record = flag_record(flag, settings.traffic_topic)
        await flags.send(key=record.key, value=record.value, headers=list(record.headers))
        _log.info(
            "traffic.flagged",
            kind=flag.kind,
            key=flag.key,
            window_start=flag.window_start,
            window_end=flag.window_end,
            clicks=flag.clicks,
            limit=flag.limit,
            event_id=(record.header(HEADER_EVENT_ID) or b"").decode(),
        )

    async def count(stream: Any) -> None:
        async for event in stream.events():
            partition = event.message.partition
            try:
                tally = decode_tally(event.message.value)
            except ValueError as exc:
                _skip(event.message, exc)
                continue
            value, flags = update(table.get(tally.key), tally, partition, rules)
            for flag in flags:
                await publish(flag)
            if value is not None:
                table[tally.key] = value
            now = sweeps.due(partition, tally.at, time.time())
            if now is not None:
                for key in expired_keys(list(table.items()), partition, now):
                    del table[key]

    app.agent(clicks, name="forward_clicks")(forward_clicks)
    app.agent(campaigns, name="forward_caps")(forward_caps)
    app.agent(keyed, name="count")(count)
    return app


def _skip(message: Any, error: Exception) -> None:
    _log.warning(
        "traffic.record_skipped",
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        error=str(error),
    )
