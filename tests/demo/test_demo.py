"""`mercato demo` end to end, the project's end-to-end test: every service its own process on the
session's Kafka, a small seeded scenario with its marketing act (clicks, a flood, orders through
clicks, a commission reversed), its platform act (a partner app following one seller's orders
over a stream and a signed webhook, granted by the seller's app-store subscription) and its app
store act (two vendors' apps sold, a renewal suspended, a cancel refunded, vendors paid), the
ledger's trial balance and the replay audit;
and nothing left running afterwards, however the demo ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer

from mercato.marketing.v1 import events_pb2 as marketing_events
from mercato.orders.v1 import events_pb2 as orders_events
from mercato_cli.demo.scenario import DECLINED_CARD, LOSSY_REGION, Shares
from mercato_cli.services import service_commands
from mercato_kit.events import EventEnvelope, topic_for
from mercato_localinfra._process import pid_alive

DEMO = [sys.executable, "-m", "mercato_cli", "demo"]
FINAL_EVENTS = {
    "mercato.orders.v1.OrderCompleted": "COMPLETED",
    "mercato.orders.v1.OrderCancelled": "CANCELLED",
    "mercato.orders.v1.OrderRefunded": "REFUNDED",
}


def _env(kafka: str) -> dict[str, str]:
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka)
    env.pop("DATABASE_URL", None)
    return env


def _summary(workdir: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((workdir / "summary.json").read_text())
    return summary


def _events(
    kafka: str, topic: str, keys: set[str], done: Any, timeout: float = 60
) -> dict[str, list[EventEnvelope]]:
    """The events of `keys` on `topic`, read from the start like a partner would (the broker is
    shared, so records are filtered by key), until `done(found)` or the timeout."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        group_id=f"test-demo-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    wanted = {key.encode() for key in keys}
    found: dict[str, list[EventEnvelope]] = {key: [] for key in keys}
    deadline = time.monotonic() + timeout
    try:
        while not done(found) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    if record.key in wanted:
                        envelope = EventEnvelope.from_bytes(record.value)
                        found[envelope.aggregate_id].append(envelope)
    finally:
        consumer.close()
    return found


def _final_events(kafka: str, order_ids: set[str], timeout: float = 60) -> dict[str, str]:
    """Each order's final status as its events on mercato.orders.order say."""

    def final(events: list[EventEnvelope]) -> str | None:
        return next(
            (FINAL_EVENTS[e.event_type] for e in events if e.event_type in FINAL_EVENTS), None
        )

    found = _events(
        kafka,
        topic_for("orders.order"),
        order_ids,
        lambda found: all(final(events) for events in found.values()),
        timeout,
    )
    return {order_id: status for order_id, events in found.items() if (status := final(events))}


def _left_running(summary: dict[str, Any]) -> list[str]:
    return [name for name, pid in summary["processes"].items() if pid_alive(pid)]


def _working_in(folder: Path) -> list[int]:
    """The processes whose working directory is `folder` (the demo starts every child there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cwd").resolve() == folder.resolve() and pid_alive(int(entry.name)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _start_until_simulators(kafka: str, workdir: Path) -> tuple[subprocess.Popen[str], str]:
    """Start a demo and read its output until the carrier simulators have been started."""
    demo = subprocess.Popen(
        [*DEMO, "--orders", "4", "--workdir", str(workdir)],
        env=_env(kafka),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # SIGINT as a terminal delivers it, even when the suite itself was started in the
        # background of a non-interactive shell (which ignores SIGINT for its children, and a
        # Python started so never turns it into KeyboardInterrupt).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = []
    assert demo.stdout is not None
    for line in demo.stdout:
        seen.append(line)
        if "carrier simulators" in line:
            break
    return demo, "".join(seen)


@pytest.mark.timeout(900)
def test_the_demo_runs_the_seeded_scenario_to_the_end_and_the_ledger_balances(
    kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    workdir = tmp_path / "demo"

    done = subprocess.run(
        [*DEMO, "--orders", "8", "--seed", "3", "--workdir", str(workdir)],
        env=_env(kafka_bootstrap_servers),
        capture_output=True,
        text=True,
        timeout=850,
        check=False,
    )

    output = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, output
    summary = _summary(workdir)
    assert summary["ok"] is True
    assert {"identity", "catalog", "payments", "logistics", "orders"} <= set(summary["services"])
    outcomes = summary["outcomes"]
    assert len(outcomes) == 8
    assert Counter(o["fate"] for o in outcomes) == Shares().counts(8)
    for outcome in outcomes:
        if outcome["card"] == DECLINED_CARD:
            assert outcome["status"] == "CANCELLED", outcome
        elif outcome["region"] == LOSSY_REGION or outcome["fate"] == "refund":
            assert outcome["status"] == "REFUNDED", outcome
        else:
            assert outcome["status"] == "COMPLETED", outcome
    # What the demo says happened is what the orders service published.
    published = _final_events(kafka_bootstrap_servers, {o["order_id"] for o in outcomes})
    assert published == {o["order_id"]: o["status"] for o in outcomes}
    assert summary["payouts"], "the payout batch paid no seller"
    if "ledger" in summary["services"]:
        assert summary["ledger"]["balanced"] is True, output
        assert summary["ledger"]["audited"] is True, output
        replay_built = "ledger" in service_commands()
        assert summary["ledger"]["replay_matches"] is (True if replay_built else None), output
    _check_marketing(kafka_bootstrap_servers, summary, output)
    _check_platform(kafka_bootstrap_servers, summary, output)
    _check_app_store(summary, output)
    assert _left_running(summary) == []
    assert "Traceback" not in output


def _check_app_store(summary: dict[str, Any], output: str) -> None:
    """Two vendors' apps sold: the order desk's subscription granted what the platform act's
    stream followed, a trial's declined renewal suspended it, a cancel refunded, the vendors
    were paid their shares less refunds."""
    store = summary["app_store"]
    assert store["ok"] is True, output
    desk, printer = store["vendors"]["order desk"], store["vendors"]["label printer"]
    assert desk["vendor_share"] + desk["platform_share"] == desk["gross"] > 0
    assert desk["platform_share"] == desk["gross"] * 3000 // 10_000  # rounded down
    assert (printer["suspended"], printer["cancelled"]) == (1, 1)
    assert 0 < printer["refunded"] < printer["gross"]
    assert desk["paid_out"] == desk["vendor_share"]
    assert printer["paid_out"] == printer["vendor_share"] - printer["vendor_refunded"]


def _check_marketing(kafka: str, summary: dict[str, Any], output: str) -> None:
    """Visitors' clicks were accepted or rejected with their reasons (duplicates and a flood
    among them), orders arrived through clicks, one of them refunded with its commission
    reversed (as marketing's conversion events say), and the ledger's monthly line is there."""
    marketing = summary["marketing"]
    assert marketing["ok"] is True, output
    assert all(marketing["checks"].values()), marketing["checks"]
    clicks = marketing["clicks"]
    assert clicks["accepted"] > 0
    assert clicks["rejected"].get("duplicate", 0) > 0, clicks
    assert clicks["rejected"].get("flood_fingerprint", 0) > 0, clicks
    through = {o["order_id"]: o for o in summary["outcomes"] if o["through_click"]}
    assert marketing["conversions"] == len(through) > 0
    reversed_order = marketing["commission_reversed"]
    assert through[reversed_order]["status"] == "REFUNDED"
    conversions = _events(
        kafka,
        topic_for("marketing.conversion"),
        set(through),
        lambda found: all(
            len(events) >= 2 or through[key]["status"] == "COMPLETED"
            for key, events in found.items()
        ),
    )
    [campaign] = [
        o["campaign_id"] for o in marketing["attributed_orders"] if o["order_id"] == reversed_order
    ]
    assert [
        e.event_type.rsplit(".", 1)[1]
        for e in conversions[reversed_order]
        if _campaign_of(e) == campaign  # another marketing on a shared broker answers too
    ] == ["ConversionAttributed", "ConversionReversed"]
    assert marketing["revenue"]["advertising"] > 0
    assert marketing["monthly"]
    assert all("ad revenue vs expenditure" in line for line in marketing["monthly"])
    assert summary["ledger"]["months"], summary["ledger"]


def _campaign_of(envelope: EventEnvelope) -> str:
    message = getattr(marketing_events, envelope.event_type.rsplit(".", 1)[1], None)
    return "" if message is None else getattr(envelope.unpack(message), "campaign_id", "")


def _check_platform(kafka: str, summary: dict[str, Any], output: str) -> None:
    """The partner app received the granted seller's orders over the stream and the webhook,
    every signature verified, and none of another seller's orders (the orders topic says whose
    each order is)."""
    platform = summary["platform"]
    assert platform["ok"] is True, output
    granted = platform["granted_seller"]
    mine = {o["order_id"] for o in summary["outcomes"] if o["seller_id"] == granted}
    theirs = {o["order_id"] for o in summary["outcomes"] if o["seller_id"] != granted}
    assert mine
    assert theirs, "the scenario gave the other sellers no order to leave out"
    placed = _events(
        kafka,
        topic_for("orders.order"),
        mine | theirs,
        lambda found: all(found.values()),
    )
    sellers = {
        order_id: next(
            e.unpack(orders_events.OrderPlaced).seller_id
            for e in events
            if e.event_type == "mercato.orders.v1.OrderPlaced"
        )
        for order_id, events in placed.items()
    }
    for channel in ("stream", "webhook"):
        received = platform[channel]
        assert set(received["order_ids"]) == mine, (channel, received)
        assert {sellers[order_id] for order_id in received["order_ids"]} == {granted}
        assert received["foreign"] == 0
        assert received["by_type"]["mercato.orders.v1.OrderPlaced"] == len(mine)
    webhook = platform["webhook"]
    assert webhook["deliveries"] == webhook["verified"] > 0
    assert webhook["rejected"] == 0
    assert platform["stream"]["by_type"] == webhook["by_type"]


@pytest.mark.timeout(600)
def test_an_interrupted_demo_stops_every_process_it_started(
    kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    workdir = tmp_path / "demo"
    demo, seen = _start_until_simulators(kafka_bootstrap_servers, workdir)
    try:
        assert len(_working_in(workdir)) >= 7, seen
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()

    output = seen + rest
    assert demo.returncode == 130, output
    assert "interrupted: every process was stopped" in output
    summary = _summary(workdir)
    assert len(summary["processes"]) >= 7, summary
    assert _left_running(summary) == []
    assert _working_in(workdir) == []


@pytest.mark.timeout(600)
def test_a_killed_demo_takes_its_services_with_it(
    kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    workdir = tmp_path / "demo"
    demo, seen = _start_until_simulators(kafka_bootstrap_servers, workdir)
    children = _working_in(workdir)
    assert len(children) >= 7, seen

    demo.kill()
    demo.wait(timeout=30)

    deadline = time.monotonic() + 60
    while _working_in(workdir) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _working_in(workdir) == []
