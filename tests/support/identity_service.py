"""The identity service as a real process for tests: started with `mercato serve identity`,
configured only by environment variables, with a client for its five gRPC services and readers
for its events, its log and its database."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

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
from tests.support.services import ServiceProcess, envelopes_on, service_database

HEALTH_SERVICE = "mercato.identity.v1.AccountService"
KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()
"""The KEK of every identity these tests start (each on a database of its own)."""
PASSWORD = "correct horse battery staple"
TIMEOUT = 30


class IdentityProcess(ServiceProcess):
    """One running `mercato serve identity`, a channel to it, and its stubs."""

    database_url: str = ""
    """The database it was started with (the operator command line uses the same)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secrets_seen: list[str] = []
        """Every password, secret, token and code the tests sent or got: none may reach a log."""
        self.accounts = accounts_pb2_grpc.AccountServiceStub(self.channel)
        self.keys = keys_pb2_grpc.SigningKeyServiceStub(self.channel)
        self.apps = apps_pb2_grpc.AppServiceStub(self.channel)
        self.grants = grants_pb2_grpc.GrantServiceStub(self.channel)
        self.sign_in = partner_sign_in_pb2_grpc.PartnerSignInServiceStub(self.channel)

    def remember(self, *values: str) -> None:
        self.secrets_seen.extend(value for value in values if value)

    def register(
        self, role: int = accounts_pb2.ROLE_BUYER, *, email: str | None = None
    ) -> accounts_pb2.Account:
        """A new account, learnt as a caller learns it: registering answers the same for a new
        address and a taken one, so signing in tells the account."""
        answer = self.accounts.RegisterAccount(
            accounts_pb2.RegisterAccountRequest(
                idempotency_key=new_key(),
                email=email or new_email(),
                password=PASSWORD,
                role=role,
            ),
            timeout=TIMEOUT,
        )
        return self.sign_in_as(answer.email).account

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
        IDENTITY_KEY_ENCRYPTION_KEY=KEY_ENCRYPTION_KEY,
    )
    env.pop("IDENTITY_KEY_ENCRYPTION_KEY_FILE", None)
    env.update({f"IDENTITY_{name.upper()}": value for name, value in settings.items()})
    env.pop("DATABASE_URL", None)
    env.pop("AUTH_TRUSTED_KEYS", None)
    return env


def start_identity(
    database_url: str, kafka_bootstrap_servers: str, workdir: Path, **settings: str
) -> IdentityProcess:
    """Start an identity process; `settings` are more IDENTITY_* variables (without prefix)."""
    variables = identity_env("", database_url, kafka_bootstrap_servers, **settings)
    variables.pop("IDENTITY_GRPC_ADDR")
    variables.pop("AUTH_TRUSTED_KEYS", None)
    running = IdentityProcess.start("identity", variables, workdir, health_service=HEALTH_SERVICE)
    assert isinstance(running, IdentityProcess)
    running.database_url = database_url
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
    """A new empty database for a module's identity (see tests.support.services)."""
    with service_database(backend, postgres_url, folder, "identity") as url:
        yield url


def identity_events(
    bootstrap: str, aggregate_kind: str, aggregate_ids: set[str], count: int, timeout: float = 60
) -> list[EventEnvelope]:
    """The events of these aggregates on their topic, read from the start."""
    return envelopes_on(bootstrap, topic_for(aggregate_kind), aggregate_ids, count, timeout)
