"""The open platform with the real identity service: a seller's grant entitles a partner app
(its own client-credentials token from identity) to the seller's events; RevokeAccess ends the
app's open stream at once and stops its webhook deliveries. Measures how fast: milliseconds from
RevokeAccess returning to the partner's stream ending (printed; no timed assertion)."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

import grpc
import pytest

from mercato.identity.v1 import accounts_pb2, apps_pb2, grants_pb2
from mercato.platform.v1 import platform_pb2 as pb
from mercato_kit.testing import LocalIssuer
from tests.services.platform._support import (
    ORDER_TYPES,
    TIMEOUT,
    PlatformProcess,
    Producers,
    Receiver,
    key,
    start_platform,
)
from tests.support.identity_service import (
    IdentityProcess,
    SignedIn,
    identity_database,
    start_identity,
)
from tests.support.services import service_database

pytestmark = pytest.mark.infra

ROUNDS = 5


@pytest.fixture(scope="module")
def identity(
    postgres_url: str, kafka_bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IdentityProcess]:
    folder = tmp_path_factory.mktemp("identity")
    with identity_database("postgresql", postgres_url, folder) as url:
        running = start_identity(url, kafka_bootstrap_servers, folder)
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def platform(
    identity: IdentityProcess,
    kafka_bootstrap_servers: str,
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PlatformProcess]:
    folder = tmp_path_factory.mktemp("platform")
    with service_database("postgresql", postgres_url, folder, "platform") as url:
        running = start_platform(
            url,
            kafka_bootstrap_servers,
            LocalIssuer(),
            folder,
            AUTH_TRUSTED_KEYS="",  # identity's published keys, fetched from identity
            IDENTITY_GRPC_ADDR=identity.address,
        )
        try:
            yield running
        finally:
            assert running.stop() == 0, running.logs()[-3000:]


class AppToken:
    """A partner app's own token from identity (client credentials), as metadata."""

    def __init__(self, identity: IdentityProcess, app_id: str, secret: str) -> None:
        self.token = identity.app_token(app_id, secret).access_token.token

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token}")]


def grant(identity: IdentityProcess, seller: SignedIn, app_id: str) -> str:
    return identity.grants.GrantAccess(
        grants_pb2.GrantAccessRequest(idempotency_key=key(), app_id=app_id, scopes=["orders:read"]),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    ).grant.grant_id


def test_revoking_a_grant_ends_the_apps_stream_at_once_and_stops_its_webhooks(
    identity: IdentityProcess, platform: PlatformProcess, kafka_bootstrap_servers: str
) -> None:
    vendor = identity.signed_in(accounts_pb2.ROLE_SELLER)
    seller = identity.signed_in(accounts_pb2.ROLE_SELLER)
    app, secret = identity.new_app(
        vendor, apps_pb2.APP_KIND_VENDOR_APP, scopes=("events:subscribe",)
    )
    token = AppToken(identity, app.app_id, secret)
    platform.subscriptions.Subscribe(
        pb.SubscribeRequest(idempotency_key=key(), types=list(ORDER_TYPES)),
        metadata=token.metadata,
        timeout=TIMEOUT,
    )
    receiver = Receiver().start()
    producers = Producers(kafka_bootstrap_servers)
    try:
        endpoint = platform.webhooks.RegisterEndpoint(
            pb.RegisterEndpointRequest(
                idempotency_key=key(), url=receiver.url("partner"), types=list(ORDER_TYPES)
            ),
            metadata=token.metadata,
            timeout=TIMEOUT,
        )
        receiver.secrets["partner"] = [endpoint.secret]
        latencies = []
        for _ in range(ROUNDS):
            grant_id = grant(identity, seller, app.app_id)
            seen = threading.Event()
            outcome: dict[str, object] = {}

            def listen(seen: threading.Event = seen, outcome: dict[str, object] = outcome) -> None:
                call = platform.streams.StreamEvents(
                    pb.StreamEventsRequest(heartbeat_seconds=1),
                    metadata=token.metadata,
                    timeout=120,
                )
                try:
                    for response in call:
                        if response.HasField("event"):
                            seen.set()
                except grpc.RpcError as error:
                    outcome["code"] = error.code()
                    outcome["ended"] = time.monotonic()

            reader = threading.Thread(target=listen)
            reader.start()
            deadline = time.monotonic() + 60
            while not seen.is_set():
                assert time.monotonic() < deadline, "the grant never reached the stream"
                producers.order(seller.account.account_id, steps=1)
                producers.flush()
                seen.wait(1.0)

            identity.grants.RevokeAccess(
                grants_pb2.RevokeAccessRequest(idempotency_key=key(), grant_id=grant_id),
                metadata=seller.metadata,
                timeout=TIMEOUT,
            )
            revoked = time.monotonic()
            reader.join(timeout=60)
            assert outcome.get("code") == grpc.StatusCode.PERMISSION_DENIED
            latencies.append(1000 * (float(outcome["ended"]) - revoked))  # type: ignore[arg-type]

        delivered = {d.webhook_id for d in receiver.of("partner")}
        after = producers.order(seller.account.account_id, steps=1)
        producers.flush()
        time.sleep(5)
        assert after[0].event_id not in {d.webhook_id for d in receiver.of("partner")}
        assert delivered  # deliveries happened while the grants stood
        print(
            f"stream ended after RevokeAccess returned: median {statistics.median(latencies):.0f}"
            f" ms, max {max(latencies):.0f} ms over {ROUNDS} revocations"
        )
    finally:
        producers.close()
        receiver.close()
