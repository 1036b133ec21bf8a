"""The service runtime: what every Mercato service process does around its own code.

A service's composition root builds its settings and calls `run_service` with a `wire`
function that registers its gRPC servicers and consumers on the `ServiceContext`:

    async def main() -> None:
        settings = load_settings(ExampleSettings)
        await run_service("example", settings, wire=bootstrap, migrations=MIGRATIONS)

`run_service` then, in order: configures logging; creates the service's database when missing
and migrates it (the kit's chain, then the service's); provisions the topics the service
produces and consumes (and their dead-letter topics, and identity's revocation topics);
starts the outbox relay, the consumers, the revocation follower (identity's AccessRevoked and
SignedOut events into `ServiceContext.revocations`, which every token check consults) and the
gRPC server (health, reflection, interceptors); and on SIGTERM or SIGINT stops accepting
calls, drains in-flight calls, stops the consumers, flushes the relay, and closes everything,
within `shutdown_bound` (twice the grace and five seconds) or it exits anyway, status 1.
A relay, consumer or follower that dies unexpectedly stops the whole process (exit 1), so an
orchestrator restarts it rather than leaving a service that answers but no longer publishes
(or no longer hears of revocations).

A service that calls other services gets, from its `wire` function, a channel per address
(`ServiceContext.channel`, carrying the correlation id and trace; closed last at shutdown) and
its own token (`ServiceContext.service_credentials`, from `<SERVICE>_APP_ID` and
`<SERVICE>_APP_SECRET`: an identity app of kind "service"). Ask for both in `wire`, so a
missing setting stops start-up naming it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import logging
import os
import ssl
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, Protocol, Self, TypeVar

import grpc
from aiohttp import web
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato_kit.auth import (
    REVOCATION_TOPICS,
    AuthInterceptor,
    AuthPolicies,
    InMemoryRevocations,
    KeyProvider,
    RemoteKeyProvider,
    ServiceCredentials,
    StaticKeyProvider,
    TokenVerifier,
    follow_revocations,
    identity_key_fetcher,
    public_key_from_bytes,
)
from mercato_kit.consumer import Handler, IdempotentConsumer
from mercato_kit.events import AGGREGATE_TYPES, TopicSpec, dlq_topic, topic_for
from mercato_kit.grpc import (
    GrpcServer,
    channel_credentials,
    create_server,
    open_channel,
    serve,
    server_credentials,
    ssl_server_context,
)
from mercato_kit.http import HttpServer
from mercato_kit.idempotency import forget_old_keys
from mercato_kit.logging import configure_logging, get_logger
from mercato_kit.messaging import KafkaPublisher, OutboxRelay, ensure_topics
from mercato_kit.metrics import Metrics, install_metrics, metrics_application
from mercato_kit.settings import SettingsError, env_name, load_settings
from mercato_kit.storage import Database, migrate, sync_url
from mercato_kit.store import SqlUnitOfWork
from mercato_kit.tasks import Job, PeriodicTask
from mercato_kit.tracing import configure_tracing, shutdown_tracing

__all__ = [
    "ServiceContext",
    "ServiceExit",
    "ServiceSettings",
    "database_url_for",
    "ensure_database",
    "run_service",
    "run_service_main",
    "trusted_keys_setting",
]

_log = get_logger(__name__)

S = TypeVar("S", bound="ServiceSettings")
U = TypeVar("U", bound=SqlUnitOfWork)


class ServiceSettings(BaseSettings):
    """Settings every service has; subclass with `env_prefix="<SERVICE>_"` and a grpc_addr default.

    - `<SERVICE>_GRPC_ADDR`: where the gRPC server listens.
    - `<SERVICE>_DATABASE_URL`: the service's own database. Without it, `DATABASE_URL` (a
      PostgreSQL URL) gives the server, and the service uses database `<name>_<service>` on it;
      without either, an SQLite file `<MERCATO_DATA_DIR>/<service>.db` (default `.mercato/data`).
    - `KAFKA_BOOTSTRAP_SERVERS` (required), `KAFKA_TOPIC_PARTITIONS` (default 3),
      `KAFKA_REPLICATION_FACTOR` (default: the cluster's size, at most 3) for the topics the
      service creates (min.insync.replicas 2 from 3 replicas up: `ensure_topics`).
    - `IDENTITY_GRPC_ADDR` (default 127.0.0.1:50051): where token-signing keys are fetched;
      `AUTH_TRUSTED_KEYS` (`<kid>=<base64url raw Ed25519 public key>,...`) pins the keys instead
      (a service tested or run without identity).
    - `LOG_LEVEL` (default INFO), `<SERVICE>_SHUTDOWN_GRACE` seconds for in-flight calls.
    - `MERCATO_MIGRATE_ONLY` (default false): create and migrate the service's database, then
      exit 0 without serving (the migration Job a release runs first: deploy/k8s).
    - `<SERVICE>_APP_ID`, `<SERVICE>_APP_SECRET`: the service's own identity app (kind
      "service"), needed only by a service that calls others (`service_credentials()`).
    - `<SERVICE>_CONSUMER_GROUP_PREFIX` (default: the service's name): the first part of its
      consumer groups' names (`<prefix>.<reaction>`). Every instance of one deployment shares
      it (they share one database, so partitions are split between them); two deployments on
      one Kafka cluster (a staging copy, a test, the demo) must each have their own, or each
      would see only part of the events.
    - `<SERVICE>_TLS_CERT`, `<SERVICE>_TLS_KEY` (PEM files): serve gRPC (and an HTTP face) over
      TLS; `<SERVICE>_TLS_CLIENT_CA`: require callers' certificates signed by it (mutual TLS).
      `MERCATO_TLS_CA`: call other services over TLS, verifying them against this bundle and
      presenting the service's own certificate when it has one. Plaintext without them (the
      default on loopback, for the demo and the tests).
    - `<SERVICE>_METRICS_ADDR` ("host:port"): serve the kit's metrics and the service's own
      there for Prometheus (`GET /metrics`, plain HTTP); unset (the default), nothing is
      recorded or served (`mercato_kit.metrics`).
    - `<SERVICE>_IDEMPOTENCY_KEY_RETENTION` (seconds, default 7 days; 0 keeps them forever): how
      long a command's idempotency key and first answer are kept. A repeat after that runs the
      command again, so it must outlast every caller's retries. The older keys are deleted
      every `<SERVICE>_IDEMPOTENCY_KEY_CLEANUP_INTERVAL` (300 s), 1,000 per transaction.
    """

    grpc_addr: str
    database_url: str | None = None
    shared_database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    data_dir: Path = Field(Path(".mercato/data"), validation_alias="MERCATO_DATA_DIR")
    kafka_bootstrap_servers: str = Field(validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    kafka_topic_partitions: int = Field(3, ge=1, le=1000, validation_alias="KAFKA_TOPIC_PARTITIONS")
    kafka_replication_factor: int | None = Field(
        None, ge=1, le=10, validation_alias="KAFKA_REPLICATION_FACTOR"
    )
    migrate_only: bool = Field(False, validation_alias="MERCATO_MIGRATE_ONLY")
    identity_grpc_addr: str = Field("127.0.0.1:50051", validation_alias="IDENTITY_GRPC_ADDR")
    auth_trusted_keys: str | None = Field(None, validation_alias="AUTH_TRUSTED_KEYS")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    shutdown_grace: float = Field(10.0, gt=0)
    app_id: str | None = None
    app_secret: SecretStr | None = None
    consumer_group_prefix: str | None = Field(None, pattern=r"^[A-Za-z0-9._-]{1,100}$")
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    tls_ca: Path | None = Field(None, validation_alias="MERCATO_TLS_CA")
    metrics_addr: str | None = Field(None, pattern=r"^[^\s:]*:[0-9]{1,5}$")
    idempotency_key_retention: int = Field(7 * 24 * 3600, ge=0)
    idempotency_key_cleanup_interval: float = Field(300.0, gt=0)

    @model_validator(mode="after")
    def _tls_files_go_together(self) -> Self:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("TLS needs both a certificate and its key (<SERVICE>_TLS_CERT/_KEY)")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("<SERVICE>_TLS_CLIENT_CA (mutual TLS) needs <SERVICE>_TLS_CERT/_KEY")
        for path in (self.tls_cert, self.tls_key, self.tls_client_ca, self.tls_ca):
            if path is not None and not path.is_file():
                raise ValueError(f"{path} is not a readable file")
        return self

    def server_tls(self) -> grpc.ServerCredentials | None:
        """The gRPC server's TLS (mutual TLS with a client CA), or None for plaintext."""
        if self.tls_cert is None or self.tls_key is None:
            return None
        return server_credentials(self.tls_cert, self.tls_key, self.tls_client_ca)

    def http_tls(self) -> ssl.SSLContext | None:
        """The same for an HTTP face."""
        if self.tls_cert is None or self.tls_key is None:
            return None
        return ssl_server_context(self.tls_cert, self.tls_key, self.tls_client_ca)

    def channel_tls(self) -> grpc.ChannelCredentials | None:
        """How this service calls others: TLS verified against MERCATO_TLS_CA (presenting its
        own certificate, for mutual TLS), or None for plaintext."""
        if self.tls_ca is None:
            return None
        return channel_credentials(self.tls_ca, self.tls_cert, self.tls_key)


def database_url_for(service: str, settings: ServiceSettings) -> str:
    """The service's own database URL (see ServiceSettings)."""
    if settings.database_url:
        return settings.database_url
    if settings.shared_database_url:
        shared = make_url(settings.shared_database_url)
        if shared.get_backend_name() == "sqlite":
            folder = Path(shared.database or ".").parent
            return f"sqlite:///{folder / f'{service}.db'}"
        return shared.set(database=f"{shared.database or 'mercato'}_{service}").render_as_string(
            hide_password=False
        )
    return f"sqlite:///{settings.data_dir / f'{service}.db'}"


def ensure_database(url: str) -> None:
    """Create the database when missing: the SQLite file's folder, or the PostgreSQL database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    name = parsed.database
    if not name:
        raise ValueError("a PostgreSQL database URL must name the database")
    admin = create_engine(
        sync_url(parsed.set(database="postgres").render_as_string(hide_password=False)),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                quoted = connection.dialect.identifier_preparer.quote(name)
                with contextlib.suppress(Exception):  # lost a race with another instance
                    connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


class Worker(Protocol):
    """Long-lived background work the runtime starts and stops (an HTTP face, a follower)."""

    name: str

    async def run(self) -> None:
        """Work until `stop()` is called; an exception stops the service."""
        ...

    async def stop(self) -> None:
        """Ask `run` to end (returns at once)."""
        ...


class ServiceExit(SystemExit):
    """A background task of the service failed; the process exits non-zero."""


@dataclass
class ServiceContext(Generic[S]):
    """What a service's `wire` function gets: its settings (of the service's own settings type,
    `ServiceContext[CatalogSettings]`), database, server, relay and auth."""

    name: str
    settings: S
    database: Database
    server: GrpcServer
    relay: OutboxRelay
    policies: AuthPolicies
    revocations: InMemoryRevocations
    verifier: TokenVerifier
    metrics: Metrics
    """The process's metrics: register the service's own values here (`gauge`, `total`); they
    are sampled and served only when `<SERVICE>_METRICS_ADDR` is set."""
    consumers: list[IdempotentConsumer] = field(default_factory=list)
    tasks: list[PeriodicTask] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    stop_hooks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    _credentials: ServiceCredentials | None = field(default=None, init=False, repr=False)

    def add_servicer(
        self, add_to_server: Callable[[Any, Any], None], servicer: object, service: Any
    ) -> None:
        """Serve `servicer` (a generated `add_*_to_server` function and its ServiceDescriptor),
        enforcing the policies its methods declare (`@requires`, `@public`)."""
        self.policies.register(servicer, service)
        add_to_server(servicer, self.server)

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work; a commit that wrote outbox rows wakes the relay so events leave
        at once."""
        return SqlUnitOfWork(self.database, after_commit=self.relay.notify)

    def units_of_work(self, kind: type[U]) -> Callable[..., U]:
        """A factory of the service's own unit of work (a SqlUnitOfWork subclass whose
        repositories hang off it) on this database; a commit that wrote outbox rows wakes the
        relay. Call it with `read_only=True` for queries."""
        return functools.partial(kind, self.database, after_commit=self.relay.notify)

    def add_task(self, name: str, job: Job, *, interval: float) -> PeriodicTask:
        """Run `job` every `interval` seconds as `<service>.<name>` (mercato_kit.tasks); it starts
        with the consumers and stops with them, before the relay's final flush."""
        task = PeriodicTask(f"{self.name}.{name}", job, interval=interval)
        self.tasks.append(task)
        return task

    def add_worker(self, worker: Worker) -> Worker:
        """Run a long-lived `worker` (its `run()` until its `stop()`) beside the consumers: it
        starts and stops with them, and its failure stops the service like theirs."""
        self.workers.append(worker)
        return worker

    def on_stop(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` at shutdown once the consumers, tasks and workers have stopped (close a
        client session the service opened), before the channels close."""
        self.stop_hooks.append(hook)

    def add_http(self, name: str, application: web.Application, address: str) -> HttpServer:
        """Serve an aiohttp application on `address` as a worker, over TLS when the service
        has a certificate (`<SERVICE>_TLS_CERT` / `_KEY`)."""
        server = HttpServer(
            f"{self.name}.{name}", application, address, ssl_context=self.settings.http_tls()
        )
        self.add_worker(server)
        return server

    def channel(self, address: str) -> grpc.aio.Channel:
        """The channel to `address` ("host:port"), opened on first use (`open_channel`: calls
        carry the correlation id and trace) and shared; the runtime closes it at shutdown,
        after the consumers and tasks that use it have stopped."""
        if address not in self.channels:
            self.channels[address] = open_channel(address, credentials=self.settings.channel_tls())
        return self.channels[address]

    def service_credentials(self) -> ServiceCredentials:
        """The service's own token for calling others (`metadata=await creds.metadata()`),
        from identity at `IDENTITY_GRPC_ADDR` with `<SERVICE>_APP_ID` / `<SERVICE>_APP_SECRET`.
        Built once; SettingsError naming the variables when they are not set."""
        if self._credentials is None:
            settings = self.settings
            app_id = settings.app_id or ""
            secret = settings.app_secret.get_secret_value() if settings.app_secret else ""
            if not app_id or not secret:
                unset = [
                    f"{env_name(type(settings), name)} is not set"
                    for name, value in (("app_id", app_id), ("app_secret", secret))
                    if not value
                ]
                raise SettingsError(
                    f"bad configuration: {'; '.join(unset)} ({self.name} calls other services "
                    "as its own identity app)"
                )
            self._credentials = ServiceCredentials(
                self.channel(settings.identity_grpc_addr), app_id, SecretStr(secret)
            )
        return self._credentials

    def _recording(self) -> Metrics | None:
        return self.metrics if self.settings.metrics_addr else None

    async def close_channels(self) -> None:
        """Close every channel `channel()` opened (the runtime's last shutdown step)."""
        channels, self.channels = list(self.channels.values()), {}
        await asyncio.gather(*(channel.close() for channel in channels))

    def add_consumer(
        self, reaction: str, topics: Sequence[str], handler: Handler, **options: Any
    ) -> IdempotentConsumer:
        """Consume `topics` with `handler`, as group `<prefix>.<reaction>` (the prefix is
        `<SERVICE>_CONSUMER_GROUP_PREFIX`, by default the service's name); a commit whose
        effects wrote outbox rows wakes the relay, so events the handler appended leave at
        once."""
        prefix = self.settings.consumer_group_prefix or self.name
        consumer = IdempotentConsumer(
            self.database,
            self.settings.kafka_bootstrap_servers,
            name=f"{prefix}.{reaction}",
            topics=list(topics),
            handler=handler,
            **{
                "after_outbox_commit": self.relay.notify,
                "metrics": self._recording(),
                **options,
            },
        )
        self.consumers.append(consumer)
        return consumer


def _key_provider(settings: ServiceSettings) -> KeyProvider:
    if not settings.auth_trusted_keys:
        fetcher = identity_key_fetcher(
            settings.identity_grpc_addr, credentials=settings.channel_tls()
        )
        return RemoteKeyProvider(fetcher)
    keys = StaticKeyProvider()
    for entry in settings.auth_trusted_keys.split(","):
        kid, _, encoded = entry.strip().partition("=")
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            keys.add(kid, public_key_from_bytes(raw))
        except ValueError as exc:
            raise SettingsError(f"AUTH_TRUSTED_KEYS is malformed near {kid!r}") from exc
    return keys


def trusted_keys_setting(keys: Sequence[tuple[str, bytes]]) -> str:
    """The AUTH_TRUSTED_KEYS value for (kid, raw public key) pairs."""
    return ",".join(
        f"{kid}={base64.urlsafe_b64encode(raw).decode().rstrip('=')}" for kid, raw in keys
    )


def _topics_to_provision(
    service: str, consumed: Sequence[str], partitions: int, replication_factor: int | None = None
) -> list[TopicSpec]:
    own = [topic_for(kind) for kind in AGGREGATE_TYPES if kind.startswith(f"{service}.")]
    names = sorted({*own, *consumed, *REVOCATION_TOPICS} | {dlq_topic(topic) for topic in consumed})
    return [TopicSpec(name, partitions, replication_factor) for name in names]


async def run_service(
    name: str,
    settings: S,
    *,
    wire: Callable[[ServiceContext[S]], Awaitable[None] | None],
    migrations: Path | None = None,
    key_provider: KeyProvider | None = None,
) -> None:
    """Run one service until SIGTERM/SIGINT (see the module docstring for what happens).

    `migrations` is the folder of the service's own Alembic revision files; `key_provider`
    replaces fetching token-signing keys from identity (identity itself passes its own keys).
    """
    configure_logging(name, settings.log_level)
    if configure_tracing(name):
        _log.info("exporting traces by OTLP")
    url = database_url_for(name, settings)
    await asyncio.to_thread(ensure_database, url)
    await asyncio.to_thread(migrate, url)
    if migrations is not None:
        await asyncio.to_thread(
            migrate, url, versions=migrations, version_table=f"{name}_alembic_version"
        )
    if settings.migrate_only:
        _log.info("migrated; MERCATO_MIGRATE_ONLY is set: not serving")
        return
    database = Database(url)
    metrics = Metrics(name)
    recording = metrics if settings.metrics_addr else None
    install_metrics(recording)
    publisher = KafkaPublisher.for_cluster(
        settings.kafka_bootstrap_servers, client_id=f"{name}-relay"
    )
    await publisher.start()
    relay = OutboxRelay(database, publisher, name=name, metrics=recording)
    policies, revocations = AuthPolicies(), InMemoryRevocations()
    keys = key_provider or _key_provider(settings)
    verifier = TokenVerifier(keys, revocations=revocations)
    server = create_server(
        settings.grpc_addr,
        grace=settings.shutdown_grace,
        interceptors=[AuthInterceptor(verifier, policies)],
        credentials=settings.server_tls(),
        metrics=recording,
    )
    context = ServiceContext(
        name, settings, database, server, relay, policies, revocations, verifier, metrics
    )
    wired = wire(context)
    if wired is not None:
        await wired
    if settings.idempotency_key_retention:
        context.add_task(
            "idempotency-keys",
            forget_old_keys(database, timedelta(seconds=settings.idempotency_key_retention)),
            interval=settings.idempotency_key_cleanup_interval,
        )
    if settings.metrics_addr:
        context.add_task("metrics", metrics.sample, interval=metrics.sample_interval)
        # Plain HTTP even when the service has TLS: Prometheus scrapes it on the host's network.
        context.add_worker(
            HttpServer(f"{name}.metrics", metrics_application(metrics), settings.metrics_addr)
        )
    consumed = sorted({topic for consumer in context.consumers for topic in consumer.topics})
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        _topics_to_provision(
            name, consumed, settings.kafka_topic_partitions, settings.kafka_replication_factor
        ),
    )
    failed: list[str] = []

    def watch(task: asyncio.Task[None], what: str) -> None:
        def done(finished: asyncio.Task[None]) -> None:
            if finished.cancelled() or finished.exception() is None:
                return
            _log.error("background task failed", task=what, exc_info=finished.exception())
            failed.append(what)
            server.request_stop(f"{what} failed")

        task.add_done_callback(done)

    relay_task = asyncio.create_task(relay.run_until_stopped(), name=f"{name}-relay")
    watch(relay_task, "outbox relay")
    background: list[Worker] = [*context.consumers, *context.tasks, *context.workers]
    consumer_tasks = []
    for worker in background:
        task = asyncio.create_task(worker.run(), name=worker.name)
        kind = {IdempotentConsumer: "consumer", PeriodicTask: "task"}.get(type(worker), "worker")
        watch(task, f"{kind} {worker.name}")
        consumer_tasks.append(task)
    revocations_task = asyncio.create_task(
        follow_revocations(settings.kafka_bootstrap_servers, revocations),
        name=f"{name}-revocations",
    )
    watch(revocations_task, "revocation follower")

    dependencies_task = asyncio.create_task(
        watch_dependencies(name, server, database, publisher), name=f"{name}-dependencies"
    )

    async def stop_consumers() -> None:
        dependencies_task.cancel()
        revocations_task.cancel()
        await asyncio.gather(*(worker.stop() for worker in background))
        await asyncio.gather(*consumer_tasks, revocations_task, return_exceptions=True)

    async def flush_outbox_relay() -> None:
        try:
            await relay.flush(timeout=settings.shutdown_grace)
        finally:
            await relay.stop()
            await asyncio.gather(relay_task, return_exceptions=True)

    async def close_connections() -> None:
        for hook in context.stop_hooks:
            try:
                await hook()
            except Exception:  # one hook failing must not keep the rest from closing
                _log.exception("stop hook failed", hook=getattr(hook, "__qualname__", repr(hook)))
        await context.close_channels()
        with contextlib.suppress(TimeoutError):  # a broker that is gone: nothing left to send
            await asyncio.wait_for(publisher.close(), timeout=_CLOSE_TIMEOUT)
        await database.dispose()

    async def export_traces() -> None:
        # The spans still buffered, within the close timeout (a collector that is gone).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.to_thread(shutdown_tracing), timeout=_CLOSE_TIMEOUT)

    watchdogs: list[threading.Timer] = []

    async def bound_the_stop() -> None:
        await server.wait_for_stop_request()
        watchdogs.append(_arm_exit_watchdog(name, shutdown_bound(settings)))

    watchdog_task = asyncio.create_task(bound_the_stop(), name=f"{name}-stop-bound")
    _log.info("service starting", database=make_url(url).render_as_string(hide_password=True))
    try:
        await serve(server, stop_consumers, flush_outbox_relay, close_connections, export_traces)
    finally:
        watchdog_task.cancel()
        for watchdog in watchdogs:  # stopped in time: nothing to force
            watchdog.cancel()
    if failed:
        raise ServiceExit(f"{name} stopped because {', '.join(failed)} failed")
    _log.info("service stopped")


_CLOSE_TIMEOUT = 5.0
DEPENDENCY_CHECK_INTERVAL = 2.0
"""Seconds between the runtime's checks that the database and the broker answer."""
_DEPENDENCY_TIMEOUT = 3.0


async def watch_dependencies(
    name: str, server: GrpcServer, database: Database, publisher: KafkaPublisher
) -> None:
    """Health NOT_SERVING while the database or the broker does not answer, SERVING again
    once both do: a load balancer stops sending calls that could only fail, and nothing needs
    restarting (the pool reconnects, the clients re-resolve the brokers)."""
    ready = True
    while True:
        await asyncio.sleep(DEPENDENCY_CHECK_INTERVAL)
        down = []
        for what, check in (("database", database.ping), ("kafka", publisher.ping)):
            try:
                await asyncio.wait_for(check(), timeout=_DEPENDENCY_TIMEOUT)
            except Exception:  # any failure to answer is "unreachable" here
                down.append(what)
        if (not down) != ready:
            ready = not down
            if ready:
                _log.info("dependencies reachable again; health SERVING", service=name)
            else:
                _log.warning("dependency unreachable; health NOT_SERVING", unreachable=down)
            await server.set_ready(ready)


_SHUTDOWN_SLACK = 5.0


def shutdown_bound(settings: ServiceSettings) -> float:
    """The most a stop may take after SIGTERM: the grace for in-flight calls, the same again
    for the relay's final flush, and a few seconds to close connections. Past it the process
    exits anyway (status 1): an orchestrator's SIGTERM must not wait on a broker that is gone."""
    return 2 * settings.shutdown_grace + _SHUTDOWN_SLACK


def _arm_exit_watchdog(name: str, bound: float) -> threading.Timer:
    def expire() -> None:
        _log.error("shutdown exceeded its bound; exiting now", service=name, bound_s=bound)
        logging.shutdown()
        os._exit(1)

    watchdog = threading.Timer(bound, expire)
    watchdog.daemon = True
    watchdog.name = f"{name}-shutdown-watchdog"
    watchdog.start()
    return watchdog


def run_service_main(
    name: str,
    settings_type: type[S],
    *,
    wire: Callable[[ServiceContext[S]], Awaitable[None] | None],
    migrations: Path | None = None,
    key_provider: KeyProvider | None = None,
) -> None:
    """A service's `main()`: read settings (a bad one exits 2 naming it), run until stopped.

    `key_provider`: see `run_service` (identity passes its own keys)."""
    try:
        settings = load_settings(settings_type)
        asyncio.run(
            run_service(name, settings, wire=wire, migrations=migrations, key_provider=key_provider)
        )
    except SettingsError as exc:
        sys.stderr.write(f"{name}: {exc}\n")
        raise SystemExit(2) from None
