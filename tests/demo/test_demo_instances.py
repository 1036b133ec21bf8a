"""`mercato demo --instances 2`, small: two processes of each service on its one SQLite database
and consumer groups (the session's broker), a handful of orders. Every order ends as seeded,
`mercato verify`'s checks hold over the run's orders, and both instances of a service did
work: each answered calls (the callers balance round robin over them; from each process's
metrics, which the demo records in summary.json before it stops them) and each consuming
service's instances owned disjoint partitions of one consumer group (their logs)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mercato_cli.demo.scenario import DECLINED_CARD, LOSSY_REGION
from tests.demo.test_demo import _env, _left_running, _summary

pytestmark = pytest.mark.timeout(900)

ORDERS = 6


@pytest.fixture(scope="module")
def run(kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("instances") / "demo"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "mercato_cli", "demo"),
            *("--orders", str(ORDERS), "--seed", "3", "--workdir", str(workdir)),
            *("--no-marketing", "--no-platform", "--instances", "2", "--verify"),
        ],
        env=_env(kafka_bootstrap_servers),
        capture_output=True,
        text=True,
        timeout=850,
        check=False,
    )
    output = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, output
    return {"summary": _summary(workdir), "output": output, "workdir": workdir}


def test_every_order_ends_as_seeded_and_verify_holds(run: dict[str, Any]) -> None:
    summary, output = run["summary"], run["output"]

    assert summary["ok"] is True, output
    assert len(summary["outcomes"]) == ORDERS
    for outcome in summary["outcomes"]:
        if outcome["card"] == DECLINED_CARD:
            assert outcome["status"] == "CANCELLED", outcome
        elif outcome["region"] == LOSSY_REGION or outcome["fate"] == "refund":
            assert outcome["status"] == "REFUNDED", outcome
        else:
            assert outcome["status"] == "COMPLETED", outcome
    checks = summary["verify"]
    assert {"captures once", "ledger once", "final escrow zero", "reservations"} <= set(checks)
    assert {name: c["violations"] for name, c in checks.items() if c["violations"]} == {}
    assert checks["captures once"]["checked"] > 0
    assert _left_running(summary) == []
    assert "Traceback" not in output


@pytest.mark.parametrize("service", ["identity", "catalog", "payments", "orders"])
def test_both_instances_of_a_service_answered_calls(run: dict[str, Any], service: str) -> None:
    instances = run["summary"]["instances"]

    served = {name: i["rpcs"] for name, i in instances.items() if i["service"] == service}

    assert set(served) == {f"{service}-1", f"{service}-2"}
    assert all(calls > 0 for calls in served.values()), served


@pytest.mark.parametrize("service", ["orders", "ledger"])
def test_the_instances_of_a_consuming_service_split_its_partitions(
    run: dict[str, Any], service: str
) -> None:
    workdir: Path = run["workdir"]

    owned = [_assignments(workdir / f"{service}-{n}.log") for n in (1, 2)]

    # Some assignment of each instance's consumer, taken while the other held the rest.
    split = [
        (consumer, first, second)
        for consumer, assignments in owned[0].items()
        for first in assignments
        for second in owned[1].get(consumer, [])
        if first and second and not first & second
    ]
    assert split, owned


def _assignments(log: Path) -> dict[str, list[frozenset[str]]]:
    """Each consumer's assigned partitions, every time they were (re)loaded, from the log."""
    found: dict[str, list[frozenset[str]]] = {}
    for record in _json_lines(log):
        if record.get("event") == "consumer.positions_loaded":
            found.setdefault(record["consumer"], []).append(frozenset(record["positions"]))
    return found


def _json_lines(log: Path) -> Iterator[dict[str, Any]]:
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:
                continue
