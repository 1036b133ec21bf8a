"""Outgoing calls (open_channel) to a real server built with the kit: the server sees the
caller's correlation id and trace, on unary and streaming calls, unless the call set its own;
the channel refuses to send what a server would refuse to receive; and a service's channels
(ServiceContext.channel) are shared per address and closed by the runtime when it stops."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from pydantic_settings import SettingsConfigDict

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.context import MessageContext, bind_context, new_traceparent, parse_traceparent
from mercato_kit.grpc import (
    CORRELATION_ID_KEY,
    MAX_MESSAGE_BYTES,
    TRACEPARENT_KEY,
    open_channel,
)
from mercato_kit.ids import new_id
from mercato_kit.runtime import ServiceContext, ServiceSettings, run_service
from tests.kit.grpc._support import RunningEcho

pytestmark = pytest.mark.asyncio(loop_scope="session")

TIMEOUT = 10


@pytest_asyncio.fixture(loop_scope="session")
async def channel(echo: RunningEcho) -> AsyncIterator[grpc.aio.Channel]:
    opened = open_channel(echo.server.bound_address)
    try:
        yield opened
    finally:
        await opened.close()


def a_flow() -> MessageContext:
    return MessageContext(correlation_id=new_id(), traceparent=new_traceparent())


async def test_a_call_carries_the_callers_correlation_id_and_trace(
    channel: grpc.aio.Channel,
) -> None:
    flow = a_flow()

    with bind_context(flow):
        answer = await echo_pb2_grpc.EchoServiceStub(channel).Echo(
            echo_pb2.EchoRequest(text="hello"), timeout=TIMEOUT
        )

    assert answer.correlation_id == flow.correlation_id
    # The server continues the caller's trace in a span of its own.
    assert parse_traceparent(answer.traceparent) == parse_traceparent(flow.traceparent)
    assert answer.traceparent != flow.traceparent


async def test_a_streaming_call_carries_the_callers_correlation_id(
    channel: grpc.aio.Channel,
) -> None:
    flow = a_flow()

    with bind_context(flow):
        call = echo_pb2_grpc.EchoServiceStub(channel).EchoStream(
            echo_pb2.EchoStreamRequest(text="hi", count=3), timeout=TIMEOUT
        )
        answers = [answer async for answer in call]
        trailers = await call.trailing_metadata()

    assert [answer.correlation_id for answer in answers] == [flow.correlation_id] * 3
    assert dict(trailers)[CORRELATION_ID_KEY] == flow.correlation_id


async def test_each_call_carries_the_flow_bound_when_it_is_made(
    channel: grpc.aio.Channel,
) -> None:
    stub = echo_pb2_grpc.EchoServiceStub(channel)
    flows = [a_flow() for _ in range(5)]

    async def call_in(flow: MessageContext) -> str:
        with bind_context(flow):
            answer = await stub.Echo(echo_pb2.EchoRequest(text="x"), timeout=TIMEOUT)
        return str(answer.correlation_id)

    seen = await asyncio.gather(*(call_in(flow) for flow in flows))

    assert seen == [flow.correlation_id for flow in flows]


async def test_a_call_that_sets_its_own_correlation_id_and_trace_keeps_them(
    channel: grpc.aio.Channel,
) -> None:
    own_id, own_trace = str(uuid.uuid4()), new_traceparent()

    with bind_context(a_flow()):
        answer = await echo_pb2_grpc.EchoServiceStub(channel).Echo(
            echo_pb2.EchoRequest(text="mine"),
            metadata=[(CORRELATION_ID_KEY, own_id), (TRACEPARENT_KEY, own_trace)],
            timeout=TIMEOUT,
        )

    assert answer.correlation_id == own_id
    assert parse_traceparent(answer.traceparent) == parse_traceparent(own_trace)


async def test_a_message_larger_than_a_server_accepts_fails_at_the_sender(
    channel: grpc.aio.Channel, echo: RunningEcho
) -> None:
    too_big = echo_pb2.EchoRequest(text="big", free="x" * MAX_MESSAGE_BYTES)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await echo_pb2_grpc.EchoServiceStub(channel).Echo(too_big, timeout=TIMEOUT)

    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "sent message larger than max" in (refused.value.details() or "").lower()


class KittestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KITTEST_")

    grpc_addr: str = "127.0.0.1:0"


async def test_a_services_channels_are_shared_per_address_and_closed_when_it_stops(
    echo: RunningEcho,
    kafka_bootstrap_servers: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap_servers)
    monkeypatch.setenv("KITTEST_DATABASE_URL", f"sqlite:///{tmp_path / 'kittest.db'}")
    monkeypatch.delenv("AUTH_TRUSTED_KEYS", raising=False)
    settings = KittestSettings()
    wired: list[ServiceContext] = []
    answers: list[str] = []

    async def wire(context: ServiceContext) -> None:
        wired.append(context)

    service = asyncio.create_task(run_service("kittest", settings, wire=wire))
    try:
        await wired_and_serving(wired)
        context = wired[0]
        channel = context.channel(echo.server.bound_address)
        assert context.channel(echo.server.bound_address) is channel
        with bind_context(flow := a_flow()):
            answer = await echo_pb2_grpc.EchoServiceStub(channel).Echo(
                echo_pb2.EchoRequest(text="saga"), timeout=TIMEOUT
            )
        answers.append(answer.correlation_id)
        context.server.request_stop("test")
        await asyncio.wait_for(service, TIMEOUT * 3)
    finally:
        if not service.done():
            service.cancel()

    assert answers == [flow.correlation_id]
    assert context.channels == {}
    with pytest.raises(grpc.aio.UsageError):
        await echo_pb2_grpc.EchoServiceStub(channel).Echo(
            echo_pb2.EchoRequest(text="late"), timeout=TIMEOUT
        )


async def wired_and_serving(wired: list[ServiceContext]) -> None:
    for _ in range(3000):
        if wired:
            await wired[0].server.wait_until_serving()
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the service was never wired")
