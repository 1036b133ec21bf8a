"""The catalog service as a real process for tests: started with `mercato serve catalog`,
configured only by environment variables, plus the clients and readers the tests use."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaConsumer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato.catalog.v1 import catalog_service_pb2_grpc
from mercato_kit.auth import LocalIssuer
from mercato_kit.events import EventEnvelope, topic_for
from mercato_localinfra._process import free_port

SERVICE_NAME = "mercato.catalog.v1.CatalogService"


@dataclass
class CatalogProcess:
    """One running `mercato serve catalog`."""

    process: subprocess.Popen[bytes]
    address: str
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_serving(self, timeout: float = 90) -> None:
        with grpc.insecure_channel(self.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self.logs()[-4000:]
                try:
                    answer = health.Check(
                        health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=1
                    )
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.2)
        raise AssertionError("catalog never answered SERVING:\n" + self.logs()[-4000:])

    def stop(self) -> int:
        """SIGTERM, then the exit status (killed after a bounded wait)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=30)


def start_catalog(
    database_url: str,
    kafka_bootstrap_servers: str,
    issuer: LocalIssuer,
    workdir: Path,
    **settings: str,
) -> CatalogProcess:
    """Start a catalog process; `settings` are more CATALOG_* variables (without the prefix)."""
    address = f"127.0.0.1:{free_port()}"
    env = dict(
        os.environ,
        CATALOG_GRPC_ADDR=address,
        CATALOG_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        AUTH_TRUSTED_KEYS=issuer.trusted_keys(),
        **{f"CATALOG_{name.upper()}": value for name, value in settings.items()},
    )
    env.pop("DATABASE_URL", None)
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"catalog-{address.rsplit(':', 1)[1]}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mercato_cli", "serve", "catalog"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    running = CatalogProcess(process, address, log)
    try:
        running.wait_serving()
    except BaseException:
        running.stop()
        raise
    return running


@contextmanager
def catalog_database(backend: str, postgres_url: str, folder: Path) -> Iterator[str]:
    """A new empty database for a module's service: an SQLite file, or a PostgreSQL database
    on the session's server (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'catalog-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"test_catalog_{uuid.uuid4().hex[:12]}"
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


def stub(channel: grpc.Channel) -> catalog_service_pb2_grpc.CatalogServiceStub:
    return catalog_service_pb2_grpc.CatalogServiceStub(channel)


def events_of(
    bootstrap: str, aggregate_kind: str, aggregate_ids: set[str], count: int, timeout: float = 60
) -> list[EventEnvelope]:
    """The events of these aggregates on their topic, read from the start (the broker is
    shared, so records are filtered by key), until `count` are found or `timeout` passes."""
    keys = {aggregate_id.encode() for aggregate_id in aggregate_ids}
    consumer = KafkaConsumer(
        topic_for(aggregate_kind),
        bootstrap_servers=bootstrap,
        group_id=f"test-catalog-{uuid.uuid4().hex[:8]}",
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
                    if record.key in keys
                )
    finally:
        consumer.close()
    return found
