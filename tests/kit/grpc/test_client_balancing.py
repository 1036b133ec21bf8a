"""Several instances behind one address: `open_channel` balances calls round robin over every
address of its target ("a:1,b:2", "ipv4:...", as the launcher writes for `--instances`), and
keeps calling the instance that is up when the other stops. `channel_target` says what is wrong
with an address it cannot use."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from pydantic import BaseModel, ValidationError

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.grpc import (
    GrpcServer,
    PeerAddress,
    channel_target,
    create_server,
    open_channel,
)
from tests.kit.grpc.echo_service import EchoServicer

TIMEOUT = 10


class _Counting(EchoServicer):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def Echo(
        self, request: echo_pb2.EchoRequest, context: grpc.aio.ServicerContext
    ) -> echo_pb2.EchoResponse:
        self.calls += 1
        return await super().Echo(request, context)


@pytest_asyncio.fixture(loop_scope="session")
async def two() -> AsyncIterator[list[tuple[GrpcServer, _Counting]]]:
    running = []
    for _ in range(2):
        server = create_server("127.0.0.1:0", grace=1)
        servicer = _Counting()
        echo_pb2_grpc.add_EchoServiceServicer_to_server(servicer, server)
        await server.start()
        running.append((server, servicer))
    try:
        yield running
    finally:
        for server, _ in running:
            await server.stop(grace=1)


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("scheme", ["", "ipv4:"])
async def test_calls_are_spread_over_every_instance_of_the_address(
    two: list[tuple[GrpcServer, _Counting]], scheme: str
) -> None:
    address = scheme + ",".join(server.bound_address for server, _ in two)
    before = [servicer.calls for _, servicer in two]
    channel = open_channel(address)
    try:
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        for n in range(20):
            await stub.Echo(echo_pb2.EchoRequest(text=f"call {n}"), timeout=TIMEOUT)
    finally:
        await channel.close()

    served = [servicer.calls - was for (_, servicer), was in zip(two, before, strict=True)]
    assert sum(served) == 20
    assert min(served) >= 5, served  # round robin: each instance its share, not all to one


@pytest.mark.asyncio(loop_scope="session")
async def test_calls_go_to_the_instance_still_up_when_one_stops() -> None:
    servers = []
    for _ in range(2):
        server = create_server("127.0.0.1:0", grace=1)
        servicer = _Counting()
        echo_pb2_grpc.add_EchoServiceServicer_to_server(servicer, server)
        await server.start()
        servers.append((server, servicer))
    channel = open_channel(",".join(server.bound_address for server, _ in servers))
    try:
        stub = echo_pb2_grpc.EchoServiceStub(channel)
        await stub.Echo(echo_pb2.EchoRequest(text="warm"), timeout=TIMEOUT)
        await servers[0][0].stop(grace=1)
        answered = Counter[str]()
        for n in range(10):
            try:
                await stub.Echo(
                    echo_pb2.EchoRequest(text=f"call {n}"), timeout=TIMEOUT, wait_for_ready=True
                )
                answered["ok"] += 1
            except grpc.aio.AioRpcError as error:
                answered[error.code().name] += 1
    finally:
        await channel.close()
        await servers[1][0].stop(grace=1)

    # At most the call in flight when the instance went away fails; the rest reach the other.
    assert answered["ok"] >= 9, answered
    assert servers[1][1].calls >= 9


@pytest.mark.parametrize(
    ("address", "target"),
    [
        ("127.0.0.1:50051", "127.0.0.1:50051"),
        ("localhost:50051", "localhost:50051"),
        ("127.0.0.1:1,127.0.0.1:2", "ipv4:127.0.0.1:1,127.0.0.1:2"),
        (" 127.0.0.1:1, 127.0.0.1:2 ", "ipv4:127.0.0.1:1,127.0.0.1:2"),
        ("[::1]:1,[::1]:2", "ipv6:[::1]:1,[::1]:2"),
        ("ipv4:127.0.0.1:1,127.0.0.1:2", "ipv4:127.0.0.1:1,127.0.0.1:2"),
        ("dns:///orders.mercato.svc:50053", "dns:///orders.mercato.svc:50053"),
    ],
)
def test_an_address_becomes_a_grpc_target(address: str, target: str) -> None:
    assert channel_target(address) == target


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("orders-1:50053,orders-2:50053", "IP literals"),
        ("127.0.0.1:1,127.0.0.1", "host:port"),
        ("127.0.0.1:1,[::1]:2", "all be IPv4 or all IPv6"),
    ],
)
def test_an_address_it_cannot_use_is_refused_saying_why(address: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        channel_target(address)


def test_a_peer_address_setting_refuses_what_the_channel_could_not_use() -> None:
    class Settings(BaseModel):
        catalog_addr: PeerAddress

    assert Settings(catalog_addr=" 127.0.0.1:1,127.0.0.1:2 ").catalog_addr == (
        "127.0.0.1:1,127.0.0.1:2"
    )
    with pytest.raises(ValidationError, match="catalog_addr") as refused:
        Settings(catalog_addr="orders-1:50053,orders-2:50053")
    assert "IP literals" in str(refused.value)
