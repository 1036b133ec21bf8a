"""The identity service as a real process for tests: started with `mercato serve identity`,
configured only by environment variables, with a client for its five gRPC services and readers
for its events, its log and its database."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaConsumer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato.identity.v1 import (
    accounts_pb2,
    accounts_pb2_grpc,
    apps_pb2,
    apps_pb2_grpc,
    grants_pb2_grpc,
    keys_pb2_grpc,
    partner_sign_in_pb2_grpc,
    tokens_pb2,
)
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.storage import sync_url
from mercato_localinfra._process import free_port

HEALTH_SERVICE = "mercato.identity.v1.AccountService"
PASSWORD = "correct horse battery staple"
TIMEOUT = 30


@dataclass
class IdentityProcess:
    """One running `mercato serve identity`, a channel to it, and its stubs."""

    process: subprocess.Popen[bytes]
    address: str
    database_url: str
    log: Path
    channel: grpc.Channel = field(init=False)
    secrets_seen: list[str] = field(default_factory=list)
    """Every password, secret, token and code the tests sent or got: none may reach a log."""

    def __post_init__(self) -> None:
        self.channel = grpc.insecure_channel(self.address)
        self.accounts = accounts_pb2_grpc.AccountServiceStub(self.channel)
        self.keys = keys_pb2_grpc.SigningKeyServiceStub(self.channel)
        self.apps = apps_pb2_grpc.AppServiceStub(self.channel)
        self.grants = grants_pb2_grpc.GrantServiceStub(self.channel)
        self.sign_in = partner_sign_in_pb2_grpc.PartnerSignInServiceStub(self.channel)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_serving(self, timeout: float = 90) -> None:
        health = health_pb2_grpc.HealthStub(self.channel)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.logs()[-4000:]
            try:
                answer = health.Check(
                    health_pb2.HealthCheckRequest(service=HEALTH_SERVICE), timeout=1
                )
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
        raise AssertionError("identity never answered SERVING:\n" + self.logs()[-4000:])

    def stop(self) -> int:
        """SIGTERM, then the exit status (killed after a bounded wait)."""
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=30)

    def remember(self, *values: str) -> None:
        self.secrets_seen.extend(value for value in values if value)

    def register(
        self, role: int = accounts_pb2.ROLE_BUYER, *, email: str | None = None
    ) -> accounts_pb2.Account:
        answer = self.accounts.RegisterAccount(
            accounts_pb2.RegisterAccountRequest(
                idempotency_key=new_key(),
                email=email or new_email(),
                password=PASSWORD,
                role=role,
            ),
            timeout=TIMEOUT,
        )
        return answer.account

    def signed_in(
        self, role: int = accounts_pb2.ROLE_BUYER, *, password: str = PASSWORD
    ) -> SignedIn:
        """A new account of `role`, signed in."""
        account = self.register(role)
        return self.sign_in_as(account.email, password)

    def sign_in_as(self, email: str, password: str = PASSWORD) -> SignedIn:
        answer = self.accounts.SignIn(
            accounts_pb2.SignInRequest(email=email, password=password), timeout=TIMEOUT
        )
        self.remember(answer.tokens.access_token.token, answer.tokens.refresh_token)
        return SignedIn(answer.account, answer.tokens.access_token.token, answer.tokens)

    def new_app(
        self,
        owner: SignedIn,
        kind: int = apps_pb2.APP_KIND_VENDOR_APP,
        *,
        scopes: tuple[str, ...] = (),
        redirect_uris: tuple[str, ...] = (),
    ) -> tuple[apps_pb2.App, str]:
        """A registered app and its secret."""
        answer = self.apps.RegisterApp(
            apps_pb2.RegisterAppRequest(
                idempotency_key=new_key(),
                kind=kind,
                name="Test App",
                scopes=scopes,
                redirect_uris=redirect_uris,
            ),
            metadata=owner.metadata,
            timeout=TIMEOUT,
        )
        self.remember(answer.app_secret)
        return answer.app, answer.app_secret

    def app_token(
        self, app_id: str, secret: str, *, grant_id: str | None = None, scopes: tuple[str, ...] = ()
    ) -> apps_pb2.IssueAppTokenResponse:
        request = apps_pb2.IssueAppTokenRequest(app_id=app_id, app_secret=secret, scopes=scopes)
        if grant_id is not None:
            request.grant_id = grant_id
        answer = self.apps.IssueAppToken(request, timeout=TIMEOUT)
        self.remember(answer.access_token.token)
        return answer

    def count(self, table: str, where: str = "1 = 1", **parameters: object) -> int:
        """Rows of one of identity's tables (read straight from its database)."""
        engine = create_engine(sync_url(self.database_url))
        try:
            with engine.connect() as connection:
                statement = text(f"SELECT count(*) FROM {table} WHERE {where}")
                return int(connection.scalar(statement, parameters) or 0)
        finally:
            engine.dispose()


@dataclass(frozen=True)
class SignedIn:
    account: accounts_pb2.Account
    token: str
    tokens: tokens_pb2.SessionTokens

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return bearer(self.token)


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def new_key() -> str:
    return f"k-{uuid.uuid4()}"


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@shop.example"


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def identity_env(address: str, database_url: str, kafka: str, **settings: str) -> dict[str, str]:
    env = dict(
        os.environ,
        IDENTITY_GRPC_ADDR=address,
        IDENTITY_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        # A cheaper scrypt for tests (the default is OWASP's 2**17); still memory-hard.
        IDENTITY_PASSWORD_HASH_LOG2_N="14",
        **{f"IDENTITY_{name.upper()}": value for name, value in settings.items()},
    )
    env.pop("DATABASE_URL", None)
    env.pop("AUTH_TRUSTED_KEYS", None)
    return env


def start_identity(
    database_url: str, kafka_bootstrap_servers: str, workdir: Path, **settings: str
) -> IdentityProcess:
    """Start an identity process; `settings` are more IDENTITY_* variables (without prefix)."""
    address = f"127.0.0.1:{free_port()}"
    env = identity_env(address, database_url, kafka_bootstrap_servers, **settings)
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"identity-{address.rsplit(':', 1)[1]}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mercato_cli", "serve", "identity"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    running = IdentityProcess(process, address, database_url, log)
    try:
        running.wait_serving()
    except BaseException:
        running.stop()
        raise
    return running


def create_operator(identity: IdentityProcess, kafka: str, workdir: Path) -> SignedIn:
    """An operator made with identity's command line (the only way to make the first one)."""
    email = new_email()
    env = identity_env(identity.address, identity.database_url, kafka)
    env["IDENTITY_OPERATOR_PASSWORD"] = PASSWORD
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mercato_identity.entrypoints.admin",
            "create-operator",
            "--email",
            email,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=workdir,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return identity.sign_in_as(email)


@contextmanager
def identity_database(backend: str, postgres_url: str, folder: Path) -> Iterator[str]:
    """A new empty database for a module's service: an SQLite file, or a PostgreSQL database
    on the session's server (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'identity-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"test_identity_{uuid.uuid4().hex[:12]}"
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


def identity_events(
    bootstrap: str, aggregate_kind: str, aggregate_ids: set[str], count: int, timeout: float = 60
) -> list[EventEnvelope]:
    """The events of these aggregates on their topic, read from the start (the broker is
    shared, so records are filtered by key), until `count` are found or `timeout` passes."""
    keys = {aggregate_id.encode() for aggregate_id in aggregate_ids}
    consumer = KafkaConsumer(
        topic_for(aggregate_kind),
        bootstrap_servers=bootstrap,
        group_id=f"test-identity-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    found: list[EventEnvelope] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                found.extend(
                    EventEnvelope.from_bytes(record.value)
                    for record in records
                    if record.key in keys
                )
    finally:
        consumer.close()
    return found
