"""The gRPC edge over TLS and mutual TLS, with certificates the test makes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.grpc import (
    GrpcServer,
    channel_credentials,
    create_server,
    open_channel,
    server_credentials,
)
from mercato_kit.testing import TestAuthority
from tests.kit.grpc.echo_service import EchoServicer

TIMEOUT = 5


@pytest.fixture
def authority(tmp_path: Path) -> TestAuthority:
    return TestAuthority(tmp_path / "ca")


async def started(credentials: grpc.ServerCredentials) -> GrpcServer:
    server = create_server("127.0.0.1:0", grace=1, credentials=credentials)
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoServicer(), server)
    await server.start()
    return server


async def echo(server: GrpcServer, credentials: grpc.ChannelCredentials | None) -> str:
    channel = open_channel(server.bound_address, credentials=credentials)
    try:
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        answer = await stub.Echo(echo_pb2.EchoRequest(text="over tls"), timeout=TIMEOUT)
        return str(answer.text)
    finally:
        await channel.close()


@pytest_asyncio.fixture
async def tls_server(authority: TestAuthority) -> AsyncIterator[GrpcServer]:
    certificate = authority.issue("server", hosts=["127.0.0.1", "localhost"])
    server = await started(server_credentials(certificate.cert, certificate.key))
    try:
        yield server
    finally:
        await server.stop(grace=1)


@pytest_asyncio.fixture
async def mtls_server(authority: TestAuthority) -> AsyncIterator[GrpcServer]:
    certificate = authority.issue("server", hosts=["127.0.0.1", "localhost"])
    credentials = server_credentials(certificate.cert, certificate.key, authority.ca)
    server = await started(credentials)
    try:
        yield server
    finally:
        await server.stop(grace=1)


async def test_a_caller_that_trusts_the_ca_talks_to_a_tls_server(
    authority: TestAuthority, tls_server: GrpcServer
) -> None:
    assert await echo(tls_server, channel_credentials(authority.ca)) == "over tls"


async def test_a_caller_of_another_ca_or_in_plaintext_is_refused(
    tmp_path: Path, tls_server: GrpcServer
) -> None:
    stranger = TestAuthority(tmp_path / "other", name="Another CA")
    for credentials in (channel_credentials(stranger.ca), None):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await echo(tls_server, credentials)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mutual_tls_admits_a_caller_with_a_certificate_of_the_ca_and_no_other(
    authority: TestAuthority, mtls_server: GrpcServer, tmp_path: Path
) -> None:
    orders = authority.issue("orders")
    trusted = channel_credentials(authority.ca, orders.cert, orders.key)
    assert await echo(mtls_server, trusted) == "over tls"

    forged = TestAuthority(tmp_path / "forger", name="Forger CA").issue("orders")
    for credentials in (
        channel_credentials(authority.ca),  # no certificate at all
        channel_credentials(authority.ca, forged.cert, forged.key),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await echo(mtls_server, credentials)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
