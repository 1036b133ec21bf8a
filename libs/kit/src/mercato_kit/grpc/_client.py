"""Outgoing gRPC calls: one channel per address, carrying the flow's correlation id and trace.

    channel = open_channel(settings.catalog_addr)      # inside the running event loop
    stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)
    await stub.ReserveStock(request, metadata=await credentials.metadata(), timeout=10)

Every call made on the channel sends `x-correlation-id` and `traceparent` from the bound
MessageContext (the same keys the server's CorrelationInterceptor reads), so the called
service logs and publishes under the caller's correlation id and in the caller's trace. A call
that sets either key itself keeps its own value. When tracing is on (`mercato_kit.tracing`),
each call is a client span, child of the current span, and its traceparent is the span's.
The channel's options match what Mercato's servers accept (`MAX_MESSAGE_BYTES`, keepalive
pings no more often than a server allows).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import grpc

from mercato_kit.context import current_context
from mercato_kit.grpc._interceptors import CORRELATION_ID_KEY, TRACEPARENT_KEY
from mercato_kit.tracing import SpanKind, end_span, start_span, traceparent_of, tracing_enabled

__all__ = ["CHANNEL_OPTIONS", "MAX_MESSAGE_BYTES", "open_channel"]

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
"""The largest message a Mercato server accepts (gRPC's default receive limit, 4 MiB); a
client sends no larger and accepts no larger, so an oversized message fails at its sender."""

CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    # Ping a connection with calls in flight every 5 minutes, and drop it when the ping is not
    # answered in 20 s (a peer that vanished without closing, e.g. a killed pod). Not more
    # often: servers refuse pings more frequent than every 5 minutes by default (too_many_pings).
    ("grpc.keepalive_time_ms", 300_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.keepalive_permit_without_calls", 0),
    # A restarted service is reached again within seconds, not after gRPC's 2-minute backoff.
    ("grpc.initial_reconnect_backoff_ms", 500),
    ("grpc.max_reconnect_backoff_ms", 5_000),
)
"""The options every channel from `open_channel` has (a caller's own options come after them,
so they win)."""


def open_channel(
    address: str,
    *,
    options: Sequence[tuple[str, Any]] = (),
    interceptors: Sequence[Any] = (),
    credentials: grpc.ChannelCredentials | None = None,
) -> grpc.aio.Channel:
    """A grpc.aio channel to `address` ("host:port"; TLS with `credentials`, else plaintext)
    whose calls carry the current MessageContext (see the module docstring). Create it inside
    the running event loop, share it for every call to that address, and `await
    channel.close()` when done (a service's `ServiceContext.channel` does both).
    `interceptors` are the caller's own, run after the context's."""
    every = [
        _UnaryUnaryContext(),
        _UnaryStreamContext(),
        _StreamUnaryContext(),
        _StreamStreamContext(),
        *interceptors,
    ]
    if credentials is not None:
        return grpc.aio.secure_channel(
            address, credentials, options=[*CHANNEL_OPTIONS, *options], interceptors=every
        )
    return grpc.aio.insecure_channel(
        address, options=[*CHANNEL_OPTIONS, *options], interceptors=every
    )


def _with_context(details: Any, client_span: Any) -> Any:
    """The call's details with the bound context's metadata added where the caller set none
    (the traceparent of the call's span when there is one)."""
    metadata = grpc.aio.Metadata.from_tuple(tuple(details.metadata or ()))
    context = current_context()
    traceparent = traceparent_of(client_span) if client_span else context.traceparent
    for key, value in (
        (CORRELATION_ID_KEY, context.correlation_id),
        (TRACEPARENT_KEY, traceparent),
    ):
        if value and key not in metadata:
            metadata.add(key, value)
    return details._replace(metadata=metadata)


async def _traced(continuation: Any, details: Any, request: Any) -> Any:
    """Start the call, inside a client span (when tracing is on) that ends with it."""
    if not tracing_enabled():
        return await continuation(_with_context(details, None), request)
    method = details.method
    name = (method.decode() if isinstance(method, bytes) else str(method)).lstrip("/")
    service, _, rpc = name.partition("/")
    client_span = start_span(
        name,
        kind=SpanKind.CLIENT,
        attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc},
    )
    try:
        call = await continuation(_with_context(details, client_span), request)
    except BaseException as exc:
        end_span(client_span, exc)
        raise
    if client_span is not None:
        call.add_done_callback(lambda done: _end_when_answered(client_span, done))
    return call


def _end_when_answered(client_span: Any, call: Any) -> None:
    async def end() -> None:
        try:
            code = await call.code()
        except Exception as exc:  # a call that could not even report its status
            end_span(client_span, exc)
            return
        client_span.set_attribute("rpc.grpc.status_code", code.value[0])
        end_span(client_span, None if code == grpc.StatusCode.OK else code.name)

    _pending.add(task := asyncio.ensure_future(end()))
    task.add_done_callback(_pending.discard)


_pending: set[asyncio.Future[None]] = set()


# grpc.aio files each interceptor under the first call kind it implements: one class per kind.


class _UnaryUnaryContext(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await _traced(continuation, details, request)


class _UnaryStreamContext(grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await _traced(continuation, details, request)


class _StreamUnaryContext(grpc.aio.StreamUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_unary(
        self, continuation: Any, details: Any, request_iterator: Any
    ) -> Any:
        return await _traced(continuation, details, request_iterator)


class _StreamStreamContext(grpc.aio.StreamStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_stream(
        self, continuation: Any, details: Any, request_iterator: Any
    ) -> Any:
        return await _traced(continuation, details, request_iterator)
