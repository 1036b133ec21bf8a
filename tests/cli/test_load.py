"""`mercato load`, tiny: one step of 3 orders/s for 5 s against the real ecosystem (SQLite, the
session's broker) and then against the pass-through fabric, in one run (`--baseline`). What
is checked is the report's shape and that every offered order is accounted for (placed or
failed with a code); how fast anything was belongs to `make bench-saga`, not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(600)

STEP_KEYS = {
    "step",
    "offered_per_s",
    "offered",
    "placed",
    "errors",
    "achieved_per_s",
    "paid_per_s",
    "place_ms",
    "paid_ms",
    "ledger_ms",
    "backlog_mid",
    "backlog_end",
    "consumer_lag",
    "outbox_depth",
    "sustainable",
}


@pytest.fixture(scope="module")
def run(kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("load")
    out = folder / "load.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MERCATO_STATE_DIR")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka_bootstrap_servers
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mercato_cli",
            "load",
            "--env-infra",
            "--sqlite",
            "--baseline",
            "--rates",
            "3",
            "--step-seconds",
            "5",
            "--drain-seconds",
            "5",
            "--sellers",
            "1",
            "--products-per-shop",
            "1",
            "--buyers",
            "1",
            "--out",
            str(out),
            "--workdir",
            str(folder / "run"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=550,
        check=False,
    )
    output = done.stdout[-6000:] + done.stderr[-4000:]
    assert done.returncode == 0, output
    document: dict[str, Any] = json.loads(out.read_text())
    document["markdown"] = Path(out.with_suffix(".md")).read_text()
    document["output"] = output
    return document


@pytest.mark.parametrize("fabric", ["mercato", "passthrough"])
def test_each_fabric_reports_its_step_with_every_offered_order_accounted_for(
    run: dict[str, Any], fabric: str
) -> None:
    [step] = run["fabrics"][fabric]["steps"]

    assert step.keys() >= STEP_KEYS
    assert step["offered"] == 15
    assert step["placed"] + sum(step["errors"].values()) == step["offered"], run["output"]
    for latency in ("place_ms", "paid_ms", "ledger_ms"):
        assert set(step[latency]) == {"count", "p50", "p90", "p99", "max"}
    assert step["place_ms"]["count"] == step["placed"]


def test_the_report_names_the_machine_the_events_per_order_and_the_ratio(
    run: dict[str, Any],
) -> None:
    assert run["machine"]["cpus"] >= 1
    assert len(run["machine"]["load_average_at_start"]) == 3
    assert "ratio_mercato_to_passthrough" in run
    for fabric in ("mercato", "passthrough"):
        found = run["fabrics"][fabric]
        assert "max_sustainable_per_s" in found
        assert found["events"], f"{fabric} saw no event of its orders"
    processes = run["fabrics"]["mercato"]["processes"]
    assert {p["service"] for p in processes.values()} >= {"catalog", "payments", "orders"}
    assert processes["orders"]["rpcs"] > 0  # the harness's PlaceOrder calls
    assert run["fabrics"]["mercato"]["cpu_s_per_placed_order"] > 0
    assert "**mercato**" in run["markdown"]
    assert "**passthrough**" in run["markdown"]
