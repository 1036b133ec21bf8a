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
        # The tests stand in for a trusted edge: their x-forwarded-for is a caller's address
        # (without one, every test signs in from 127.0.0.1: its per-address limit is raised).
        running = start_identity(
            url,
            kafka_bootstrap_servers,
            folder,
            trusted_proxies="127.0.0.1",
            sign_in_source_max_failures="1000",
            # Its expiry tasks run often (the retentions are the defaults): identity's own and
            # the kit's, for idempotency keys.
            cleanup_interval="0.5",
            idempotency_key_cleanup_interval="0.5",
        )
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
