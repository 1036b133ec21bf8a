"""The platform's HTTP face as a real process: Server-Sent Events (isolation, Last-Event-ID
resumes, rewind by time), the JSON API (subscriptions, webhook endpoints, errors, rate limits),
the OpenAPI document, and TLS on both faces with a certificate the test makes (where the
server-side request forgery check runs with its default: loopback refused)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from mercato_platform.entrypoints.http_api import HttpApi
from mercato_platform.entrypoints.openapi import openapi_document
from tests.services.platform._support import (
    ORDER_TYPES,
    TIMEOUT,
    PlatformProcess,
    Producers,
    TwoSellers,
    key,
    new_partner,
    platform_env,
    subscribe,
)
from tests.support.services import service_database

pytestmark = pytest.mark.infra


@dataclass
class Frame:
    id: str
    event: str
    data: str


async def sse_frames(
    url: str,
    headers: dict[str, str],
    *,
    until: Any,
    seconds: float = 120,
    ssl_context: ssl.SSLContext | None = None,
) -> list[Frame]:
    """Read Server-Sent Events until `until(frames)` holds or the stream ends."""
    frames: list[Frame] = []
    client_timeout = aiohttp.ClientTimeout(total=seconds, sock_read=seconds)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.get(url, headers=headers, ssl=ssl_context) as response,
    ):
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        current: dict[str, str] = {}
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if not line:
                if "data" in current:
                    frames.append(
                        Frame(current.get("id", ""), current.get("event", ""), current["data"])
                    )
                    if until(frames):
                        return frames
                current = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            current[name] = value
    return frames


def events_of(frames: list[Frame]) -> list[dict[str, Any]]:
    return [json.loads(f.data) for f in frames if f.event.startswith("mercato.")]


async def test_sse_carries_exactly_the_apps_events_and_last_event_id_resumes(
    platform: PlatformProcess, two_sellers: TwoSellers
) -> None:
    world = two_sellers
    wanted = world.s1_ids
    url = f"{platform.http}/v1/events?from_beginning=true"

    first = await sse_frames(url, world.a.headers, until=lambda f: len(events_of(f)) >= 800)
    last_id = [f for f in first if f.event.startswith("mercato.")][-1].id
    rest = await sse_frames(
        f"{platform.http}/v1/events",
        {**world.a.headers, "Last-Event-ID": last_id},
        until=lambda f: wanted <= {e["id"] for e in events_of(first) + events_of(f)},
    )

    ids = [e["id"] for e in events_of(first) + events_of(rest)]
    assert len(ids) == len(set(ids))
    assert wanted <= set(ids)
    assert not set(ids) & world.s2_ids
    assert all(
        f.id == json.loads(f.data)["mercatocursor"] for f in first if f.event.startswith("mercato.")
    )


async def test_sse_rewinds_by_time_and_filters_types(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers
) -> None:
    seller, app = str(uuid.uuid4()), new_partner(issuer)
    subscribe(platform, app, *ORDER_TYPES)
    producers.grant(app, seller, "orders:read")
    base = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    events = producers.order(
        seller, times=[base, base + dt.timedelta(hours=1), base + dt.timedelta(hours=1)]
    )
    producers.flush()
    since = (base + dt.timedelta(minutes=30)).isoformat().replace("+00:00", "Z")

    frames = await sse_frames(
        f"{platform.http}/v1/events?from_time={since}&types=mercato.orders.v1.OrderPaid",
        app.headers,
        until=lambda f: len(events_of(f)) >= 1,
    )

    assert [e["id"] for e in events_of(frames)] == [events[1].event_id]


async def test_sse_heartbeats_and_refusals(platform: PlatformProcess, issuer: LocalIssuer) -> None:
    app = new_partner(issuer)
    subscribe(platform, app, *ORDER_TYPES)

    frames = await sse_frames(
        f"{platform.http}/v1/events?heartbeat_seconds=1",
        app.headers,
        until=lambda f: len(f) >= 2,
        seconds=30,
    )

    assert {f.event for f in frames} == {"heartbeat"}
    assert all(f.id for f in frames)
    async with aiohttp.ClientSession() as session:
        for headers, status in (
            ({}, 401),
            ({"Authorization": "Bearer forged.token.here"}, 401),
            ({"Authorization": f"Bearer {app.token(ttl=dt.timedelta(seconds=-60))}"}, 401),
        ):
            async with session.get(f"{platform.http}/v1/events", headers=headers) as response:
                assert response.status == status
                assert (await response.json())["error"]["code"] == "UNAUTHENTICATED"
        async with session.get(
            f"{platform.http}/v1/events?cursor=nonsense", headers=app.headers
        ) as response:
            assert response.status == 400
            assert (await response.json())["error"]["field"] == "cursor"


async def test_the_json_api_manages_subscriptions_and_endpoints(
    platform: PlatformProcess, issuer: LocalIssuer
) -> None:
    app = new_partner(issuer)
    base = platform.http
    async with aiohttp.ClientSession(headers=app.headers) as session:
        async with session.post(
            f"{base}/v1/subscriptions", json={"idempotency_key": key(), "types": list(ORDER_TYPES)}
        ) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["subscription"]["types"] == sorted(ORDER_TYPES)
        async with session.post(
            f"{base}/v1/webhooks/endpoints",
            json={
                "idempotency_key": key(),
                "url": "http://127.0.0.1:9/h",
                "types": [ORDER_TYPES[0]],
            },
        ) as response:
            assert response.status == 201, await response.text()
            created = await response.json()
        assert created["secret"].startswith("whsec_")
        endpoint_id = created["endpoint"]["endpoint_id"]
        async with session.get(f"{base}/v1/webhooks/endpoints/{endpoint_id}") as response:
            fetched = await response.json()
        assert fetched["endpoint"]["url"] == "http://127.0.0.1:9/h"
        assert "secret" not in json.dumps(fetched)
        async with session.get(
            f"{base}/v1/webhooks/endpoints/{endpoint_id}/deliveries"
        ) as response:
            assert response.status == 200
        async with session.post(
            f"{base}/v1/webhooks/endpoints/{endpoint_id}/redeliver", json={"idempotency_key": key()}
        ) as response:
            assert response.status == 400
            assert (await response.json())["error"]["field"] == "what"
        async with session.post(
            f"{base}/v1/subscriptions", json={"idempotency_key": key(), "types": ["nope"]}
        ) as response:
            assert response.status == 400
            assert (await response.json())["error"]["field"] == "types[0]"
        async with session.delete(
            f"{base}/v1/webhooks/endpoints/{endpoint_id}?idempotency_key={key()}"
        ) as response:
            assert response.status == 204
        async with session.get(f"{base}/v1/webhooks/endpoints/{endpoint_id}") as response:
            assert response.status == 404


async def test_the_http_face_rate_limits_with_retry_after(
    platform: PlatformProcess, issuer: LocalIssuer
) -> None:
    app = new_partner(issuer)
    async with aiohttp.ClientSession(headers=app.headers) as session:

        async def call() -> tuple[int, str | None]:
            async with session.get(f"{platform.http}/v1/subscriptions") as response:
                return response.status, response.headers.get("Retry-After")

        answers = await asyncio.gather(*(call() for _ in range(200)))

    limited = [retry for status, retry in answers if status == 429]
    assert limited
    assert all(retry is not None and int(retry) >= 1 for retry in limited)


async def test_the_openapi_document_parses_and_lists_every_route(platform: PlatformProcess) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{platform.http}/openapi.json") as response,
    ):
        served = await response.json()

    assert served == json.loads(json.dumps(openapi_document()))
    assert served["openapi"] == "3.1.0"
    api = HttpApi(None, None, None, None)  # type: ignore[arg-type]
    routes = {
        (route.method.lower(), route.resource.canonical)
        for route in api.app.router.routes()
        if route.method != "HEAD"
    }
    documented = {
        (method, path)
        for path, item in served["paths"].items()
        for method in item
        if method in {"get", "post", "delete", "put", "patch"}
    }
    assert routes == documented

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for name, value in node.items():
                if name == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for item in node:
                yield from refs(item)

    for ref in refs(served):
        target: Any = served
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict)


# --- TLS, with the default server-side request forgery check -----------------------------------


def self_signed(folder: Path) -> tuple[Path, Path, bytes]:
    key_ = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key_.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key_, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(pem)
    key_path.write_bytes(
        key_.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, pem


@pytest.fixture(scope="module")
def tls_platform(
    issuer: LocalIssuer,
    kafka_bootstrap_servers: str,
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, bytes]]:
    import subprocess
    import sys
    import time

    folder = tmp_path_factory.mktemp("platform-tls")
    cert, key_path, pem = self_signed(folder)
    grpc_address, http_address = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    with service_database("postgresql", postgres_url, folder, "platformtls") as url:
        env = platform_env(
            url,
            kafka_bootstrap_servers,
            issuer,
            group_prefix=f"test-platform-tls-{uuid.uuid4().hex[:8]}",
            http_address=http_address,
        )
        env.pop("PLATFORM_WEBHOOK_ALLOW_PRIVATE")  # the default: loopback and private refused
        import os

        full = {**os.environ, **env, "PLATFORM_GRPC_ADDR": grpc_address}
        full.pop("DATABASE_URL", None)
        full.update(PLATFORM_TLS_CERT=str(cert), PLATFORM_TLS_KEY=str(key_path))
        log = folder / "platform.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "mercato_cli", "serve", "platform"],
                env=full,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=folder,
            )
        try:
            credentials = grpc.ssl_channel_credentials(root_certificates=pem)
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, log.read_text()[-3000:]
                try:
                    with grpc.secure_channel(grpc_address, credentials) as channel:
                        platform_pb2_grpc.SubscriptionServiceStub(channel).ListEventTypes(
                            pb.ListEventTypesRequest(), timeout=2
                        )
                    break
                except grpc.RpcError:
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.3)
            yield grpc_address, http_address, pem
        finally:
            process.terminate()
            assert process.wait(timeout=60) == 0, log.read_text()[-3000:]


def test_both_faces_serve_tls_with_the_configured_certificate(
    tls_platform: tuple[str, str, bytes], issuer: LocalIssuer
) -> None:
    grpc_address, http_address, pem = tls_platform
    app = new_partner(issuer)
    credentials = grpc.ssl_channel_credentials(root_certificates=pem)
    with grpc.secure_channel(grpc_address, credentials) as channel:
        subscriptions = platform_pb2_grpc.SubscriptionServiceStub(channel)
        answer = subscriptions.Subscribe(
            pb.SubscribeRequest(idempotency_key=key(), types=[ORDER_TYPES[0]]),
            metadata=app.metadata,
            timeout=TIMEOUT,
        )
        assert list(answer.subscription.types) == [ORDER_TYPES[0]]
    with grpc.insecure_channel(grpc_address) as plain, pytest.raises(grpc.RpcError):
        platform_pb2_grpc.SubscriptionServiceStub(plain).ListEventTypes(
            pb.ListEventTypesRequest(), timeout=5
        )

    context = ssl.create_default_context(cadata=pem.decode())

    async def fetch() -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"https://{http_address}/v1/subscriptions", headers=app.headers, ssl=context
            ) as response,
        ):
            assert response.status == 200
            return dict(await response.json())

    assert asyncio.run(fetch())["subscriptions"][0]["types"] == [ORDER_TYPES[0]]


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost:8443/hooks",
        "https://10.1.2.3/h",
        "https://169.254.169.254/latest",
        "https://[::1]/h",
        "http://example.com/h",
    ],
)
def test_endpoints_on_loopback_private_or_link_local_addresses_are_refused_by_default(
    tls_platform: tuple[str, str, bytes], issuer: LocalIssuer, url: str
) -> None:
    grpc_address, _, pem = tls_platform
    app = new_partner(issuer)
    credentials = grpc.ssl_channel_credentials(root_certificates=pem)
    with grpc.secure_channel(grpc_address, credentials) as channel:
        webhooks = platform_pb2_grpc.WebhookServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            webhooks.RegisterEndpoint(
                pb.RegisterEndpointRequest(idempotency_key=key(), url=url, types=[ORDER_TYPES[0]]),
                metadata=app.metadata,
                timeout=TIMEOUT,
            )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details().startswith("url:")
