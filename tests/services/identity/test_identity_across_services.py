"""Token verification everywhere: another real service (the template service, `mercato serve
example`, started with IDENTITY_GRPC_ADDR and no pinned keys) verifies identity's tokens with
the keys it fetches from identity, hears of revocations from Kafka, and survives a key
rotation. Its RPCs are public, and a token that is sent is still verified: a valid one gets
past authentication (NOT_FOUND for a wishlist that does not exist), any other is refused."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mercato.example.v1 import wishlist_pb2, wishlist_pb2_grpc
from mercato.identity.v1 import accounts_pb2, grants_pb2, keys_pb2
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from tests.support.identity_service import (
    TIMEOUT,
    IdentityProcess,
    SignedIn,
    bearer,
    new_key,
)

REVOCATION_WAIT = 30.0


class Example:
    def __init__(self, process: subprocess.Popen[bytes], address: str, log: Path) -> None:
        self.process, self.log = process, log
        self.channel = grpc.insecure_channel(address)
        self.stub = wishlist_pb2_grpc.WishlistServiceStub(self.channel)

    def answer(self, token: str) -> grpc.StatusCode:
        """How the service answers a call carrying `token`."""
        try:
            self.stub.GetWishlist(
                wishlist_pb2.GetWishlistRequest(wishlist_id=str(uuid.uuid4())),
                metadata=bearer(token),
                timeout=TIMEOUT,
            )
        except grpc.RpcError as error:
            return error.code()  # type: ignore[no-any-return]
        return grpc.StatusCode.OK

    def answer_becomes(self, token: str, code: grpc.StatusCode) -> grpc.StatusCode:
        deadline = time.monotonic() + REVOCATION_WAIT
        answer = self.answer(token)
        while answer != code and time.monotonic() < deadline:
            time.sleep(0.1)
            answer = self.answer(token)
        return answer


@pytest.fixture(scope="module")
def example(
    identity: IdentityProcess,
    kafka_bootstrap_servers: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Example]:
    folder = tmp_path_factory.mktemp("example")
    address = f"127.0.0.1:{free_port()}"
    env = dict(
        os.environ,
        EXAMPLE_GRPC_ADDR=address,
        EXAMPLE_DATABASE_URL=f"sqlite:///{folder / 'example.db'}",
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        IDENTITY_GRPC_ADDR=identity.address,
    )
    env.pop("DATABASE_URL", None)
    env.pop("AUTH_TRUSTED_KEYS", None)
    log = folder / "example.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mercato_cli", "serve", "example"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
    running = Example(process, address, log)
    try:
        health = health_pb2_grpc.HealthStub(running.channel)
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    break
            except grpc.RpcError:
                pass
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield running
    finally:
        running.channel.close()
        process.terminate()
        process.wait(timeout=60)


def test_another_service_trusts_identitys_tokens_and_refuses_others(
    identity: IdentityProcess, example: Example
) -> None:
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    head, payload, signature = buyer.token.split(".")
    tampered = f"{head}.{payload[:-2]}AA.{signature}"
    stranger = LocalIssuer().token(subject=buyer.account.account_id, roles=["operator"])

    assert example.answer(buyer.token) == grpc.StatusCode.NOT_FOUND
    assert example.answer(tampered) == grpc.StatusCode.UNAUTHENTICATED
    assert example.answer(stranger) == grpc.StatusCode.UNAUTHENTICATED
    assert example.answer("not.a.token") == grpc.StatusCode.UNAUTHENTICATED


def test_a_revoked_grant_stops_working_in_another_service_at_once(
    identity: IdentityProcess, example: Example
) -> None:
    vendor = identity.signed_in(accounts_pb2.ROLE_SELLER)
    seller = identity.signed_in(accounts_pb2.ROLE_SELLER)
    app, secret = identity.new_app(vendor)
    grant = identity.grants.GrantAccess(
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(), app_id=app.app_id, scopes=["orders:read"]
        ),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    ).grant
    acting = identity.app_token(app.app_id, secret, grant_id=grant.grant_id).access_token.token
    before = example.answer(acting)

    identity.grants.RevokeAccess(
        grants_pb2.RevokeAccessRequest(idempotency_key=new_key(), grant_id=grant.grant_id),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    )

    assert before == grpc.StatusCode.NOT_FOUND
    assert example.answer_becomes(acting, grpc.StatusCode.UNAUTHENTICATED) == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    assert example.answer(vendor.token) == grpc.StatusCode.NOT_FOUND


def test_a_signed_out_session_stops_working_in_another_service_at_once(
    identity: IdentityProcess, example: Example
) -> None:
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    other_session = identity.sign_in_as(buyer.account.email)
    before = example.answer(buyer.token)

    identity.accounts.SignOut(
        accounts_pb2.SignOutRequest(idempotency_key=new_key()),
        metadata=buyer.metadata,
        timeout=TIMEOUT,
    )

    assert before == grpc.StatusCode.NOT_FOUND
    assert example.answer_becomes(buyer.token, grpc.StatusCode.UNAUTHENTICATED) == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    assert example.answer(other_session.token) == grpc.StatusCode.NOT_FOUND


def test_after_a_key_rotation_another_service_accepts_tokens_of_both_keys(
    identity: IdentityProcess, operator: SignedIn, example: Example
) -> None:
    before = identity.signed_in(accounts_pb2.ROLE_BUYER)
    assert example.answer(before.token) == grpc.StatusCode.NOT_FOUND

    identity.keys.RotateSigningKey(
        keys_pb2.RotateSigningKeyRequest(idempotency_key=new_key()),
        metadata=operator.metadata,
        timeout=TIMEOUT,
    )
    after = identity.signed_in(accounts_pb2.ROLE_BUYER)

    assert example.answer(after.token) == grpc.StatusCode.NOT_FOUND
    assert example.answer(before.token) == grpc.StatusCode.NOT_FOUND
    assert "Traceback" not in example.log.read_text()
