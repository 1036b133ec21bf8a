"""A service and its broker: health says when the broker is gone, the service comes back with
it without a restart, and a stop is bounded even while it is gone."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mercato.example.v1 import wishlist_pb2, wishlist_pb2_grpc
from mercato_localinfra import LocalInfra
from tests.support.services import ServiceProcess

GRACE_SECONDS = 2.0
BOUND_SECONDS = GRACE_SECONDS * 2 + 10


def broker_up(state: Path) -> str:
    up = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "infra", "up", "--kafka-only"],
        env=dict(os.environ, MERCATO_STATE_DIR=str(state)),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return up.stdout.split("KAFKA_BOOTSTRAP_SERVERS=", 1)[1].split()[0].strip("'\"")


@pytest.fixture
def private_broker() -> Iterator[tuple[LocalInfra, str]]:
    state = Path(tempfile.mkdtemp(prefix="mercato-runtime-faults-", dir="/tmp"))
    state.chmod(0o755)
    bootstrap = broker_up(state)
    infra = LocalInfra(state_dir=state)
    try:
        yield infra, bootstrap
    finally:
        infra.down(purge=True)
        shutil.rmtree(state, ignore_errors=True)


def example(bootstrap: str, workdir: Path) -> ServiceProcess:
    return ServiceProcess.start(
        "example",
        {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "EXAMPLE_DATABASE_URL": f"sqlite:///{workdir / 'example.db'}",
            "EXAMPLE_SHUTDOWN_GRACE": str(GRACE_SECONDS),
            "AUTH_TRUSTED_KEYS": "",
        },
        workdir,
    )


def health(service: ServiceProcess) -> int:
    stub = health_pb2_grpc.HealthStub(service.channel)
    try:
        return int(stub.Check(health_pb2.HealthCheckRequest(), timeout=2).status)
    except grpc.RpcError:
        return -1


def wait_health(service: ServiceProcess, status: int, timeout: float = 60) -> float:
    started = time.monotonic()
    while health(service) != status:
        assert time.monotonic() - started < timeout, service.logs()[-3000:]
        time.sleep(0.2)
    return time.monotonic() - started


def test_health_says_when_the_broker_is_gone_and_the_service_recovers_without_a_restart(
    private_broker: tuple[LocalInfra, str], tmp_path: Path
) -> None:
    infra, bootstrap = private_broker
    service = example(bootstrap, tmp_path)
    try:
        infra.down()
        wait_health(service, health_pb2.HealthCheckResponse.NOT_SERVING)

        assert broker_up(infra.state_dir) == bootstrap  # the same address as before
        wait_health(service, health_pb2.HealthCheckResponse.SERVING)
        wishlists = wishlist_pb2_grpc.WishlistServiceStub(service.channel)
        created = wishlists.CreateWishlist(
            wishlist_pb2.CreateWishlistRequest(
                idempotency_key="after-the-outage", owner_id=str(uuid.uuid4()), name="later"
            ),
            timeout=30,
        )
        assert created.wishlist_id
        assert service.process.poll() is None
    finally:
        assert service.stop() == 0


def test_sigterm_stops_a_service_within_its_bound_while_its_broker_is_down(
    private_broker: tuple[LocalInfra, str], tmp_path: Path
) -> None:
    infra, bootstrap = private_broker
    service = example(bootstrap, tmp_path)
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
