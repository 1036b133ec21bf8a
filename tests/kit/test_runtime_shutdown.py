"""A service told to stop stops within its bound, even when its broker has gone away."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mercato_localinfra import LocalInfra
from tests.support.services import ServiceProcess

GRACE_SECONDS = 2.0
BOUND_SECONDS = GRACE_SECONDS * 2 + 10


@pytest.fixture
def private_broker() -> Iterator[tuple[LocalInfra, str]]:
    state = Path(tempfile.mkdtemp(prefix="mercato-shutdown-test-", dir="/tmp"))
    state.chmod(0o755)
    up = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "infra", "up", "--kafka-only"],
        env=dict(os.environ, MERCATO_STATE_DIR=str(state)),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    bootstrap = up.stdout.split("KAFKA_BOOTSTRAP_SERVERS=", 1)[1].split()[0].strip("'\"")
    infra = LocalInfra(state_dir=state)
    try:
        yield infra, bootstrap
    finally:
        infra.down(purge=True)
        shutil.rmtree(state, ignore_errors=True)


def test_sigterm_stops_a_service_within_its_bound_while_its_broker_is_down(
    private_broker: tuple[LocalInfra, str], tmp_path: Path
) -> None:
    infra, bootstrap = private_broker
    service = ServiceProcess.start(
        "example",
        {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "EXAMPLE_DATABASE_URL": f"sqlite:///{tmp_path / 'example.db'}",
            "EXAMPLE_SHUTDOWN_GRACE": str(GRACE_SECONDS),
            "AUTH_TRUSTED_KEYS": "",
        },
        tmp_path,
    )
    infra.down()
    time.sleep(3)  # the clients notice the broker is gone

    started = time.monotonic()
    service.process.send_signal(signal.SIGTERM)
    try:
        service.process.wait(timeout=BOUND_SECONDS + 60)
    finally:
        if service.process.poll() is None:
            service.process.kill()
    took = time.monotonic() - started

    assert took <= BOUND_SECONDS, f"stopped after {took:.1f}s:\n{service.logs()[-3000:]}"
