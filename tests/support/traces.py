"""A real OTLP trace receiver for the tests: the OpenTelemetry collector's TraceService
(opentelemetry-proto's stubs) on a gRPC server in this process, keeping every span it is sent.

    with TraceReceiver.running() as receiver:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint     # http://127.0.0.1:<port>
        ...
        spans = receiver.spans(trace_id)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2

from mercato_localinfra._process import free_port


@dataclass(frozen=True)
class ReceivedSpan:
    """One exported span, with the service (resource `service.name`) that sent it."""

    service: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]


class TraceReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    """Keeps the spans exported to it (thread-safe: gRPC calls Export from its pool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[ReceivedSpan] = []
        self.endpoint = ""

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: Any
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        received = []
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            service = str(resource.get("service.name", ""))
            for scope_spans in resource_spans.scope_spans:
                received.extend(_span(service, span) for span in scope_spans.spans)
        with self._lock:
            self._spans.extend(received)
        return trace_service_pb2.ExportTraceServiceResponse()

    def spans(self, trace_id: str | None = None) -> list[ReceivedSpan]:
        """The spans received so far (of one trace, given its id in hex)."""
        with self._lock:
            return [s for s in self._spans if trace_id is None or s.trace_id == trace_id]

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[TraceReceiver]:
        """A receiver listening on a free loopback port until the block ends."""
        receiver = cls()
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, server)
        port = server.add_insecure_port(f"127.0.0.1:{free_port()}")
        server.start()
        receiver.endpoint = f"http://127.0.0.1:{port}"
        try:
            yield receiver
        finally:
            server.stop(grace=None)


def _span(service: str, span: trace_pb2.Span) -> ReceivedSpan:
    return ReceivedSpan(
        service=service,
        name=span.name,
        kind=trace_pb2.Span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=span.parent_span_id.hex(),
        attributes=_attributes(span.attributes),
    )


def _attributes(pairs: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        kind = pair.value.WhichOneof("value")
        values[pair.key] = getattr(pair.value, kind) if kind else None
    return values
