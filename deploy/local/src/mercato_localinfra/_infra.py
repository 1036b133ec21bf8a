"""The local broker and database together, with their state kept in one directory."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from mercato_localinfra._chromium import install_chromium
from mercato_localinfra._errors import InfraError
from mercato_localinfra._kafka import KafkaProcess, LocalKafka, LocalKafkaCluster
from mercato_localinfra._postgres import LocalPostgres, PostgresProcess
from mercato_localinfra._process import wait_port_closed
from mercato_localinfra._prometheus import install_prometheus


@dataclass(frozen=True)
class Endpoints:
    """Where the running infrastructure listens, as services and tests need it."""

    kafka_bootstrap_servers: str
    database_url: str | None
    """None when only the broker runs (`up(kafka_only=True)`)."""

    def exports(self) -> str:
        """Shell `export` lines that `eval` accepts (no DATABASE_URL when only Kafka runs)."""
        lines = f"export KAFKA_BOOTSTRAP_SERVERS={shlex.quote(self.kafka_bootstrap_servers)}\n"
        if self.database_url is not None:
            lines += f"export DATABASE_URL={shlex.quote(self.database_url)}\n"
        return lines


def default_state_dir() -> Path:
    """Where a checkout's broker and database keep their data and pids.

    `MERCATO_STATE_DIR` when set; otherwise a directory under /tmp named after the checkout,
    so two checkouts never share a broker and the postgres user can reach it when run as root.
    """
    configured = os.environ.get("MERCATO_STATE_DIR")
    if configured:
        return Path(configured).resolve()
    checkout = hashlib.sha256(str(Path.cwd().resolve()).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"mercato-{os.geteuid()}-{checkout}"


def default_cache_dir() -> Path:
    """Where downloaded jars are cached across checkouts (`MERCATO_CACHE_DIR`)."""
    configured = os.environ.get("MERCATO_CACHE_DIR")
    if configured:
        return Path(configured).resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mercato"


class LocalInfra:
    """`mercato infra`: install, start, inspect and stop the local broker and database.

    Starting is idempotent: when both already run, `up` returns their endpoints.
    """

    def __init__(self, state_dir: Path | None = None, cache_dir: Path | None = None) -> None:
        self.state_dir = state_dir or default_state_dir()
        self.cache_dir = cache_dir or default_cache_dir()
        self.kafka = LocalKafka(self.state_dir / "kafka", self.cache_dir)
        """The one broker of `up()` (a cluster's nodes are `cluster(size).nodes`)."""
        self.postgres = LocalPostgres(self.state_dir / "postgres")

    @property
    def _state_file(self) -> Path:
        return self.state_dir / "state.json"

    def install(self) -> None:
        """Fetch the broker and install the database server, Prometheus and Chromium (the
        console's browser tests) where missing."""
        self.kafka.install()
        self.postgres.install()
        install_prometheus()
        install_chromium()

    def cluster(self, size: int) -> LocalKafkaCluster:
        """The `size`-broker cluster of `up(brokers=size)` (its own directory: a cluster's
        storage is formatted for its quorum, never the one broker's)."""
        return LocalKafkaCluster(self.state_dir / f"kafka-cluster-{size}", self.cache_dir, size)

    def _load(self) -> tuple[list[KafkaProcess], PostgresProcess | None]:
        try:
            raw = json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return [], None
        recorded = raw.get("kafka") or []
        if isinstance(recorded, dict):  # a state file written before clusters
            recorded = [recorded]
        kafka = [KafkaProcess(**broker) for broker in recorded]
        postgres = PostgresProcess(**raw["postgres"]) if raw.get("postgres") else None
        return kafka, postgres

    def _save(self, kafka: list[KafkaProcess], postgres: PostgresProcess | None) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o755)
        state = {
            "kafka": [asdict(broker) for broker in kafka],
            "postgres": asdict(postgres) if postgres else None,
        }
        tmp = self._state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self._state_file)

    def _kafka_alive(self, kafka: list[KafkaProcess]) -> bool:
        return bool(kafka) and all(self.kafka.alive(broker) for broker in kafka)

    def status(self) -> Endpoints | None:
        """The endpoints when every broker and the database are running (or the brokers alone,
        when they were started without one), else None."""
        kafka, postgres = self._load()
        if not self._kafka_alive(kafka):
            return None
        if postgres is None:
            return Endpoints(_bootstrap(kafka), None)
        if self.postgres.alive(postgres):
            return Endpoints(_bootstrap(kafka), postgres.url())
        return None

    def up(self, *, kafka_only: bool = False, brokers: int = 1) -> Endpoints:
        """Start whatever is not running yet and return the endpoints; with `kafka_only`, the
        broker alone (a database already running is left as it is, and not reported); with
        `brokers` > 1, a KRaft cluster of that many brokers (replication min(3, brokers)); a
        cluster's stopped brokers are started again on their addresses.

        Raises InfraError when Kafka already runs here with another number of brokers."""
        if brokers < 1:
            raise InfraError(f"--brokers must be at least 1 (got {brokers})")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o755)
        kafka, postgres = self._load()
        running = [broker for broker in kafka if self.kafka.alive(broker)]
        if running and len(kafka) != brokers:
            raise InfraError(
                f"Kafka runs here with {len(kafka)} broker(s), not {brokers}: "
                "`mercato infra down` first"
            )
        if running and brokers > 1 and len(running) < brokers:
            # Part of the cluster stopped: the rest keeps the quorum and the data.
            kafka = self.cluster(brokers).restart_stopped(kafka)
            self._save(kafka, postgres)
        if not self._kafka_alive(kafka):
            for broker in kafka:
                self.kafka.stop(broker)
            kafka = [self.kafka.start()] if brokers == 1 else self.cluster(brokers).start()
            self._save(kafka, postgres)
        if kafka_only:
            return Endpoints(_bootstrap(kafka), None)
        if postgres is None or not self.postgres.alive(postgres):
            if postgres is not None:
                self.postgres.stop(postgres)
            try:
                postgres = self.postgres.start()
            except InfraError:
                self._save(kafka, None)
                raise
            self._save(kafka, postgres)
        return Endpoints(_bootstrap(kafka), postgres.url())

    def down(self, purge: bool = False) -> None:
        """Stop every broker and the database, wait until their ports are free, optionally
        delete their data."""
        kafka, postgres = self._load()
        # A cluster's brokers stop together: stopped one by one, the last ones wait for a
        # controller quorum that is gone.
        with ThreadPoolExecutor(max(1, len(kafka))) as pool:
            list(pool.map(self.kafka.stop, kafka))
        for broker in kafka:
            wait_port_closed(broker.port)
            wait_port_closed(broker.controller_port)
        if postgres is not None:
            self.postgres.stop(postgres)
            wait_port_closed(postgres.port)
        self._save([], None)
        if purge:
            self.kafka.purge()
            for cluster in self.state_dir.glob("kafka-cluster-*"):
                shutil.rmtree(cluster, ignore_errors=True)
            self.postgres.purge()

    def brokers(self) -> list[KafkaProcess]:
        """The brokers recorded (running or not), in node order."""
        return self._load()[0]

    def pids(self) -> list[int]:
        """The pids recorded for the brokers, then the database (running or not)."""
        kafka, postgres = self._load()
        return [broker.pid for broker in kafka] + ([postgres.pid] if postgres else [])

    def ports(self) -> list[int]:
        """The ports recorded for the brokers (client, controller), then the database."""
        kafka, postgres = self._load()
        ports = [port for broker in kafka for port in (broker.port, broker.controller_port)]
        if postgres:
            ports.append(postgres.port)
        return ports


def _bootstrap(kafka: list[KafkaProcess]) -> str:
    return ",".join(broker.bootstrap_servers for broker in kafka)
