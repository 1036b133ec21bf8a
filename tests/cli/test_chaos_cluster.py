"""`mercato chaos`, small, past one machine: one ecosystem with a three-broker Kafka cluster and
two instances of every service, the cluster fault (C1: the broker leading most partitions
stopped while one instance of each service is SIGKILLed) and the rolling restart (R1: orders'
instances SIGTERMed and replaced one by one) in sequence on it, each with the proof that it
happened and `mercato verify`'s invariants after it. The long version is the command:
`mercato chaos --brokers 3 --instances 2 --scenario C1 --scenario R1 --orders 200`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from mercato_cli.chaos.cluster import ROLLED
from mercato_cli.chaos.world import SERVICES

pytestmark = pytest.mark.timeout(1200)

BROKERS, INSTANCES, ORDERS = 3, 2, 3
DURATION = 20
"""Seconds the orders are placed over: the last ones are placed after the broker has stopped
(the fault strikes within the first 60 %, and the broker stays down until six replaced
instances serve), so the services have something to produce while it is down. It costs no
wall time: each scenario's faults last longer than that."""
RETRIED_OR_OK = {"OK", "UNAVAILABLE", "DEADLINE_EXCEEDED", "FAILED_PRECONDITION"}
"""What a buyer may be answered: success, a call retried with its key, or an act refused
because the order already moved on (a delivered order confirmed before the refund asked)."""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("chaos-cluster")
    report = folder / "chaos.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MERCATO_STATE_DIR")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mercato_cli",
            "chaos",
            "--brokers",
            str(BROKERS),
            "--instances",
            str(INSTANCES),
            "--scenario",
            "C1",
            "--scenario",
            "R1",
            "--orders",
            str(ORDERS),
            "--duration",
            str(DURATION),
            "--seed",
            "11",
            "--json",
            str(report),
            "--workdir",
            str(folder / "run"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )
    assert report.exists(), done.stdout[-4000:] + done.stderr[-4000:]
    document: dict[str, Any] = json.loads(report.read_text())
    document["exit"] = done.returncode
    document["output"] = done.stdout[-6000:] + done.stderr[-3000:]
    return document


def row(run: dict[str, Any], code: str) -> dict[str, Any]:
    [found] = [r for r in run["scenarios"] if r["code"] == code]
    assert found["held"], (found["violations"], run["output"])
    return found


def test_both_scenarios_ran_on_the_cluster_and_the_run_exited_zero(run: dict[str, Any]) -> None:
    assert [r["code"] for r in run["scenarios"]] == ["C1", "R1", "all"], run["output"]
    assert (run["brokers"], run["instances"]) == (BROKERS, INSTANCES)
    assert run["exit"] == 0, run["output"]
    assert run["ok"]


@pytest.mark.parametrize("code", ["C1", "R1"])
def test_every_order_ended_as_seeded_and_the_ledger_held(run: dict[str, Any], code: str) -> None:
    found = row(run, code)

    assert found["as_seeded"] == found["orders"] == ORDERS
    checks = {finding["check"] for finding in found["findings"]}
    assert {"captures once", "ledger once", "trial balance and audit"} <= checks
    assert set(found["answers"]) <= RETRIED_OR_OK, found["answers"]


def test_the_leading_broker_stopped_and_its_partitions_got_other_leaders(
    run: dict[str, Any],
) -> None:
    evidence = row(run, "C1")["evidence"]

    assert evidence["broker_gone"], evidence["broker_state"]
    assert evidence["moved"] >= 1
    assert evidence["moved"] == max(evidence["led_by_node"].values())
    assert evidence["still_led_by_stopped"] == evidence["leaderless"] == 0
    assert str(evidence["stopped_node"]) not in evidence["led_after"]
    assert evidence["fewest_in_sync"] == 2  # min.insync.replicas: acks=all writes go on
    assert evidence["records_while_down"] > 0  # and the services made them
    old_pid, new_pid = evidence["broker_pids"]
    assert old_pid != new_pid  # and it came back


def test_one_instance_of_each_service_died_of_sigkill_and_was_replaced(
    run: dict[str, Any],
) -> None:
    evidence = row(run, "C1")["evidence"]

    assert sorted(evidence["killed_service"]) == sorted(SERVICES)
    assert evidence["exit_status"] == [-9] * len(SERVICES)
    assert not set(evidence["killed_pid"]) & set(evidence["restarted_pid"])


def test_each_instance_of_the_rolled_service_stopped_gracefully_and_was_replaced(
    run: dict[str, Any],
) -> None:
    evidence = row(run, "R1")["evidence"]

    assert len(evidence["stopped"]) == INSTANCES
    assert evidence["stopped"] == [f"{ROLLED}-{n}" for n in range(1, INSTANCES + 1)]
    assert evidence["exit_status"] == [0] * INSTANCES  # SIGTERM handled: no SIGKILL needed
    assert evidence["drained"] == [True] * INSTANCES  # calls drained, consumers stopped
    assert not set(evidence["stopped_pid"]) & set(evidence["started_pid"])


def test_verify_over_the_whole_run_holds(run: dict[str, Any]) -> None:
    row(run, "all")
