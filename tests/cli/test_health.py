"""`mercato health`: the containers' health check, against a real gRPC health service."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from mercato_localinfra._process import free_port


@pytest.fixture
def served() -> Iterator[tuple[str, health.HealthServicer]]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    address = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(address)
    server.start()
    yield address, servicer
    server.stop(grace=None)


def _health(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mercato_cli", "health", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_serving_service_is_healthy_at_the_address_from_the_environment(
    served: tuple[str, health.HealthServicer],
) -> None:
    address, servicer = served
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)

    done = _health(env=dict(os.environ, MERCATO_HEALTH_ADDR=address))

    assert done.returncode == 0, done.stderr
    assert "SERVING" in done.stderr


def test_a_service_not_serving_or_not_there_is_unhealthy(
    served: tuple[str, health.HealthServicer],
) -> None:
    address, servicer = served
    servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)

    not_serving = _health(address)
    absent = _health(f"127.0.0.1:{free_port()}", "--timeout", "1")

    assert (not_serving.returncode, absent.returncode) == (1, 1)
    assert "NOT_SERVING" in not_serving.stderr
    assert "UNAVAILABLE" in absent.stderr or "DEADLINE_EXCEEDED" in absent.stderr
