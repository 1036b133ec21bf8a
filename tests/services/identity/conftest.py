"""One identity process on PostgreSQL for the package's gRPC tests (started once: each start
migrates a database and makes a signing key), and an operator made with its command line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.identity_service import (
    IdentityProcess,
    SignedIn,
    create_operator,
    identity_database,
    start_identity,
)


@pytest.fixture(scope="package")
def identity(
    postgres_url: str, kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IdentityProcess]:
    folder = tmp_path_factory.mktemp("identity")
    with identity_database("postgresql", postgres_url, folder) as url:
        running = start_identity(url, kafka_bootstrap_servers, folder)
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="package")
def operator(
    identity: IdentityProcess,
    kafka_bootstrap_servers: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> SignedIn:
    return create_operator(identity, kafka_bootstrap_servers, tmp_path_factory.mktemp("admin"))
