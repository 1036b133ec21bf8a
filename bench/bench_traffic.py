"""Marketing's traffic worker (faust) against a plain aiokafka loop keeping the same counts.

    .venv/bin/python -m bench.bench_traffic [--clicks 20000] [--repeats 3]

A click topic (3 partitions, keyed by click id) is filled once with `--clicks` AdClicked and
ClickRejected envelopes as marketing's relay writes them, over ten minutes of event time: 2,000
ordinary visitors, ten flooding fingerprints (15 % of the clicks), 30 publishers and one
flooding publisher (55 %), 20 CPC campaigns (90 % of clicks accepted, cost 30) whose
CampaignLaunched (daily cap 24,000) are on a campaign topic. In each repeat, back to back:

- **faust worker:** `mercato serve marketing-traffic` as a real process in a fresh group (so
  a fresh keyed topic and changelog) with the default limits (20 clicks per fingerprint and
  1,000 per publisher a minute, pacing factor 3 an hour) and a commit every 0.2 s. Timed from
  its health check answering SERVING (the group joined, the empty table recovered) until its
  group has committed the whole click and campaign topics and the whole keyed topic (every
  click forwarded, every tally counted, the changelog flushed), polled every 0.1 s.
- **aiokafka + worker code:** one AIOKafkaConsumer (fresh group, `getmany`) over both topics,
  every record through the worker's own functions (`click_tallies` / `campaign_tallies`, then
  `update` on a dict): what faust's agents, keyed topic and table add on top of that code.
- **plain aiokafka loop (the baseline):** the same consumer decoding the envelopes and their
  payloads and keeping the same counts in a dict keyed by (kind, key, window start), flagging
  the same way. Both loops are timed from their first record to their last.

Every candidate must raise the same number of flags (checked). The run's topics and consumer
groups are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import grpc
from aiokafka import AIOKafkaConsumer
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from bench._harness import (
    Rate,
    create_topic,
    delete_topics,
    infra_endpoints,
    load,
    machine,
    raw,
    table,
)
from mercato.marketing.v1 import events_pb2, marketing_pb2
from mercato_kit.events import EventEnvelope, to_kafka_record
from mercato_kit.protobuf import timestamp_message
from mercato_localinfra._process import free_port
from mercato_marketing.traffic.facts import campaign_tallies, click_tallies
from mercato_marketing.traffic.windows import Rules, update

WAIT = 600.0
RULES = Rules()  # the worker's defaults: 60 s windows, 20 / 1,000 clicks, 1 h pacing, factor 3
SPAN = 600.0
"""Seconds of event time the clicks cover (ten flood windows)."""
DAILY_CAP = 24_000
COST = 30

TOPICS: list[str] = []
GROUPS: list[str] = []
"""What this run created on the broker (deleted at the end)."""


def click_envelopes(clicks: int, seed: int = 7) -> tuple[list[EventEnvelope], list[EventEnvelope]]:
    """The click envelopes (in the order the relay would publish them) and the launches."""
    rng = random.Random(seed)
    campaigns = [f"camp-{i}" for i in range(20)]
    visitors = [f"visitor-{i}" for i in range(2000)]
    flooders = [f"flooder-{i}" for i in range(10)]
    publishers = [f"pub-{i}" for i in range(30)]
    start = time.time() - SPAN - 5
    out = []
    for i in range(clicks):
        at = timestamp_message(datetime.fromtimestamp(start + i * SPAN / clicks, UTC))
        fingerprint = rng.choice(flooders if rng.random() < 0.15 else visitors)
        publisher = "pub-flood" if rng.random() < 0.55 else rng.choice(publishers)
        campaign = rng.choice(campaigns)
        payload: events_pb2.AdClicked | events_pb2.ClickRejected
        if rng.random() < 0.9:
            payload = events_pb2.AdClicked(
                campaign_id=campaign,
                advertiser_id="adv",
                publisher_id=publisher,
                product_id="prod",
                shop_id="shop",
                pricing=marketing_pb2.PRICING_MODEL_CPC,
                fingerprint=fingerprint,
                clicked_at=at,
            )
            payload.cost.currency, payload.cost.minor_units = "CNY", COST
            payload.publisher_share.currency, payload.publisher_share.minor_units = "CNY", 15
            payload.platform_share.currency, payload.platform_share.minor_units = "CNY", 15
        else:
            payload = events_pb2.ClickRejected(
                campaign_id=campaign,
                advertiser_id="adv",
                publisher_id=publisher,
                reason=marketing_pb2.CLICK_REJECTION_DUPLICATE,
                fingerprint=fingerprint,
                clicked_at=at,
            )
        out.append(
            EventEnvelope.new(
                payload,
                aggregate_type="marketing.click",
                aggregate_id=str(uuid.uuid4()),
                aggregate_version=1,
                producer="marketing",
            )
        )
    launches = []
    for campaign in campaigns:
        launched = events_pb2.CampaignLaunched(advertiser_id="adv", shop_id="shop", name=campaign)
        launched.daily_cap.currency, launched.daily_cap.minor_units = "CNY", DAILY_CAP
        launches.append(
            EventEnvelope.new(
                launched,
                aggregate_type="marketing.campaign",
                aggregate_id=campaign,
                aggregate_version=1,
                producer="marketing",
            )
        )
    return out, launches


def produce(bootstrap: str, topic: str, envelopes: list[EventEnvelope]) -> int:
    """Publish like the relay (acks=all, idempotent); the size of one value."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
    )
    size = 0
    try:
        for envelope in envelopes:
            record = to_kafka_record(envelope, topic)
            size = len(record.value)
            producer.send(topic, key=record.key, value=record.value, headers=list(record.headers))
        producer.flush(timeout=120)
    finally:
        producer.close()
    return size


def record_count(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        consumer.close()


def wait_serving(address: str, worker: subprocess.Popen[bytes], log: Path) -> None:
    channel = grpc.insecure_channel(address)
    health = health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker died:\n{log.read_text()[-3000:]}")
            try:
                answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.05)
    finally:
        channel.close()
    raise RuntimeError(f"the worker never served:\n{log.read_text()[-3000:]}")


def wait_committed(bootstrap: str, group: str, topics: list[str]) -> None:
    """Until `group` has committed every record of `topics` (checked in one poll)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        tps = [
            TopicPartition(topic, p)
            for topic in topics
            for p in consumer.partitions_for_topic(topic) or ()
        ]
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            ends = consumer.end_offsets(tps)
            committed = {
                tp: meta.offset for tp, meta in admin.list_group_offsets(group)[group].items()
            }
            if all(committed.get(tp, 0) >= end for tp, end in ends.items()):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{group} did not commit {topics} within {WAIT} s")
    finally:
        consumer.close()
        admin.close()


def faust_worker(
    bootstrap: str, clicks_topic: str, campaigns_topic: str, clicks: int, workdir: Path
) -> tuple[float, int]:
    """The worker as a process: clicks per second, and the flags it published."""
    suffix = uuid.uuid4().hex[:8]
    group = f"bench-traffic-{suffix}"
    flags_topic = f"bench.traffic.flags.{suffix}"
    keyed = f"{group}-traffic-keyed"
    GROUPS.append(group)
    TOPICS.extend([flags_topic, keyed, f"{group}-windows-changelog"])
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PARTITIONS": "3",
        "MARKETING_TRAFFIC_GRPC_ADDR": address,
        "MARKETING_TRAFFIC_DATA_DIR": str(workdir / suffix),
        "MARKETING_TRAFFIC_GROUP": group,
        "MARKETING_TRAFFIC_CLICK_TOPIC": clicks_topic,
        "MARKETING_TRAFFIC_CAMPAIGN_TOPIC": campaigns_topic,
        "MARKETING_TRAFFIC_TOPIC": flags_topic,
        "MARKETING_TRAFFIC_COMMIT_INTERVAL": "0.2",
    }
    log = workdir / f"worker-{suffix}.log"
    with log.open("wb") as sink:
        worker = subprocess.Popen(
            [sys.executable, "-m", "mercato_cli", "serve", "marketing-traffic"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_serving(address, worker, log)
        started = time.perf_counter()
        wait_committed(bootstrap, group, [clicks_topic, campaigns_topic])
        wait_committed(bootstrap, group, [keyed])
        elapsed = time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return clicks / elapsed, record_count(bootstrap, flags_topic)


async def aiokafka_loop(
    bootstrap: str, topics: list[str], records: int, *, worker_code: bool
) -> tuple[float, int]:
    """Consume both topics from the start: records per second (first to last) and flags."""
    # A group that never commits is gone when the consumer leaves: nothing to delete.
    group = f"bench-traffic-loop-{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    counts = WorkerCode() if worker_code else PlainCounts()
    await consumer.start()
    count, first, last = 0, 0.0, 0.0
    try:
        async with asyncio.timeout(WAIT):
            while count < records:
                batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
                for tp, batch in batches.items():
                    for record in batch:
                        if count == 0:
                            first = time.perf_counter()
                        counts.record(tp.topic == topics[0], record.value, tp.partition, record)
                        count += 1
                last = time.perf_counter()
    finally:
        await consumer.stop()
    return count / (last - first), counts.flags


class WorkerCode:
    """The worker's own functions, with a dict for the table (no faust, no keyed topic)."""

    def __init__(self) -> None:
        self.table: dict[str, list[object] | None] = {}
        self.flags = 0

    def record(self, is_click: bool, value: bytes, partition: int, record: object) -> None:
        offset = record.offset  # type: ignore[attr-defined]
        tallies = click_tallies(value, partition, offset) if is_click else campaign_tallies(value)
        for tally in tallies:
            new, flags = update(self.table.get(tally.key), tally, 0, RULES)  # type: ignore[arg-type]
            self.flags += len(flags)
            if new is not None:
                self.table[tally.key] = new


class PlainCounts:
    """The baseline: decode, count per (kind, key, window start) in a dict, flag the same way."""

    def __init__(self) -> None:
        self.clicks: dict[tuple[str, str, int], int] = defaultdict(int)
        self.spend: dict[tuple[str, int], int] = defaultdict(int)
        self.caps: dict[str, int] = {}
        self.flagged: set[tuple[str, str, int]] = set()

    @property
    def flags(self) -> int:
        return len(self.flagged)

    def record(self, is_click: bool, value: bytes, partition: int, record: object) -> None:
        envelope = EventEnvelope.from_bytes(value)
        if not is_click:
            launched = envelope.unpack(events_pb2.CampaignLaunched)
            self.caps[envelope.aggregate_id] = launched.daily_cap.minor_units
            for (campaign, start), spent in list(self.spend.items()):
                if campaign == envelope.aggregate_id:
                    self._pace(campaign, start, spent)
            return
        click: events_pb2.AdClicked | events_pb2.ClickRejected
        if envelope.event_type == "mercato.marketing.v1.AdClicked":
            click = envelope.unpack(events_pb2.AdClicked)
        else:
            click = envelope.unpack(events_pb2.ClickRejected)
        at = click.clicked_at.seconds + click.clicked_at.nanos / 1e9
        start = int(at // RULES.flood_window) * RULES.flood_window
        for kind, key, limit in (
            ("fingerprint", click.fingerprint, RULES.fingerprint_clicks),
            ("publisher", click.publisher_id, RULES.publisher_clicks),
        ):
            counted = (kind, key, start)
            self.clicks[counted] += 1
            if self.clicks[counted] > limit:
                self.flagged.add(counted)
        if isinstance(click, events_pb2.AdClicked) and click.cost.minor_units > 0:
            hour = int(at // RULES.pacing_window) * RULES.pacing_window
            self.spend[(click.campaign_id, hour)] += click.cost.minor_units
            self._pace(click.campaign_id, hour, self.spend[(click.campaign_id, hour)])

    def _pace(self, campaign: str, start: int, spent: int) -> None:
        cap = self.caps.get(campaign)
        if cap:
            allowance = math.floor(cap * RULES.pacing_window / 86_400 * RULES.pacing_factor)
            if spent > allowance:
                self.flagged.add(("campaign", campaign, start))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clicks", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    bootstrap, _ = infra_endpoints()
    suffix = uuid.uuid4().hex[:8]
    clicks_topic, campaigns_topic = f"bench.traffic.click.{suffix}", f"bench.traffic.camp.{suffix}"
    TOPICS.extend([clicks_topic, campaigns_topic])

    print(f"machine: {machine()}; {load()} at start")
    envelopes, launches = click_envelopes(args.clicks)
    faust_rates: list[float] = []
    code_rates: list[float] = []
    plain_rates: list[float] = []
    flags: dict[str, set[int]] = defaultdict(set)
    records = args.clicks + len(launches)
    try:
        create_topic(bootstrap, clicks_topic, 3)
        create_topic(bootstrap, campaigns_topic, 3)
        produce(bootstrap, campaigns_topic, launches)
        size = produce(bootstrap, clicks_topic, envelopes)
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeats):
                rate, raised = faust_worker(
                    bootstrap, clicks_topic, campaigns_topic, args.clicks, Path(tmp)
                )
                faust_rates.append(rate)
                flags["faust worker"].add(raised)
                for worker_code, rates, name in (
                    (True, code_rates, "aiokafka + worker code"),
                    (False, plain_rates, "plain aiokafka loop"),
                ):
                    rate, raised = asyncio.run(
                        aiokafka_loop(
                            bootstrap,
                            [clicks_topic, campaigns_topic],
                            records,
                            worker_code=worker_code,
                        )
                    )
                    # The loops count campaign records too: per click, like the worker.
                    rates.append(rate * args.clicks / records)
                    flags[name].add(raised)
    finally:
        delete_topics(bootstrap, TOPICS, GROUPS)

    faust = Rate("faust worker", faust_rates)
    code = Rate("aiokafka + worker code", code_rates)
    plain = Rate("plain aiokafka loop", plain_rates)
    print(
        f"clicks: {args.clicks} envelopes of {size} B over {SPAN:.0f} s of event time, "
        f"3 partitions, {len(launches)} campaigns; repeats: {args.repeats}"
    )
    print(f"flags raised per run: {dict((k, sorted(v)) for k, v in flags.items())}\n")
    if len({frozenset(v) for v in flags.values()}) != 1:
        print("WARNING: the candidates raised different numbers of flags\n")
    print(
        table(
            [
                ("fraud windows + pacing", faust, plain),
                ("fraud windows + pacing", code, plain),
                ("fraud windows + pacing", faust, code),
            ],
            "clicks/s",
        )
    )
    print(f"\n- raw: {raw([faust, code, plain])}")
    print(f"\n{load()} at end")


if __name__ == "__main__":
    main()
