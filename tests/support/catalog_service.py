"""The catalog service as a real process for tests: started with `mercato serve catalog`,
configured only by environment variables, plus the clients and readers the tests use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from mercato.catalog.v1 import catalog_service_pb2_grpc
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.testing import LocalIssuer
from tests.support.services import ServiceProcess, envelopes_on, service_database

SERVICE_NAME = "mercato.catalog.v1.CatalogService"


CatalogProcess = ServiceProcess
"""One running `mercato serve catalog`."""


def start_catalog(
    database_url: str,
    kafka_bootstrap_servers: str,
    issuer: LocalIssuer,
    workdir: Path,
    **settings: str,
) -> CatalogProcess:
    """Start a catalog process; `settings` are more CATALOG_* variables (without the prefix)."""
    return ServiceProcess.start(
        "catalog",
        {
            "CATALOG_DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
            "AUTH_TRUSTED_KEYS": issuer.trusted_keys(),
            **{f"CATALOG_{name.upper()}": value for name, value in settings.items()},
        },
        workdir,
        health_service=SERVICE_NAME,
    )


@contextmanager
def catalog_database(backend: str, postgres_url: str, folder: Path) -> Iterator[str]:
    """A new empty database for a module's catalog (see tests.support.services)."""
    with service_database(backend, postgres_url, folder, "catalog") as url:
        yield url


def stub(channel: grpc.Channel) -> catalog_service_pb2_grpc.CatalogServiceStub:
    return catalog_service_pb2_grpc.CatalogServiceStub(channel)


def events_of(
    bootstrap: str, aggregate_kind: str, aggregate_ids: set[str], count: int, timeout: float = 60
) -> list[EventEnvelope]:
    """The events of these aggregates on their topic, read from the start."""
    return envelopes_on(bootstrap, topic_for(aggregate_kind), aggregate_ids, count, timeout)
