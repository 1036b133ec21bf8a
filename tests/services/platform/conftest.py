"""One platform process on PostgreSQL for the package's tests (the SIGKILL and TLS tests start
their own), a LocalIssuer whose tokens it trusts, producers and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mercato_kit.testing import LocalIssuer
from tests.services.platform._support import PlatformProcess, Producers, Receiver, start_platform
from tests.support.services import service_database


@pytest.fixture(scope="package")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture(scope="package")
def producers(kafka_bootstrap_servers: str) -> Iterator[Producers]:
    running = Producers(kafka_bootstrap_servers)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="package")
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="package")
def platform(
    issuer: LocalIssuer,
    kafka_bootstrap_servers: str,
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PlatformProcess]:
    folder = tmp_path_factory.mktemp("platform")
    with service_database("postgresql", postgres_url, folder, "platform") as url:
        running = start_platform(
            url,
            kafka_bootstrap_servers,
            issuer,
            folder,
            PLATFORM_WEBHOOK_DISABLE_AFTER="12",
        )
        try:
            yield running
        finally:
            assert running.stop() == 0, running.logs()[-3000:]
