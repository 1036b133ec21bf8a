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

An address may name several instances of a service; the channel balances calls over them
round robin (gRPC's `round_robin` policy, one connection to each instance; a call never goes to
an instance that is down while another is up):

- "host:port": one instance (or every address a DNS name resolves to);
- "127.0.0.1:50061,127.0.0.1:50062": several (IP literals), made `ipv4:...`/`ipv6:...`;
- a gRPC target name as is: "ipv4:127.0.0.1:50061,127.0.0.1:50062", or "dns:///orders:50053"
  (a Kubernetes headless Service: every pod's address, re-resolved when a connection drops).

The peer-address variables (`ORDERS_CATALOG_ADDR`, `IDENTITY_GRPC_ADDR`...) take any of these;
the launcher writes the `ipv4:` form, which a plain `grpc.insecure_channel` also accepts.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Sequence
from typing import Annotated, Any

import grpc
from pydantic import AfterValidator

from mercato_kit.context import current_context
from mercato_kit.grpc._interceptors import CORRELATION_ID_KEY, TRACEPARENT_KEY
from mercato_kit.tracing import SpanKind, end_span, start_span, traceparent_of, tracing_enabled

__all__ = [
    "BALANCING_OPTIONS",
    "CHANNEL_OPTIONS",
    "MAX_MESSAGE_BYTES",
    "PeerAddress",
    "channel_target",
    "open_channel",
]

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
"""The largest message a Mercato server accepts (gRPC's default receive limit, 4 MiB); a
client sends no larger and accepts no larger, so an oversized message fails at its sender."""

BALANCING_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.service_config", json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})),
)
"""Round robin over every address of a target (gRPC's default, pick_first, sends every call to
the first address that answers). Part of `CHANNEL_OPTIONS`; a synchronous client (the CLI's)
passes it to `grpc.insecure_channel(channel_target(address), options=BALANCING_OPTIONS)`."""

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
    *BALANCING_OPTIONS,
)
"""The options every channel from `open_channel` has (a caller's own options come after them,
so they win)."""


def channel_target(address: str) -> str:
    """The gRPC target for `address`: one "host:port", several comma-separated IP "host:port"s
    (-> "ipv4:a:1,b:2", or "ipv6:[::1]:1,..."), or a target name with its scheme ("dns:///...",
    "ipv4:..."), returned as is. ValueError naming what is wrong otherwise."""
    address = address.strip()
    if "," not in address or address.startswith(("ipv4:", "ipv6:", "dns:", "unix:")):
        return address
    parts = [part.strip() for part in address.split(",")]
    families = set()
    for part in parts:
        host, separator, port = part.rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if not separator or not port.isdigit():
            raise ValueError(f"expected host:port in {address!r}, got {part!r}")
        try:
            families.add(ipaddress.ip_address(host).version)
        except ValueError:
            raise ValueError(
                f"several addresses must be IP literals (or one dns:///name:port), got {part!r}"
            ) from None
    if len(families) != 1:
        raise ValueError(f"several addresses must all be IPv4 or all IPv6: {address!r}")
    return f"ipv{families.pop()}:{','.join(parts)}"


def _peer_address(value: str) -> str:
    channel_target(value)  # ValueError saying what is wrong
    return value.strip()


PeerAddress = Annotated[str, AfterValidator(_peer_address)]
"""A setting naming a peer's instances (what `open_channel` takes): `catalog_addr: PeerAddress`
refuses at start-up, naming the variable, what `channel_target` cannot use."""


def open_channel(
    address: str,
    *,
    options: Sequence[tuple[str, Any]] = (),
    interceptors: Sequence[Any] = (),
    credentials: grpc.ChannelCredentials | None = None,
) -> grpc.aio.Channel:
    """A grpc.aio channel to `address` ("host:port", several, or a target name: see the module
    docstring; TLS with `credentials`, else plaintext), balancing round robin over its
    instances, whose calls carry the current MessageContext. Create it inside
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
    target = channel_target(address)
    if credentials is not None:
        return grpc.aio.secure_channel(
            target, credentials, options=[*CHANNEL_OPTIONS, *options], interceptors=every
        )
    return grpc.aio.insecure_channel(
        target, options=[*CHANNEL_OPTIONS, *options], interceptors=every
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
