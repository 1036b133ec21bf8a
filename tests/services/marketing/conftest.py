"""Fixtures of the marketing service's tests: one catalog for the package (on SQLite: marketing
asks it for products at launch and follows its product events), a LocalIssuer whose tokens the
services trust, and a producer of the other services' events."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from mercato_kit.testing import LocalIssuer
from tests.services.marketing._support import Events, catalog_stub
from tests.support.catalog_service import catalog_database, start_catalog
from tests.support.services import ServiceProcess


@pytest.fixture(scope="package")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture(scope="package")
def events(kafka_bootstrap_servers: str) -> Iterator[Events]:
    producer = Events(kafka_bootstrap_servers)
    yield producer
    producer.close()


@pytest.fixture(scope="package")
def catalog(
    issuer: LocalIssuer, kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    folder = tmp_path_factory.mktemp("marketing-catalog")
    with catalog_database("sqlite", "", folder) as url:
        process = start_catalog(url, kafka_bootstrap_servers, issuer, folder)
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture(scope="package")
def catalog_api(catalog: ServiceProcess) -> Iterator[object]:
    with grpc.insecure_channel(catalog.address) as channel:
        yield catalog_stub(channel)
