"""The local broker and database together, with their state kept in one directory."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from mercato_localinfra._chromium import install_chromium
from mercato_localinfra._errors import InfraError
from mercato_localinfra._kafka import KafkaProcess, LocalKafka
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

    def _load(self) -> tuple[KafkaProcess | None, PostgresProcess | None]:
        try:
            raw = json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return None, None
        kafka = KafkaProcess(**raw["kafka"]) if raw.get("kafka") else None
        postgres = PostgresProcess(**raw["postgres"]) if raw.get("postgres") else None
        return kafka, postgres

    def _save(self, kafka: KafkaProcess | None, postgres: PostgresProcess | None) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o755)
        state = {
            "kafka": asdict(kafka) if kafka else None,
            "postgres": asdict(postgres) if postgres else None,
        }
        tmp = self._state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self._state_file)

    def status(self) -> Endpoints | None:
        """The endpoints when the broker and the database are running (or the broker alone, when
        it was started without one), else None."""
        kafka, postgres = self._load()
        if kafka is None or not self.kafka.alive(kafka):
            return None
        if postgres is None:
            return Endpoints(kafka.bootstrap_servers, None)
        if self.postgres.alive(postgres):
            return Endpoints(kafka.bootstrap_servers, postgres.url())
        return None

    def up(self, *, kafka_only: bool = False) -> Endpoints:
        """Start whatever is not running yet and return the endpoints; with `kafka_only`, the
        broker alone (a database already running is left as it is, and not reported)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o755)
        kafka, postgres = self._load()
        if kafka is None or not self.kafka.alive(kafka):
            if kafka is not None:
                self.kafka.stop(kafka)
            kafka = self.kafka.start()
            self._save(kafka, postgres)
        if kafka_only:
            return Endpoints(kafka.bootstrap_servers, None)
        if postgres is None or not self.postgres.alive(postgres):
            if postgres is not None:
                self.postgres.stop(postgres)
            try:
                postgres = self.postgres.start()
            except InfraError:
                self._save(kafka, None)
                raise
            self._save(kafka, postgres)
        return Endpoints(kafka.bootstrap_servers, postgres.url())

    def down(self, purge: bool = False) -> None:
        """Stop both, wait until their ports are free, optionally delete their data."""
        kafka, postgres = self._load()
        if kafka is not None:
            self.kafka.stop(kafka)
            wait_port_closed(kafka.port)
            wait_port_closed(kafka.controller_port)
        if postgres is not None:
            self.postgres.stop(postgres)
            wait_port_closed(postgres.port)
        self._save(None, None)
        if purge:
            self.kafka.purge()
            self.postgres.purge()

    def pids(self) -> list[int]:
        """The pids recorded for the broker and database (running or not)."""
        kafka, postgres = self._load()
        return [p.pid for p in (kafka, postgres) if p is not None]

    def ports(self) -> list[int]:
        """The ports recorded for the broker and database."""
        kafka, postgres = self._load()
        ports: list[int] = []
        if kafka:
            ports += [kafka.port, kafka.controller_port]
        if postgres:
            ports.append(postgres.port)
        return ports
