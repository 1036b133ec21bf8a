"""One ecosystem for the whole end-to-end package: identity, catalog, payments, logistics,
orders and the ledger, each its own process on its own PostgreSQL database (started once; each
test makes its own sellers and buyers, so they do not see each other's orders). Every service
exports its traces by OTLP to a receiver in this process (`traces`) and serves its metrics on a
port of its own (`ServiceProcess.metrics_address`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.ecosystem import Ecosystem
from tests.support.traces import TraceReceiver


@pytest.fixture(scope="package")
def traces() -> Iterator[TraceReceiver]:
    """The OTLP receiver the package's services export their spans to."""
    with TraceReceiver.running() as receiver:
        yield receiver


@pytest.fixture(scope="package")
def world(
    kafka_bootstrap_servers: str,
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    traces: TraceReceiver,
) -> Iterator[Ecosystem]:
    workdir = tmp_path_factory.mktemp("ecosystem")
    with pytest.MonkeyPatch.context() as environment:
        # The services inherit these (the standard OpenTelemetry variables); spans leave in
        # batches every half second instead of five.
        environment.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", traces.endpoint)
        environment.setenv("OTEL_BSP_SCHEDULE_DELAY", "500")
        with Ecosystem.started(
            kafka_bootstrap_servers, postgres_url, workdir, ledger=True
        ) as running:
            yield running
