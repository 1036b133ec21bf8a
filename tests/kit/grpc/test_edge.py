"""The gRPC edge over a real channel: health, reflection, error mapping, correlation, access log."""

from __future__ import annotations

import asyncio
import logging
import re

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.context import MessageContext, bind_context, new_traceparent
from mercato_kit.errors import Unauthenticated
from mercato_kit.grpc import (
    CORRELATION_ID_KEY,
    INVALID_FIELD_KEY,
    RETRY_AFTER_KEY,
    TRACEPARENT_KEY,
    Call,
    CallInterceptor,
    create_server,
)
from mercato_kit.ids import new_id
from mercato_kit.logging import get_logger, log_line
from tests.kit.grpc._support import LogLines, RunningEcho
from tests.kit.grpc.echo_service import ERRORS, SECRET, EchoServicer

pytestmark = pytest.mark.asyncio(loop_scope="session")

TIMEOUT = 10
ECHO_SERVICE = "mercato.kittest.v1.EchoService"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


async def collect(call: grpc.aio.UnaryStreamCall, into: list[int]) -> None:
    """Read a stream to its end, keeping each response's index."""
    async for response in call:
        into.append(response.index)


def trailer(error: grpc.aio.AioRpcError, key: str) -> str | None:
    return dict(error.trailing_metadata() or ()).get(key)


async def test_health_answers_serving_for_the_server_and_each_service(echo: RunningEcho) -> None:
    health = health_pb2_grpc.HealthStub(echo.channel)

    overall = await health.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
    service = await health.Check(
        health_pb2.HealthCheckRequest(service=ECHO_SERVICE), timeout=TIMEOUT
    )

    assert overall.status == health_pb2.HealthCheckResponse.SERVING
    assert service.status == health_pb2.HealthCheckResponse.SERVING


async def test_health_watch_streams_the_status_through_the_interceptors(
    echo: RunningEcho,
) -> None:
    watch = health_pb2_grpc.HealthStub(echo.channel).Watch(
        health_pb2.HealthCheckRequest(service=ECHO_SERVICE), timeout=TIMEOUT
    )

    first = await watch.read()
    watch.cancel()

    assert first.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_registered_services(echo: RunningEcho) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(echo.channel)
    ask = reflection_pb2.ServerReflectionRequest(list_services="")

    answers = [answer async for answer in reflection.ServerReflectionInfo(iter([ask]))]

    names = {service.name for service in answers[0].list_services_response.service}
    assert {ECHO_SERVICE, "grpc.health.v1.Health"} <= names
    assert "grpc.reflection.v1alpha.ServerReflection" in names


async def test_reflection_describes_a_registered_service(echo: RunningEcho) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(echo.channel)
    ask = reflection_pb2.ServerReflectionRequest(file_containing_symbol=ECHO_SERVICE)

    answers = [answer async for answer in reflection.ServerReflectionInfo(iter([ask]))]

    assert answers[0].file_descriptor_response.file_descriptor_proto


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("not_found", grpc.StatusCode.NOT_FOUND),
        ("already_exists", grpc.StatusCode.ALREADY_EXISTS),
        ("failed_precondition", grpc.StatusCode.FAILED_PRECONDITION),
        ("concurrency", grpc.StatusCode.ABORTED),
        ("permission_denied", grpc.StatusCode.PERMISSION_DENIED),
        ("unauthenticated", grpc.StatusCode.UNAUTHENTICATED),
        ("invalid_argument", grpc.StatusCode.INVALID_ARGUMENT),
        ("idempotency_key_reused", grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
async def test_each_domain_error_becomes_its_status_code_with_its_message(
    echo: RunningEcho, error: str, code: grpc.StatusCode
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo.stub.Fail(echo_pb2.FailRequest(error=error), timeout=TIMEOUT)

    assert raised.value.code() == code
    assert raised.value.details() == ERRORS[error].message


async def test_an_invalid_argument_names_its_field_in_the_trailers(echo: RunningEcho) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo.stub.Fail(echo_pb2.FailRequest(error="invalid_argument"), timeout=TIMEOUT)

    assert trailer(raised.value, INVALID_FIELD_KEY) == "lines[0].sku"
    assert trailer(raised.value, CORRELATION_ID_KEY)


@pytest.mark.parametrize("error", ["database_locked", "database_down"])
async def test_a_database_that_is_down_or_locked_is_unavailable_with_a_retry_delay(
    echo: RunningEcho, error: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo.stub.Fail(echo_pb2.FailRequest(error=error), timeout=TIMEOUT)

    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "retry" in (raised.value.details() or "")
    assert SECRET not in f"{raised.value.details()} {raised.value.trailing_metadata()!r}"
    assert float(trailer(raised.value, RETRY_AFTER_KEY)) > 0


async def test_an_unexpected_error_is_internal_without_details_and_its_traceback_is_logged(
    echo: RunningEcho, json_logs: LogLines
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo.stub.Fail(echo_pb2.FailRequest(error="unexpected"), timeout=TIMEOUT)

    correlation_id = trailer(raised.value, CORRELATION_ID_KEY)
    assert raised.value.code() == grpc.StatusCode.INTERNAL
    assert raised.value.details() == f"internal error (correlation id {correlation_id})"
    told = f"{raised.value.details()} {raised.value.debug_error_string()} "
    told += repr(raised.value.trailing_metadata())
    assert SECRET not in told
    assert "Traceback" not in told
    assert "RuntimeError" not in told
    [logged] = json_logs.records("unexpected error in grpc handler")
    assert logged["level"] == "error"
    assert logged["correlation_id"] == correlation_id
    assert "Traceback (most recent call last)" in logged["exception"]
    assert f"RuntimeError: cannot reach the database at {SECRET}" in logged["exception"]


async def test_a_server_stream_sends_every_response_within_one_context(echo: RunningEcho) -> None:
    call = echo.stub.EchoStream(echo_pb2.EchoStreamRequest(text="hi", count=3), timeout=TIMEOUT)

    responses = [response async for response in call]

    assert [(r.text, r.index) for r in responses] == [("hi", 0), ("hi", 1), ("hi", 2)]
    assert {r.correlation_id for r in responses} == {
        dict(await call.trailing_metadata())[CORRELATION_ID_KEY]
    }


async def test_clients_that_cancel_a_stream_midway_leave_the_server_serving(
    echo: RunningEcho,
) -> None:
    for _ in range(30):
        call = echo.stub.EchoStream(
            echo_pb2.EchoStreamRequest(text="long", count=10, pause_ms=200), timeout=TIMEOUT
        )
        async for _response in call:
            break
        call.cancel()
    await asyncio.sleep(0.5)

    answer = await echo.stub.Echo(echo_pb2.EchoRequest(text="still here"), timeout=TIMEOUT)

    assert answer.text == "still here"


async def test_a_domain_error_raised_mid_stream_ends_it_with_its_code(echo: RunningEcho) -> None:
    call = echo.stub.EchoStream(
        echo_pb2.EchoStreamRequest(text="hi", count=2, fail_with="not_found"), timeout=TIMEOUT
    )
    received: list[int] = []

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await collect(call, received)

    assert received == [0, 1]
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert raised.value.details() == ERRORS["not_found"].message


async def test_an_unexpected_error_mid_stream_is_internal(echo: RunningEcho) -> None:
    call = echo.stub.EchoStream(
        echo_pb2.EchoStreamRequest(text="hi", count=1, fail_with="unexpected"), timeout=TIMEOUT
    )

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await collect(call, [])

    assert raised.value.code() == grpc.StatusCode.INTERNAL
    assert SECRET not in (raised.value.details() or "")


async def test_the_callers_correlation_id_reaches_the_handler_its_logs_and_the_trailers(
    echo: RunningEcho, json_logs: LogLines
) -> None:
    given = "0190a4b2-5e6f-7a8b-9c0d-1e2f3a4b5c6d"

    call = echo.stub.Echo(
        echo_pb2.EchoRequest(text="hello"),
        metadata=((CORRELATION_ID_KEY, given),),
        timeout=TIMEOUT,
    )
    response = await call

    assert response.correlation_id == given
    assert dict(await call.trailing_metadata())[CORRELATION_ID_KEY] == given
    [handler_line] = json_logs.records("echoing")
    assert handler_line["correlation_id"] == given
    [access_line] = json_logs.records("grpc call")
    assert access_line["correlation_id"] == given


@pytest.mark.parametrize("given", [None, "", "not-a-uuid", "0190a4b2'; DROP TABLE events;--"])
async def test_a_correlation_id_is_generated_when_absent_or_malformed(
    echo: RunningEcho, json_logs: LogLines, given: str | None
) -> None:
    metadata = () if given is None else ((CORRELATION_ID_KEY, given),)

    call = echo.stub.Echo(echo_pb2.EchoRequest(text="hello"), metadata=metadata, timeout=TIMEOUT)
    response = await call

    assert UUID.fullmatch(response.correlation_id)
    assert dict(await call.trailing_metadata())[CORRELATION_ID_KEY] == response.correlation_id
    [handler_line] = json_logs.records("echoing")
    assert handler_line["correlation_id"] == response.correlation_id


async def test_each_call_gets_its_own_correlation_id(echo: RunningEcho) -> None:
    first = await echo.stub.Echo(echo_pb2.EchoRequest(text="a"), timeout=TIMEOUT)
    second = await echo.stub.Echo(echo_pb2.EchoRequest(text="b"), timeout=TIMEOUT)

    assert first.correlation_id != second.correlation_id


async def test_the_callers_trace_continues_in_the_handler(echo: RunningEcho) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent = f"00-{trace_id}-00f067aa0ba902b7-01"

    response = await echo.stub.Echo(
        echo_pb2.EchoRequest(text="hello"), metadata=((TRACEPARENT_KEY, parent),), timeout=TIMEOUT
    )

    assert response.traceparent.startswith(f"00-{trace_id}-")
    assert response.traceparent != parent


async def test_each_call_writes_one_access_log_line(echo: RunningEcho, json_logs: LogLines) -> None:
    await echo.stub.Echo(echo_pb2.EchoRequest(text="hello"), timeout=TIMEOUT)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await echo.stub.Fail(echo_pb2.FailRequest(error="not_found"), timeout=TIMEOUT)

    ok, failed = json_logs.records("grpc call")
    assert ok["method"] == f"/{ECHO_SERVICE}/Echo"
    assert ok["code"] == "OK"
    assert failed["method"] == f"/{ECHO_SERVICE}/Fail"
    assert failed["code"] == "NOT_FOUND"
    assert failed["correlation_id"] == trailer(raised.value, CORRELATION_ID_KEY)
    for line in (ok, failed):
        assert line["level"] == "info"
        assert line["service"] == "kittest"
        assert isinstance(line["duration_ms"], float)
        assert line["duration_ms"] >= 0
        assert line["peer"].startswith("ipv4:127.0.0.1:")
        assert line["timestamp"]


async def test_health_probes_are_logged_at_debug_only(
    echo: RunningEcho, json_logs: LogLines
) -> None:
    await health_pb2_grpc.HealthStub(echo.channel).Check(
        health_pb2.HealthCheckRequest(), timeout=TIMEOUT
    )

    [line] = json_logs.records("grpc call")
    assert line["method"] == "/grpc.health.v1.Health/Check"
    assert line["level"] == "debug"


async def test_bytes_that_are_not_the_request_message_are_invalid_argument(
    echo: RunningEcho,
) -> None:
    raw = echo.channel.unary_unary(f"/{ECHO_SERVICE}/Echo")

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await raw(b"\x0a\xff\xff\xff\xff\x0f", timeout=TIMEOUT)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailer(raised.value, INVALID_FIELD_KEY) == "request"
    assert "mercato.kittest.v1.EchoRequest" in (raised.value.details() or "")


class _RequireToken(CallInterceptor):
    """A service's own interceptor: refuses calls without a token."""

    def check_request(self, request: object, call: Call) -> None:
        if call.metadata("authorization") != "Bearer good":
            raise Unauthenticated("a bearer token is required")


async def test_a_service_interceptor_may_raise_domain_errors_and_runs_before_validation(
    json_logs: LogLines,
) -> None:
    server = create_server("127.0.0.1:0", interceptors=[_RequireToken()], grace=1)
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoServicer(), server)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.bound_address) as channel:
            stub = echo_pb2_grpc.EchoServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.Echo(echo_pb2.EchoRequest(), timeout=TIMEOUT)
            with pytest.raises(grpc.aio.AioRpcError) as invalid:
                await stub.Echo(
                    echo_pb2.EchoRequest(),
                    metadata=(("authorization", "Bearer good"),),
                    timeout=TIMEOUT,
                )
    finally:
        await server.stop(grace=1)

    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details() == "a bearer token is required"
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT


class _CountCalls(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """A service's own interceptor that is a plain grpc.aio one (not a CallInterceptor)."""

    def __init__(self) -> None:
        self.methods: list[str] = []

    async def intercept_service(self, continuation, handler_call_details):  # type: ignore[no-untyped-def]
        self.methods.append(handler_call_details.method)
        return await continuation(handler_call_details)


async def test_a_plain_grpc_interceptor_of_a_service_keeps_the_edge_around_it(
    json_logs: LogLines,
) -> None:
    counter = _CountCalls()
    server = create_server("127.0.0.1:0", interceptors=[counter], grace=1)
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoServicer(), server)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(server.bound_address) as channel:
            stub = echo_pb2_grpc.EchoServiceStub(channel)
            await stub.Echo(echo_pb2.EchoRequest(text="hello"), timeout=TIMEOUT)
            with pytest.raises(grpc.aio.AioRpcError) as invalid:
                await stub.Echo(echo_pb2.EchoRequest(), timeout=TIMEOUT)
    finally:
        await server.stop(grace=1)

    assert counter.methods == [f"/{ECHO_SERVICE}/Echo"] * 2
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert UUID.fullmatch(trailer(invalid.value, CORRELATION_ID_KEY) or "")
    assert [line["code"] for line in json_logs.records("grpc call")] == ["OK", "INVALID_ARGUMENT"]


async def test_concurrent_calls_keep_their_own_contexts(echo: RunningEcho) -> None:
    ids = [f"0190a4b2-5e6f-7a8b-9c0d-1e2f3a4b5c{n:02d}" for n in range(20)]

    responses = await asyncio.gather(
        *(
            echo.stub.Echo(
                echo_pb2.EchoRequest(text="x"),
                metadata=((CORRELATION_ID_KEY, given),),
                timeout=TIMEOUT,
            )
            for given in ids
        )
    )

    assert [response.correlation_id for response in responses] == ids


async def test_the_access_line_rendered_directly_is_the_structlog_loggers_line(
    json_logs: LogLines,
) -> None:
    context = MessageContext(correlation_id=new_id(), traceparent=new_traceparent())
    with bind_context(context):
        log_line("mercato_kit.grpc", logging.INFO, "grpc call", method="/a.B/C", duration_ms=1.5)
        get_logger("mercato_kit.grpc").info("grpc call", method="/a.B/C", duration_ms=1.5)
        log_line("mercato_kit.grpc", logging.DEBUG, "grpc call", method="/grpc.health.v1/X")
        get_logger("mercato_kit.grpc").debug("grpc call", method="/grpc.health.v1/X")

    direct, ordinary, direct_debug, ordinary_debug = json_logs.records("grpc call")
    for one, other in ((direct, ordinary), (direct_debug, ordinary_debug)):
        assert one.pop("timestamp")
        assert other.pop("timestamp")
        assert list(one.items()) == list(other.items())
    assert direct["correlation_id"] == context.correlation_id
    assert direct["level"] == "info"
    assert direct_debug["level"] == "debug"
    assert direct["service"] == "kittest"
