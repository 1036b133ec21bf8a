"""`mercato infra up --kafka-only` (what `make demo` uses unless it is given a database): the
broker alone, no DATABASE_URL, and nothing left behind by `down`."""

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
    path = Path(tempfile.mkdtemp(prefix="mercato-demo-infra-test-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    LocalInfra(state_dir=path).down(purge=True)
    shutil.rmtree(path, ignore_errors=True)


def _mercato(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MERCATO_STATE_DIR=str(state_dir))
    return subprocess.run(
        [*MERCATO, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.timeout(600)
def test_kafka_only_starts_the_broker_alone_and_down_purges_it(state_dir: Path) -> None:
    up = _mercato(state_dir, "infra", "up", "--kafka-only")

    assert up.returncode == 0, up.stderr
    lines = up.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("export KAFKA_BOOTSTRAP_SERVERS=")
    infra = LocalInfra(state_dir=state_dir)
    endpoints = infra.status()
    assert endpoints is not None
    assert endpoints.database_url is None
    fetch_metadata(endpoints.kafka_bootstrap_servers)
    pids, ports = infra.pids(), infra.ports()
    assert len(pids) == 1
    assert len(ports) == 2
    assert _mercato(state_dir, "infra", "status").stdout == up.stdout
    check = _mercato(state_dir, "infra", "check")
    assert check.returncode == 0, check.stderr
    assert "postgresql" not in check.stdout

    down = _mercato(state_dir, "infra", "down", "--purge")

    assert down.returncode == 0, down.stderr
    assert [p for p in pids if pid_alive(p)] == []
    assert [p for p in ports if port_open(p)] == []
    assert _mercato(state_dir, "infra", "status").returncode == 1
