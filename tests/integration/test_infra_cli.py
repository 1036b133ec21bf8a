"""`mercato infra up|status|down` runs a real broker and database and leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mercato_localinfra import LocalInfra, fetch_metadata
from mercato_localinfra._process import pid_alive, port_open

MERCATO = [sys.executable, "-m", "mercato_cli"]


@pytest.fixture
def state_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: it is private to root, and the postgres server user must reach it.
    path = Path(tempfile.mkdtemp(prefix="mercato-infra-test-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    LocalInfra(state_dir=path).down()
    shutil.rmtree(path, ignore_errors=True)


def _mercato(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MERCATO_STATE_DIR=str(state_dir))
    return subprocess.run(
        [*MERCATO, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _exports_via_bash(exports: str) -> dict[str, str]:
    script = exports + 'printf "%s\\n%s\\n" "$KAFKA_BOOTSTRAP_SERVERS" "$DATABASE_URL"'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    kafka, database = out.stdout.splitlines()
    return {"KAFKA_BOOTSTRAP_SERVERS": kafka, "DATABASE_URL": database}


def test_up_prints_exports_that_eval_accepts_and_down_leaves_no_process_or_port(
    state_dir: Path,
) -> None:
    up = _mercato(state_dir, "infra", "up")
    assert up.returncode == 0, up.stderr
    endpoints = _exports_via_bash(up.stdout)
    fetch_metadata(endpoints["KAFKA_BOOTSTRAP_SERVERS"])
    assert endpoints["DATABASE_URL"].startswith("postgresql+psycopg://")
    infra = LocalInfra(state_dir=state_dir)
    pids, ports = infra.pids(), infra.ports()
    assert len(pids) == 2
    assert len(ports) == 3
    assert all(port_open(p) for p in ports)

    status = _mercato(state_dir, "infra", "status")
    assert status.returncode == 0
    assert _exports_via_bash(status.stdout) == endpoints

    down = _mercato(state_dir, "infra", "down")

    assert down.returncode == 0, down.stderr
    assert [p for p in pids if pid_alive(p)] == []
    assert [p for p in ports if port_open(p)] == []
    assert _mercato(state_dir, "infra", "status").returncode == 1


def test_up_twice_reuses_the_running_broker_and_database(state_dir: Path) -> None:
    first = _mercato(state_dir, "infra", "up")
    assert first.returncode == 0, first.stderr

    second = _mercato(state_dir, "infra", "up")

    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_a_restarted_broker_and_database_come_back_on_the_addresses_services_dial(
    state_dir: Path,
) -> None:
    first = _mercato(state_dir, "infra", "up")
    assert first.returncode == 0, first.stderr
    assert _mercato(state_dir, "infra", "down").returncode == 0

    again = _mercato(state_dir, "infra", "up")

    assert again.returncode == 0, again.stderr
    assert _exports_via_bash(again.stdout) == _exports_via_bash(first.stdout)
    fetch_metadata(_exports_via_bash(again.stdout)["KAFKA_BOOTSTRAP_SERVERS"])
