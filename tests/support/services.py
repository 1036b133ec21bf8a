"""Services as real processes for end-to-end tests, and the databases and topics they use.

Every service test starts its service the way an operator does — `python -m mercato_cli serve
<name>`, configured only by environment variables — waits until its health check answers
SERVING, and stops it with SIGTERM (a clean stop exits 0). Each serves its metrics on a free
port of its own (`<NAME>_METRICS_ADDR`, `ServiceProcess.metrics_address`), so a test can scrape
any of them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaConsumer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato_cli.services import variable_prefix
from mercato_kit.events import EventEnvelope
from mercato_localinfra._process import free_port


class ServiceProcess:
    """One running `mercato serve <name>`: its process, address, log and a channel to it."""

    def __init__(
        self,
        name: str,
        process: subprocess.Popen[bytes],
        address: str,
        log: Path,
        *,
        health_service: str = "",
        metrics_address: str = "",
    ) -> None:
        self.name = name
        self.process = process
        self.address = address
        self.log = log
        self.health_service = health_service
        self.metrics_address = metrics_address
        self.channel = grpc.insecure_channel(address)

    @classmethod
    def start(
        cls,
        name: str,
        settings: Mapping[str, str],
        workdir: Path,
        *,
        health_service: str = "",
    ) -> ServiceProcess:
        """Start the service with `settings` added to this environment (DATABASE_URL removed,
        so only the service's own variables choose its database) and wait until it serves."""
        prefix = variable_prefix(name)
        variable = f"{prefix}_GRPC_ADDR"
        env = {
            **os.environ,
            variable: f"127.0.0.1:{free_port()}",
            f"{prefix}_METRICS_ADDR": f"127.0.0.1:{free_port()}",
            **settings,
        }
        env.pop("DATABASE_URL", None)
        workdir.mkdir(parents=True, exist_ok=True)
        address = env[variable]
        log = workdir / f"{name}-{address.rsplit(':', 1)[1]}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "mercato_cli", "serve", name],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=workdir,
            )
        service = cls(
            name,
            process,
            address,
            log,
            health_service=health_service,
            metrics_address=env[f"{prefix}_METRICS_ADDR"],
        )
        try:
            service.wait_serving()
        except BaseException:
            service.stop()
            raise
        return service

    def logs(self) -> str:
        """Everything the process wrote so far."""
        return self.log.read_text(errors="replace")

    def wait_serving(self, timeout: float = 90) -> None:
        """Wait for SERVING; fail with the log if the process dies or never serves."""
        health = health_pb2_grpc.HealthStub(self.channel)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.logs()[-4000:]
            try:
                answer = health.Check(
                    health_pb2.HealthCheckRequest(service=self.health_service), timeout=1
                )
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} never answered SERVING:\n" + self.logs()[-4000:])

    def stop(self) -> int:
        """SIGTERM, then the exit status (killed after a bounded wait)."""
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=30)


@contextmanager
def service_database(backend: str, postgres_url: str, folder: Path, prefix: str) -> Iterator[str]:
    """A new empty database for a module's service: an SQLite file in `folder`, or a PostgreSQL
    database on the session's server (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{prefix}-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"test_{prefix}_{uuid.uuid4().hex[:12]}"
    server = make_url(postgres_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def envelopes_on(
    bootstrap_servers: str,
    topic: str,
    keys: str | Iterable[str],
    count: int,
    timeout: float = 60,
) -> list[EventEnvelope]:
    """The first `count` envelopes keyed by one of `keys` (aggregate ids) on `topic`, read from the
    start like a partner would; fewer if the timeout passes first. The broker is shared, so
    records are filtered by key."""
    wanted = {keys.encode()} if isinstance(keys, str) else {key.encode() for key in keys}
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    found: list[EventEnvelope] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                found.extend(
                    EventEnvelope.from_bytes(record.value)
                    for record in records
                    if record.key in wanted
                )
    finally:
        consumer.close()
    return found
