"""One ecosystem for the whole end-to-end package: identity, catalog, payments, logistics,
orders and the ledger, each its own process on its own PostgreSQL database (started once; each
test makes its own sellers and buyers, so they do not see each other's orders)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.ecosystem import Ecosystem


@pytest.fixture(scope="package")
def world(
    kafka_bootstrap_servers: str, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ecosystem]:
    workdir = tmp_path_factory.mktemp("ecosystem")
    with Ecosystem.started(kafka_bootstrap_servers, postgres_url, workdir, ledger=True) as running:
        yield running
