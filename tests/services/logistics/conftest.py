"""The logistics service, started once per backend for the whole package (startups are slow)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.logistics._support import (
    RULES,
    Callers,
    RunningLogistics,
    postgres_database,
    running_logistics,
)


@pytest.fixture(scope="package")
def callers() -> Callers:
    return Callers()


@pytest.fixture(scope="package")
def postgresql_service(
    postgres_url: str,
    kafka_bootstrap_servers: str,
    callers: Callers,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningLogistics]:
    with (
        postgres_database(postgres_url) as database_url,
        running_logistics(
            database_url=database_url,
            kafka=kafka_bootstrap_servers,
            callers=callers,
            rules=RULES,
            workdir=tmp_path_factory.mktemp("logistics-postgresql"),
        ) as running,
    ):
        yield running


@pytest.fixture(scope="package")
def sqlite_service(
    kafka_bootstrap_servers: str, callers: Callers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningLogistics]:
    workdir = tmp_path_factory.mktemp("logistics-sqlite")
    with running_logistics(
        database_url=f"sqlite:///{workdir / 'logistics.db'}",
        kafka=kafka_bootstrap_servers,
        callers=callers,
        rules=RULES,
        workdir=workdir,
    ) as running:
        yield running
