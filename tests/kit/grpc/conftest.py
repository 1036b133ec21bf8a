"""An EchoService behind the kit's edge on a real port, a real channel to it, and the JSON log
lines it writes (configure_logging's own output, parsed back)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
import pytest_asyncio

from mercato.kittest.v1 import echo_pb2_grpc
from mercato_kit.grpc import create_server
from tests.kit.grpc._support import LogLines, RunningEcho, captured_json_logs
from tests.kit.grpc.echo_service import EchoServicer


@pytest.fixture
def json_logs() -> Iterator[LogLines]:
    """The JSON lines the service writes during the test (at DEBUG and up)."""
    with captured_json_logs("kittest", level="DEBUG") as logs:
        yield logs


@pytest_asyncio.fixture(loop_scope="session")
async def echo(json_logs: LogLines) -> AsyncIterator[RunningEcho]:
    """The EchoService on 127.0.0.1 (a free port) and a channel to it."""
    server = create_server("127.0.0.1:0", grace=1)
    servicer = EchoServicer()
    echo_pb2_grpc.add_EchoServiceServicer_to_server(servicer, server)
    await server.start()
    channel = grpc.aio.insecure_channel(server.bound_address)
    try:
        yield RunningEcho(server, servicer, channel, echo_pb2_grpc.EchoServiceStub(channel))
    finally:
        await channel.close()
        await server.stop(grace=1)
