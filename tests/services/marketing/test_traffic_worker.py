"""The traffic worker as a real process (`mercato serve marketing-traffic`) on the real broker.

Each test gives the worker its own topics and consumer group (a unique suffix), publishes click
envelopes the way marketing's relay does (key = click id) and reads the TrafficFlagged
envelopes from its traffic topic like marketing would. The worker is killed with SIGKILL
mid-window and started again: its counts come back from the table's changelog.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from mercato.marketing.v1 import events_pb2, marketing_pb2
from mercato_kit.events import EventEnvelope, to_kafka_record
from mercato_kit.protobuf import timestamp_message
from mercato_localinfra._process import free_port
from mercato_marketing.traffic.facts import flag_event_id
from mercato_marketing.traffic.windows import decode_state, window_start

pytestmark = pytest.mark.infra

LIMIT = 5
WINDOW = 60


@dataclass
class Worker:
    """One `mercato serve marketing-traffic` process."""

    process: subprocess.Popen[bytes]
    address: str
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_serving(self, timeout: float = 60) -> None:
        channel = grpc.insecure_channel(self.address)
        health = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self.logs()[-4000:]
                try:
                    answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.2)
        finally:
            channel.close()
        raise AssertionError("the traffic worker never answered SERVING:\n" + self.logs()[-4000:])

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            raise

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@dataclass
class Deployment:
    """A worker's settings on the shared broker: its own topics, group and data directory."""

    bootstrap: str
    suffix: str
    workdir: Path
    commit_interval: float = 0.5

    @property
    def group(self) -> str:
        return f"test-traffic-{self.suffix}"

    @property
    def clicks(self) -> str:
        return f"test.traffic.click.{self.suffix}"

    @property
    def campaigns(self) -> str:
        return f"test.traffic.campaign.{self.suffix}"

    @property
    def flags(self) -> str:
        return f"test.traffic.flags.{self.suffix}"

    @property
    def changelog(self) -> str:
        return f"{self.group}-windows-changelog"

    @property
    def keyed(self) -> str:
        return f"{self.group}-traffic-keyed"

    def start(self, run: int = 0) -> Worker:
        address = f"127.0.0.1:{free_port()}"
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_TOPIC_PARTITIONS": "3",
            "MARKETING_TRAFFIC_GRPC_ADDR": address,
            # A new data directory each run: what survives comes from Kafka.
            "MARKETING_TRAFFIC_DATA_DIR": str(self.workdir / f"data-{run}"),
            "MARKETING_TRAFFIC_GROUP": self.group,
            "MARKETING_TRAFFIC_CLICK_TOPIC": self.clicks,
            "MARKETING_TRAFFIC_CAMPAIGN_TOPIC": self.campaigns,
            "MARKETING_TRAFFIC_TOPIC": self.flags,
            "MARKETING_TRAFFIC_COMMIT_INTERVAL": str(self.commit_interval),
            "MARKETING_TRAFFIC_SESSION_TIMEOUT": "6",
            "MARKETING_FLOOD_WINDOW": str(WINDOW),
            "MARKETING_FLOOD_FINGERPRINT_CLICKS": str(LIMIT),
            "MARKETING_FLOOD_PUBLISHER_CLICKS": "1000",
            "MARKETING_PACING_WINDOW": "3600",
            "MARKETING_PACING_FACTOR": "3",
        }
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.workdir / f"worker-{run}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "mercato_cli", "serve", "marketing-traffic"],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        worker = Worker(process, address, log)
        try:
            worker.wait_serving()
        except BaseException:
            worker.kill()
            raise
        return worker


@pytest.fixture
def deployment(kafka_bootstrap_servers: str, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(kafka_bootstrap_servers, uuid.uuid4().hex[:10], tmp_path)
    yield deployment
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    # Cleaning up must not fail the test (the group may be gone already).
    with contextlib.suppress(Exception):
        admin.delete_groups([deployment.group])
    try:
        admin.delete_topics(
            [
                deployment.clicks,
                deployment.campaigns,
                deployment.flags,
                deployment.keyed,
                deployment.changelog,
            ]
        )
    except Exception:
        pass
    finally:
        admin.close()


def a_window_ago() -> float:
    """A moment in the middle of the previous flood window (clicks are counted by event time)."""
    return window_start(time.time(), WINDOW) - WINDOW / 2


def click_envelope(
    fingerprint: str,
    at: float,
    *,
    publisher: str = "pub-1",
    campaign: str = "camp-1",
    cost: int = 0,
    accepted: bool = True,
) -> EventEnvelope:
    clicked_at = timestamp_message(datetime.fromtimestamp(at, UTC))
    payload: events_pb2.AdClicked | events_pb2.ClickRejected
    if accepted:
        payload = events_pb2.AdClicked(
            campaign_id=campaign,
            advertiser_id="adv-1",
            publisher_id=publisher,
            product_id="prod-1",
            shop_id="shop-1",
            pricing=marketing_pb2.PRICING_MODEL_CPC if cost else marketing_pb2.PRICING_MODEL_CPS,
            fingerprint=fingerprint,
            clicked_at=clicked_at,
        )
        payload.cost.currency, payload.cost.minor_units = "CNY", cost
    else:
        payload = events_pb2.ClickRejected(
            campaign_id=campaign,
            advertiser_id="adv-1",
            publisher_id=publisher,
            reason=marketing_pb2.CLICK_REJECTION_DUPLICATE,
            fingerprint=fingerprint,
            clicked_at=clicked_at,
        )
    return EventEnvelope.new(
        payload,
        aggregate_type="marketing.click",
        aggregate_id=str(uuid.uuid4()),
        aggregate_version=1,
        producer="marketing",
    )


def launch_envelope(campaign: str, daily_cap: int) -> EventEnvelope:
    launched = events_pb2.CampaignLaunched(advertiser_id="adv-1", shop_id="shop-1", name="c")
    launched.daily_cap.currency, launched.daily_cap.minor_units = "CNY", daily_cap
    return EventEnvelope.new(
        launched,
        aggregate_type="marketing.campaign",
        aggregate_id=campaign,
        aggregate_version=1,
        producer="marketing",
    )


def publish(bootstrap: str, topic: str, envelopes: list[EventEnvelope]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for envelope in envelopes:
            record = to_kafka_record(envelope, topic)
            producer.send(topic, key=record.key, value=record.value, headers=list(record.headers))
        producer.flush(timeout=30)
    finally:
        producer.close()


def flags_on(deployment: Deployment, *, at_least: int, timeout: float) -> list[EventEnvelope]:
    """Every flag on the deployment's traffic topic once `at_least` are there (or the timeout
    passed), and a second more: a flag published twice would show."""
    consumer = KafkaConsumer(
        deployment.flags,
        bootstrap_servers=deployment.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    found: list[EventEnvelope] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                found.extend(EventEnvelope.from_bytes(record.value) for record in records)
            if len(found) >= at_least and at_least:
                deadline = min(deadline, time.monotonic() + 1.0)
    finally:
        consumer.close()
    return found


def flagged(envelopes: list[EventEnvelope]) -> list[tuple[str, str, int, int, int]]:
    out = []
    for envelope in envelopes:
        flag = envelope.unpack(events_pb2.TrafficFlagged)
        out.append((flag.kind, flag.key, flag.window_start.seconds, flag.clicks, flag.limit))
    return sorted(out)


def changelog_count(deployment: Deployment, key: str, start: int, expected: int) -> None:
    """Wait until the table's changelog holds `expected` clicks for `key` in window `start`."""
    consumer = KafkaConsumer(
        bootstrap_servers=deployment.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    wanted = f'"{key}"'.encode()
    latest: bytes | None = None
    deadline = time.monotonic() + 30
    try:
        partitions = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(deployment.changelog)
            time.sleep(0.1)
        assert partitions, f"no changelog topic {deployment.changelog}"
        consumer.assign([TopicPartition(deployment.changelog, p) for p in partitions])
        consumer.seek_to_beginning()
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                for record in records:
                    if record.key == wanted:
                        latest = record.value
            state = decode_state(json.loads(latest)) if latest else None
            window = state.windows.get(start) if state is not None else None
            if window is not None and window.clicks == expected:
                return
    finally:
        consumer.close()
    raise AssertionError(f"the changelog never held {expected} clicks for {key}: {latest!r}")


def committed_to_the_end(deployment: Deployment, topics: list[str], timeout: float = 30) -> None:
    """Wait until the worker's group has committed every record of `topics`."""
    admin = KafkaAdminClient(bootstrap_servers=deployment.bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=deployment.bootstrap)
    try:
        deadline = time.monotonic() + timeout
        ends: dict[TopicPartition, int] = {}
        committed: dict[TopicPartition, int] = {}
        while time.monotonic() < deadline:
            tps = [
                TopicPartition(topic, p)
                for topic in topics
                for p in consumer.partitions_for_topic(topic) or ()
            ]
            ends = consumer.end_offsets(tps)
            committed = {
                tp: meta.offset
                for tp, meta in admin.list_group_offsets(deployment.group)[deployment.group].items()
            }
            if tps and all(committed.get(tp, 0) >= end for tp, end in ends.items()):
                return
            time.sleep(0.3)
        raise AssertionError(f"not committed to the end: {committed} vs {ends}")
    finally:
        consumer.close()
        admin.close()


def records_on(deployment: Deployment, topic: str, at_least: int, timeout: float = 30) -> int:
    """Wait until `topic` holds `at_least` records; how many it holds."""
    consumer = KafkaConsumer(bootstrap_servers=deployment.bootstrap)
    try:
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic) or set()
            ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
            total = sum(ends.values())
            if total >= at_least:
                return total
            time.sleep(0.3)
        raise AssertionError(f"{topic} holds {total} records, not {at_least}")
    finally:
        consumer.close()


def test_a_flooding_fingerprint_is_flagged_once_and_a_normal_visitor_never(
    deployment: Deployment,
) -> None:
    at = a_window_ago()
    start = window_start(at, WINDOW)
    flood, normal = f"flood-{deployment.suffix}", f"normal-{deployment.suffix}"
    worker = deployment.start()
    try:
        clicks = [
            click_envelope(flood, at + i, accepted=i % 3 != 0)  # accepted and rejected count
            for i in range(12)
        ] + [click_envelope(normal, at + i) for i in range(3)]
        publish(deployment.bootstrap, deployment.clicks, clicks)

        flags = flags_on(deployment, at_least=1, timeout=30)
        assert flagged(flags) == [("fingerprint", flood, start, LIMIT + 1, LIMIT)]
        [flag] = flags
        assert flag.event_id == flag_event_id("fingerprint", flood, start)
        assert (flag.aggregate_type, flag.aggregate_id) == (
            "marketing.traffic",
            f"fingerprint:{flood}",
        )
        assert flag.producer == "marketing-traffic"
        # The click that tipped it over (clicks of three partitions: which one is not fixed)
        # caused it, and the flag is in that click's flow.
        tipping = next(c for c in clicks[:12] if c.event_id == flag.causation_id)
        assert flag.correlation_id == tipping.correlation_id
    finally:
        assert worker.stop() == 0, worker.logs()[-4000:]
    assert '"event": "traffic.flagged"' in worker.logs()


def test_a_campaign_spending_faster_than_its_pace_is_flagged(deployment: Deployment) -> None:
    # Daily cap 2,400: 100 per hour, 300 with the pacing factor 3. Four clicks of 100 are over.
    at = time.time() - 5
    hour = window_start(at, 3600)
    paced, late_cap = f"paced-{deployment.suffix}", f"late-{deployment.suffix}"
    worker = deployment.start()
    try:
        publish(deployment.bootstrap, deployment.campaigns, [launch_envelope(paced, 2400)])
        spend = [
            click_envelope(f"v{i}", at, campaign=campaign, cost=100, publisher=f"p{i}")
            for campaign in (paced, late_cap)
            for i in range(4)
        ]
        # Rejected and unpaid clicks spend nothing.
        spend += [click_envelope("v9", at, campaign=paced, cost=100, accepted=False)]
        spend += [click_envelope("v9", at, campaign=paced, cost=0)]
        publish(deployment.bootstrap, deployment.clicks, spend)
        assert flagged(flags_on(deployment, at_least=1, timeout=30)) == [
            ("campaign", paced, hour, 4, 300)
        ]
        # A cap learnt after the spend: the window is checked when it arrives.
        publish(deployment.bootstrap, deployment.campaigns, [launch_envelope(late_cap, 2400)])
        assert flagged(flags_on(deployment, at_least=2, timeout=30)) == sorted(
            [("campaign", paced, hour, 4, 300), ("campaign", late_cap, hour, 4, 300)]
        )
    finally:
        assert worker.stop() == 0, worker.logs()[-4000:]


def test_counts_survive_a_sigkill_mid_window(deployment: Deployment) -> None:
    """Four clicks counted and committed, the worker killed: the restarted worker (new data
    directory) has the four back from the changelog, so the sixth click flags, not the tenth."""
    at = a_window_ago()
    start = window_start(at, WINDOW)
    visitor = f"visitor-{deployment.suffix}"
    first = deployment.start(run=1)
    try:
        publish(
            deployment.bootstrap,
            deployment.clicks,
            [click_envelope(visitor, at + i) for i in range(4)],
        )
        changelog_count(deployment, f"fingerprint:{visitor}", start, 4)
        committed_to_the_end(deployment, [deployment.clicks, deployment.keyed])
    finally:
        first.kill()

    second = deployment.start(run=2)
    try:
        publish(deployment.bootstrap, deployment.clicks, [click_envelope(visitor, at + 10)])
        changelog_count(deployment, f"fingerprint:{visitor}", start, 5)
        assert flags_on(deployment, at_least=0, timeout=2) == []  # five: at the limit

        publish(deployment.bootstrap, deployment.clicks, [click_envelope(visitor, at + 11)])
        assert flagged(flags_on(deployment, at_least=1, timeout=30)) == [
            ("fingerprint", visitor, start, LIMIT + 1, LIMIT)
        ]
    finally:
        assert second.stop() == 0, second.logs()[-4000:]


def test_clicks_read_again_after_a_sigkill_are_not_counted_twice(
    kafka_bootstrap_servers: str, deployment: Deployment
) -> None:
    """Killed before it ever committed, the worker reads every click again (and forwards
    them again): the keys' dedup marks keep the counts exact, and the click that had tipped a
    window over raises its flag again as the same event (same id), never another."""
    deployment.commit_interval = 120.0  # no commit before the kill
    at = a_window_ago()
    start = window_start(at, WINDOW)
    visitor, tipper = f"visitor-{deployment.suffix}", f"tipper-{deployment.suffix}"
    first = deployment.start(run=1)
    try:
        publish(
            kafka_bootstrap_servers,
            deployment.clicks,
            [click_envelope(visitor, at + i) for i in range(LIMIT)]
            + [click_envelope(tipper, at + i) for i in range(LIMIT + 1)],
        )
        [before] = flags_on(deployment, at_least=1, timeout=30)
        changelog_count(deployment, f"fingerprint:{visitor}", start, LIMIT)
    finally:
        first.kill()
    forwarded = records_on(deployment, deployment.keyed, 0)

    second = deployment.start(run=2)
    try:
        # Everything is read again and forwarded again (each click as its fingerprint's and
        # its publisher's tally): the visitor's count stays at the limit (no flag), and the
        # tipper's flag is raised again.
        records_on(deployment, deployment.keyed, forwarded + 2 * (2 * LIMIT + 1))
        # (Once per time its tally is read: from the keyed topic, and as forwarded again.)
        again = flags_on(deployment, at_least=2, timeout=30)
        assert {flag.event_id for flag in again} == {before.event_id}
        assert set(flagged(again)) == {("fingerprint", tipper, start, LIMIT + 1, LIMIT)}

        publish(kafka_bootstrap_servers, deployment.clicks, [click_envelope(visitor, at + 20)])
        flags = flags_on(deployment, at_least=len(again) + 1, timeout=30)
        assert [flag for flag in flags if flag.event_id != before.event_id] == [
            flag for flag in flags if flag.aggregate_id == f"fingerprint:{visitor}"
        ]
        assert [f for f in flagged(flags) if f[1] == visitor] == [
            ("fingerprint", visitor, start, LIMIT + 1, LIMIT)
        ]
    finally:
        assert second.stop() == 0, second.logs()[-4000:]
