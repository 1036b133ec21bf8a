"""A service's own token (ServiceCredentials) against a real identity process: it is an app of
kind "service" registered by an operator; the token it gets is accepted by a verifier with
identity's published keys, is reused until 80% of its lifetime has passed (one fetch at a
time), goes on being used while identity is briefly away, and every failure is a clear
ServiceCredentialsError, never a hang. Identity's access log shows how often it was asked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import pytest
from pydantic_settings import SettingsConfigDict

from mercato.identity.v1 import apps_pb2
from mercato_kit.auth import (
    CredentialsRefused,
    IdentityUnavailable,
    RemoteKeyProvider,
    ServiceCredentials,
    TokenVerifier,
    identity_key_fetcher,
)
from mercato_kit.context import MessageContext, bind_context, new_traceparent
from mercato_kit.ids import new_id
from mercato_kit.runtime import ServiceContext, ServiceSettings
from mercato_kit.settings import SettingsError, load_settings
from mercato_localinfra._process import free_port
from tests.kit.grpc._support import LogLines, captured_json_logs
from tests.support.identity_service import (
    IdentityProcess,
    create_operator,
    identity_database,
    start_identity,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

TOKEN_TTL = 600
SCOPES = ("catalog:reserve", "logistics:ship", "payments:capture")
ISSUE_APP_TOKEN = "/mercato.identity.v1.AppService/IssueAppToken"


class Clock:
    """A monotonic clock the test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ServiceApp:
    def __init__(self, identity: IdentityProcess, app_id: str, secret: str) -> None:
        self.identity, self.app_id, self.secret = identity, app_id, secret

    def credentials(self, **options: Any) -> ServiceCredentials:
        return ServiceCredentials(self.identity.address, self.app_id, self.secret, **options)


@pytest.fixture(scope="module")
def identity(
    postgres_url: str, kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IdentityProcess]:
    folder = tmp_path_factory.mktemp("identity")
    with identity_database("sqlite", postgres_url, folder) as url:
        running = start_identity(
            url, kafka_bootstrap_servers, folder, access_token_ttl=str(TOKEN_TTL)
        )
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def service_app(
    identity: IdentityProcess,
    kafka_bootstrap_servers: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> ServiceApp:
    """The orders-like service's app, registered by an operator with the saga's scopes."""
    operator = create_operator(identity, kafka_bootstrap_servers, tmp_path_factory.mktemp("ops"))
    app, secret = identity.new_app(operator, apps_pb2.APP_KIND_SERVICE, scopes=SCOPES)
    return ServiceApp(identity, app.app_id, secret)


@pytest.fixture
def logs() -> Iterator[LogLines]:
    with captured_json_logs("kittest", level="DEBUG") as lines:
        yield lines


def token_requests(identity: IdentityProcess, correlation_id: str) -> int:
    """How many IssueAppToken calls identity logged for one correlation id."""
    count = 0
    for line in identity.logs().splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if (
                record.get("event") == "grpc call"
                and record.get("method") == ISSUE_APP_TOKEN
                and record.get("correlation_id") == correlation_id
            ):
                count += 1
    return count


@contextlib.contextmanager
def flow() -> Iterator[str]:
    """A bound MessageContext; yields its correlation id."""
    correlation_id = new_id()
    with bind_context(MessageContext(correlation_id, traceparent=new_traceparent())):
        yield correlation_id


def token_of(metadata: list[tuple[str, str]]) -> str:
    [(key, value)] = metadata
    assert key == "authorization"
    assert value.startswith("Bearer ")
    return value.removeprefix("Bearer ")


async def test_a_service_gets_a_token_that_other_services_accept(
    service_app: ServiceApp, identity: IdentityProcess
) -> None:
    credentials = service_app.credentials()
    try:
        token = token_of(await credentials.metadata())
    finally:
        await credentials.close()
    identity.remember(token)

    verifier = TokenVerifier(RemoteKeyProvider(identity_key_fetcher(identity.address)))
    caller = await verifier.verify(token)

    assert caller.kind == "app"
    assert caller.subject == service_app.app_id
    assert caller.roles == {"service"}
    assert set(SCOPES) <= caller.scopes


async def test_the_token_is_reused_until_80_percent_of_its_lifetime_has_passed(
    service_app: ServiceApp, identity: IdentityProcess
) -> None:
    clock = Clock()
    credentials = service_app.credentials(clock=clock)
    try:
        with flow() as correlation_id:
            first = {token_of(m) for m in await asyncio.gather(*[credentials.metadata()] * 10)}
            clock.now += 0.79 * TOKEN_TTL
            still = token_of(await credentials.metadata())
            fetched_before_refresh = token_requests(identity, correlation_id)

            clock.now += 0.02 * TOKEN_TTL
            during = {token_of(m) for m in await asyncio.gather(*[credentials.metadata()] * 10)}
            after = token_of(await credentials.metadata())
            fetched = token_requests(identity, correlation_id)
    finally:
        await credentials.close()
    identity.remember(*first, *during)

    assert len(first) == 1
    assert still in first
    assert fetched_before_refresh == 1
    assert after not in first
    # One caller fetched the next token; the others went on with the current one meanwhile.
    assert during <= first | {after}
    assert after in during
    assert fetched == 2


async def test_a_wrong_secret_or_an_unknown_app_is_refused_clearly(
    service_app: ServiceApp, identity: IdentityProcess
) -> None:
    wrong = "A" * 43
    attempts = [
        ServiceCredentials(identity.address, service_app.app_id, wrong),
        ServiceCredentials(identity.address, new_id(), service_app.secret),
    ]
    errors = []
    for credentials in attempts:
        try:
            with pytest.raises(CredentialsRefused) as refused:
                await credentials.metadata()
            errors.append(str(refused.value))
        finally:
            await credentials.close()

    assert all("check the service's app id and secret" in error for error in errors)
    assert service_app.app_id in errors[0]
    assert not any(wrong in error or service_app.secret in error for error in errors)


async def test_an_unreachable_identity_is_reported_as_unavailable(logs: LogLines) -> None:
    credentials = ServiceCredentials(f"127.0.0.1:{free_port()}", new_id(), "s3cr3t-value")
    try:
        with pytest.raises(IdentityUnavailable, match="UNAVAILABLE"):
            await credentials.metadata()
    finally:
        await credentials.close()

    assert "s3cr3t-value" not in logs.text


async def test_an_identity_that_never_answers_is_reported_when_the_timeout_passes() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # connections complete in the kernel; nothing ever answers them
    address = f"127.0.0.1:{silent.getsockname()[1]}"
    credentials = ServiceCredentials(address, new_id(), "s3cr3t-value", timeout=0.5)
    try:
        with pytest.raises(IdentityUnavailable, match="DEADLINE_EXCEEDED"):
            await credentials.metadata()
    finally:
        await credentials.close()
        silent.close()


async def test_a_valid_token_goes_on_being_used_while_identity_is_away(
    service_app: ServiceApp, identity: IdentityProcess, logs: LogLines
) -> None:
    clock = Clock()
    async with forwarder(identity.address) as (address, cut):
        credentials = ServiceCredentials(
            address, service_app.app_id, service_app.secret, clock=clock
        )
        try:
            token = token_of(await credentials.metadata())
            await cut()

            clock.now += 0.9 * TOKEN_TTL
            identity_away = token_of(await credentials.metadata())
            clock.now += 0.11 * TOKEN_TTL
            with pytest.raises(IdentityUnavailable):
                await credentials.metadata()
        finally:
            await credentials.close()
    identity.remember(token)

    assert identity_away == token
    warnings = logs.records(
        "identity unavailable; using the current service token until it expires"
    )
    assert len(warnings) == 1
    assert warnings[0]["app_id"] == service_app.app_id
    assert token not in logs.text
    assert service_app.secret not in logs.text


async def test_identity_never_logs_the_secret_or_the_tokens(
    service_app: ServiceApp, identity: IdentityProcess
) -> None:
    credentials = service_app.credentials()
    try:
        identity.remember(token_of(await credentials.metadata()))
    finally:
        await credentials.close()

    written = identity.logs()
    assert identity.secrets_seen
    assert not [secret for secret in identity.secrets_seen if secret in written]


class KittestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KITTEST_")

    grpc_addr: str = "127.0.0.1:0"


def bare_context(settings: ServiceSettings) -> ServiceContext:
    """A ServiceContext with only what service_credentials() and channel() use."""
    unused = cast(Any, None)
    return ServiceContext(
        "kittest", settings, unused, unused, unused, unused, unused, unused, unused
    )


async def test_a_service_without_its_app_settings_is_told_which_variables_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")  # required, never dialled here
    monkeypatch.delenv("KITTEST_APP_ID", raising=False)
    monkeypatch.setenv("KITTEST_APP_SECRET", "")
    context = bare_context(load_settings(KittestSettings))

    with pytest.raises(SettingsError) as missing:
        context.service_credentials()

    assert "KITTEST_APP_ID is not set" in str(missing.value)
    assert "KITTEST_APP_SECRET is not set" in str(missing.value)


async def test_a_services_context_builds_its_credentials_once_from_its_settings(
    monkeypatch: pytest.MonkeyPatch, service_app: ServiceApp, identity: IdentityProcess
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")  # required, never dialled here
    monkeypatch.setenv("KITTEST_APP_ID", service_app.app_id)
    monkeypatch.setenv("KITTEST_APP_SECRET", service_app.secret)
    monkeypatch.setenv("IDENTITY_GRPC_ADDR", identity.address)
    settings = load_settings(KittestSettings)
    context = bare_context(settings)
    try:
        credentials = context.service_credentials()
        token = token_of(await credentials.metadata())
        again = context.service_credentials()
    finally:
        await context.close_channels()
    identity.remember(token)

    assert again is credentials
    assert service_app.secret not in repr(settings)
    assert service_app.secret not in repr(credentials)
    assert list(context.channels) == []
    caller = await TokenVerifier(RemoteKeyProvider(identity_key_fetcher(identity.address))).verify(
        token
    )
    assert caller.subject == service_app.app_id


@contextlib.asynccontextmanager
async def forwarder(target: str) -> AsyncIterator[tuple[str, Any]]:
    """A TCP relay to `target`; `cut()` closes it and every connection through it."""
    host, port = target.rsplit(":", 1)
    writers: list[asyncio.StreamWriter] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writers.extend([writer, up_writer])
        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    server = await asyncio.start_server(pipe, "127.0.0.1", 0)

    async def cut() -> None:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()

    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}", cut
    finally:
        await cut()
