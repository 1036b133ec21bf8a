"""`mercato chaos`, small: one ecosystem of its own (its own broker and PostgreSQL), all fourteen
scenarios in sequence with a handful of orders each, and for every one the proof that the fault
really happened (a pid that changed, a broker found down or stopped, a call past its deadline,
a dead letter) and that `mercato verify`'s invariants held after it. The long version is the
command itself (`make chaos`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mercato_cli.chaos.scenarios import SCENARIOS

pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("chaos")
    report = folder / "chaos.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MERCATO_STATE_DIR")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mercato_cli",
            "chaos",
            "--orders",
            "4",
            "--duration",
            "2",
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


def test_every_scenario_ran_and_the_run_exited_zero(run: dict[str, Any]) -> None:
    codes = [r["code"] for r in run["scenarios"]]

    assert codes == [*SCENARIOS, "all"], run["output"]
    assert run["exit"] == 0, run["output"]
    assert run["ok"]


@pytest.mark.parametrize("code", SCENARIOS)
def test_after_each_fault_the_invariants_held_and_every_order_became_final(
    run: dict[str, Any], code: str
) -> None:
    found = row(run, code)

    assert found["faults"] >= 1
    checks = {finding["check"] for finding in found["findings"]}
    assert {"captures once", "ledger once", "trial balance and audit"} <= checks
    assert found["answers"].get("INTERNAL", 0) == 0


@pytest.mark.parametrize(
    ("code", "service"),
    [
        ("F1", "orders"),
        ("F2", "payments"),
        ("F3", "catalog"),
        ("F4", "logistics"),
        ("F5", "ledger"),
        ("F6", "identity"),
    ],
)
def test_a_killed_service_died_of_sigkill_and_runs_again_as_another_process(
    run: dict[str, Any], code: str, service: str
) -> None:
    evidence = row(run, code)["evidence"]

    assert evidence["exit_status"] == [-9] * len(evidence["killed_pid"])
    assert not set(evidence["killed_pid"]) & set(evidence["restarted_pid"])


def test_the_broker_was_down_and_came_back_on_its_address(run: dict[str, Any]) -> None:
    evidence = row(run, "F7")["evidence"]

    assert evidence["broker_down"] == [True]
    [[before, after]] = evidence["address"]
    assert before == after
    [[old_pid, new_pid]] = evidence["pids"]
    assert old_pid != new_pid


def test_the_paused_broker_was_stopped_and_answered_nothing(run: dict[str, Any]) -> None:
    evidence = row(run, "F8")["evidence"]

    assert evidence["state"] == ["T"]
    assert evidence["metadata_answered"] == [False]


def test_postgresql_was_down_and_restarted(run: dict[str, Any]) -> None:
    evidence = row(run, "F9")["evidence"]

    assert evidence["postgres_down"] == [True]
    [[old_pid, new_pid]] = evidence["pids"]
    assert old_pid != new_pid


def test_the_ledger_group_grew_by_the_extra_instances_and_shrank_back(
    run: dict[str, Any],
) -> None:
    found = row(run, "F10")
    members = found["evidence"]["members"]

    assert found["faults"] == 4  # two instances joined, two left
    assert members == [3, 2, 1]


def test_duplicates_were_produced_and_changed_nothing(run: dict[str, Any]) -> None:
    found = row(run, "F11")

    assert found["evidence"]["duplicated"] >= 5


def test_the_poison_was_dead_lettered_and_listed(run: dict[str, Any]) -> None:
    found = row(run, "F12")

    assert found["evidence"]["dead_letters_after"] > found["evidence"]["dead_letters_before"]
    [dead] = [f for f in found["findings"] if f["check"] == "dead letters"]
    assert "mercato.payments.payment.dlq" in dead["note"]


def test_the_slow_downstream_made_callers_miss_their_deadline(run: dict[str, Any]) -> None:
    evidence = row(run, "F13")["evidence"]

    assert evidence["state"] == ["T"]
    assert evidence["probe"] == ["DEADLINE_EXCEEDED"]
    assert evidence["stopped_s"][0] > 10


def test_the_ledger_rebuilt_from_offset_zero_is_identical(run: dict[str, Any]) -> None:
    found = row(run, "F14")

    assert found["faults"] == 1
    assert any("identical" in line for line in found["evidence"]["replay"])


def test_verify_over_the_whole_run_holds(run: dict[str, Any]) -> None:
    row(run, "all")


def test_an_unknown_scenario_is_refused_before_anything_starts(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "chaos", "--scenario", "F99"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )

    assert done.returncode == 2
    assert "'F99' is not a scenario" in done.stderr
    assert "mercato chaos:" not in done.stdout  # nothing was started
