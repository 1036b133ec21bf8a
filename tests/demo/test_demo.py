"""`mercato demo` end to end, the project's end-to-end test: every service its own process on the
session's Kafka, a small seeded scenario, the ledger's trial balance and the replay audit; and
nothing left running afterwards, however the demo ends."""

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


def _final_events(kafka: str, order_ids: set[str], timeout: float = 60) -> dict[str, str]:
    """Each order's final status as its events on mercato.orders.order say, read from the start
    like a partner would (the broker is shared, so records are filtered by key)."""
    consumer = KafkaConsumer(
        topic_for("orders.order"),
        bootstrap_servers=kafka,
        group_id=f"test-demo-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    wanted = {order_id.encode() for order_id in order_ids}
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(found) < len(order_ids) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    if record.key not in wanted:
                        continue
                    envelope = EventEnvelope.from_bytes(record.value)
                    if envelope.event_type in FINAL_EVENTS:
                        found[envelope.aggregate_id] = FINAL_EVENTS[envelope.event_type]
    finally:
        consumer.close()
    return found


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
    assert _left_running(summary) == []
    assert "Traceback" not in output


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
