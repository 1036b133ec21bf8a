"""Session-wide infrastructure for the tests: a real Kafka broker and a real PostgreSQL.

Each is taken, in this order, from
1. the environment (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL);
2. testcontainers, when a Docker engine answers;
3. the local broker and server that `mercato infra` runs (started here when not running, and
   stopped again at the end of the session if this session started them).
When none can be had, a test that needs them skips on a developer's machine and fails in CI
(CI=true): CI never passes by skipping the real thing.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

APACHE_KAFKA_IMAGE = "apache/kafka:4.1.2"
POSTGRES_IMAGE = "postgres:16"


@dataclass(frozen=True)
class Infra:
    """Where the session's broker and database listen, and who provided them."""

    kafka_bootstrap_servers: str | None
    database_url: str | None
    source: str
    problem: str | None = None


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _kafka_container(stack: ExitStack) -> str:
    from testcontainers.core.container import DockerContainer

    from mercato_localinfra import fetch_metadata
    from mercato_localinfra._process import free_port

    port = free_port()
    container = (
        DockerContainer(APACHE_KAFKA_IMAGE)
        .with_bind_ports(9092, port)
        .with_env("KAFKA_NODE_ID", "1")
        .with_env("KAFKA_PROCESS_ROLES", "broker,controller")
        .with_env("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
        .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://127.0.0.1:{port}")
        .with_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
        .with_env(
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
        )
        .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
        .with_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
    )
    stack.enter_context(container)
    bootstrap = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            fetch_metadata(bootstrap)
            return bootstrap
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _postgres_container(stack: ExitStack) -> str:
    from testcontainers.postgres import PostgresContainer

    container = stack.enter_context(PostgresContainer(POSTGRES_IMAGE, driver="psycopg"))
    return str(container.get_connection_url())


# Running distributed (`make test` runs `pytest -n 2 --dist loadscope`): the controller starts the
# local broker and database once, before the workers start, and hands them over through the
# environment (each worker's `infra` fixture then takes them from there); work is shared out in
# units that keep a package's or module's shared fixtures on one worker, the longest units first.

# Test packages whose fixtures are shared package-wide (one ecosystem, one service process): one
# unit of work each. Everything else is shared out module by module.
_PACKAGE_UNITS = (
    "tests/e2e/",
    "tests/services/identity/",
    "tests/services/logistics/",
    "tests/services/marketing/",
    "tests/services/platform/",
)
# The longest units, started first so that neither worker is left with a long tail.
_LONGEST_FIRST = (
    "tests/e2e/",
    "tests/cli/test_chaos.py",
    "tests/services/platform/",
    "tests/services/marketing/",
    "tests/services/identity/",
    "tests/demo/test_demo.py",
    "tests/services/payments/",
    "tests/console/",
    "tests/cli/test_load.py",
    "tests/integration/test_kafka_cluster.py",
    "tests/services/logistics/",
    "tests/services/orders/",
    "tests/services/ledger/",
    "tests/kit/consumer/",
)


def _unit_of(nodeid: str) -> str:
    for package in _PACKAGE_UNITS:
        if nodeid.startswith(package):
            return package
    return nodeid.split("::", 1)[0]


def _distributed(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and (
        getattr(config.option, "dist", "no") != "no"
    )


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not _distributed(config):
        return
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL"):
        return
    if os.environ.get("MERCATO_TESTS_USE_DOCKER", "auto") != "never" and _docker_answers():
        return  # each worker starts its own containers
    from mercato_localinfra import InfraError, LocalInfra

    local = LocalInfra()
    started_here = local.status() is None
    try:
        endpoints = local.up()
    except InfraError:
        return  # each worker's `infra` fixture tries again and reports the problem
    os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", endpoints.kafka_bootstrap_servers)
    os.environ.setdefault("DATABASE_URL", endpoints.database_url)
    if started_here and os.environ.get("MERCATO_TESTS_KEEP_INFRA") != "1":
        config.add_cleanup(local.down)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _distributed(config):
        return

    def rank(item: pytest.Item) -> int:
        unit = _unit_of(item.nodeid)
        for position, prefix in enumerate(_LONGEST_FIRST):
            if unit.startswith(prefix):
                return position
        return len(_LONGEST_FIRST)

    items.sort(key=rank)  # stable: a unit's own tests keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if getattr(config.option, "dist", None) != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _unit_of(nodeid)

    return UnitScheduling(config, log)


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    """The session's Kafka and PostgreSQL (see the module docstring for where they come from)."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None
    database = os.environ.get("DATABASE_URL") or None
    if kafka and database:
        yield Infra(kafka, database, source="environment")
        return
    problem = ""
    with ExitStack() as stack:
        if os.environ.get("MERCATO_TESTS_USE_DOCKER", "auto") != "never" and _docker_answers():
            try:
                kafka = kafka or _kafka_container(stack)
                database = database or _postgres_container(stack)
                yield Infra(kafka, database, source="testcontainers")
                return
            except Exception as exc:
                stack.close()
                problem = f"testcontainers failed: {exc}; "
        from mercato_localinfra import InfraError, LocalInfra

        local = LocalInfra()
        started_here = local.status() is None
        try:
            endpoints = local.up()
        except InfraError as exc:
            yield Infra(
                kafka, database, source="none", problem=f"{problem}local infra failed: {exc}"
            )
            return
        if started_here and os.environ.get("MERCATO_TESTS_KEEP_INFRA") != "1":
            stack.callback(local.down)
        yield Infra(
            kafka or endpoints.kafka_bootstrap_servers,
            database or endpoints.database_url,
            source="local",
        )


def _unavailable(what: str, infra: Infra) -> None:
    message = f"no {what} could be had ({infra.problem or 'not configured'})"
    if _in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def kafka_bootstrap_servers(infra: Infra) -> str:
    """Bootstrap address of a real Apache Kafka broker."""
    if infra.kafka_bootstrap_servers is None:
        _unavailable("Kafka broker", infra)
    assert infra.kafka_bootstrap_servers is not None
    return infra.kafka_bootstrap_servers


@pytest.fixture(scope="session")
def postgres_url(infra: Infra) -> str:
    """SQLAlchemy URL of a real PostgreSQL database."""
    if infra.database_url is None:
        _unavailable("PostgreSQL server", infra)
    assert infra.database_url is not None
    return infra.database_url


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the session's server, dropped after the test."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"test_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture
def fresh_sqlite_url(tmp_path: Path) -> str:
    """A new SQLite database file for the test."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest) -> str:
    """A new empty database, once on SQLite and once on PostgreSQL."""
    fixture = "fresh_sqlite_url" if request.param == "sqlite" else "fresh_postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def unique_topic(request: pytest.FixtureRequest) -> str:
    """A topic name no other test uses (the broker is shared by the whole session)."""
    return f"test.{request.node.name[:40]}.{uuid.uuid4().hex[:8]}".replace("[", "-").replace(
        "]", ""
    )
