"""Traces at the gRPC edge (real server, real channel): with tracing on, a call from
open_channel is a client span whose child is the server's span, the handler's bound traceparent
and log lines name the server span, and an envelope made in the handler carries it; with
tracing off, nothing is made and the trace still travels as before."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.protobuf.wrappers_pb2 import StringValue
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.context import MessageContext, bind_context, new_traceparent, parse_traceparent
from mercato_kit.events import EventEnvelope
from mercato_kit.grpc import open_channel
from mercato_kit.grpc._client import _pending as client_spans_ending
from mercato_kit.tracing import configure_tracing, shutdown_tracing, span, tracing_enabled
from tests.kit.grpc._support import LogLines, RunningEcho

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert configure_tracing("kittest", exporter=exporter)
    try:
        yield exporter
    finally:
        shutdown_tracing()


@pytest_asyncio.fixture(loop_scope="session")
async def stub(echo: RunningEcho) -> AsyncIterator[echo_pb2_grpc.EchoServiceStub]:
    channel = open_channel(echo.server.bound_address)
    try:
        yield echo_pb2_grpc.EchoServiceStub(channel)
    finally:
        await channel.close()


def hex_ids(made: Any) -> tuple[str, str]:
    context = made.get_span_context()
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


async def test_a_call_is_a_client_span_whose_child_is_the_servers_span_named_in_its_logs(
    exported: InMemorySpanExporter, stub: echo_pb2_grpc.EchoServiceStub, json_logs: LogLines
) -> None:
    with span("caller") as caller:
        assert caller is not None
        answer = await stub.Echo(echo_pb2.EchoRequest(text="traced"))
    # The client span ends once the call has reported its status, in a task of its own.
    await asyncio.gather(*client_spans_ending)
    shutdown_tracing()  # exports what is buffered

    by_kind = {made.kind: made for made in exported.get_finished_spans()}
    client, server = by_kind[SpanKind.CLIENT], by_kind[SpanKind.SERVER]
    trace_id, server_span_id = hex_ids(server)
    assert client.name == server.name == "mercato.kittest.v1.EchoService/Echo"
    assert hex_ids(client)[0] == hex_ids(caller)[0] == trace_id
    assert client.parent is not None
    assert client.parent.span_id == caller.get_span_context().span_id
    assert server.parent is not None
    assert server.parent.span_id == client.context.span_id
    assert server.attributes is not None
    assert server.attributes["rpc.grpc.status_code"] == 0
    assert answer.traceparent.startswith(f"00-{trace_id}-{server_span_id}-")
    [echoing] = json_logs.records("echoing")
    assert (echoing["trace_id"], echoing["span_id"]) == (trace_id, server_span_id)


async def test_a_failed_call_marks_only_the_servers_own_failures_as_errors(
    exported: InMemorySpanExporter, stub: echo_pb2_grpc.EchoServiceStub
) -> None:
    for error in ("not_found", "unexpected"):
        with contextlib.suppress(grpc.aio.AioRpcError):
            await stub.Fail(echo_pb2.FailRequest(error=error))
    shutdown_tracing()

    servers = [s for s in exported.get_finished_spans() if s.kind == SpanKind.SERVER]
    codes = {s.attributes["rpc.grpc.status_code"]: s.status.status_code.name for s in servers}  # type: ignore[index]
    assert codes == {5: "UNSET", 13: "ERROR"}  # NOT_FOUND is the caller's; INTERNAL ours


async def test_an_event_made_in_a_span_names_it_and_without_tracing_the_trace_travels_as_before(
    exported: InMemorySpanExporter,
) -> None:
    with span("handler") as handler:
        assert handler is not None
        inside = EventEnvelope.new(
            StringValue(value="x"),
            aggregate_type="kit.example",
            aggregate_id="a",
            aggregate_version=1,
            producer="kittest",
        )
    trace_id, span_id = hex_ids(handler)
    assert inside.traceparent.startswith(f"00-{trace_id}-{span_id}-")

    shutdown_tracing()
    assert not tracing_enabled()
    caller = MessageContext(correlation_id="c", traceparent=new_traceparent())
    with bind_context(caller), span("nothing") as nothing:
        assert nothing is None
        outside = EventEnvelope.new(
            StringValue(value="x"),
            aggregate_type="kit.example",
            aggregate_id="a",
            aggregate_version=1,
            producer="kittest",
        )
    assert parse_traceparent(outside.traceparent) == parse_traceparent(caller.traceparent)
    assert outside.traceparent != caller.traceparent  # a span id of its own, as before
