"""Traces: OpenTelemetry spans for the kit's edges, joined through the traceparent Mercato carries.

Off unless the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
is set and `OTEL_SDK_DISABLED` is not "true": the runtime then calls
`configure_tracing(service)`, which exports spans in batches by OTLP/gRPC (the exporter reads
the other `OTEL_EXPORTER_OTLP_*` and `OTEL_BSP_*` variables; `OTEL_TRACES_SAMPLER` chooses the
sampler). Off, every function here returns at once and no span is ever made.

The spans the kit makes (each named as OpenTelemetry's conventions name them):

| span | kind | parent | where |
|---|---|---|---|
| `<package.Service>/<Method>` | server | the caller's `traceparent` metadata | the gRPC edge |
| `<package.Service>/<Method>` | client | the current span | `open_channel`'s calls |
| `append <aggregate>` | internal | the current span | the outbox writer |
| `publish <topic>` | producer | the event's traceparent | the outbox relay |
| `process <topic>` | consumer | the event's traceparent | the idempotent consumer |

An event's envelope carries the traceparent of the span current when it was made (the RPC or
the consumed event that caused it), so a flow across services is one trace. While a span is
current, the bound `MessageContext.traceparent` is that span's, and every log line carries
its `trace_id` and `span_id` (`mercato_kit.logging`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = [
    "SpanKind",
    "active_traceparent",
    "configure_tracing",
    "end_span",
    "shutdown_tracing",
    "span",
    "start_span",
    "traceparent_of",
    "tracing_enabled",
    "tracing_requested",
]

_tracer: Tracer | None = None
_provider: Any = None
_propagator = TraceContextTextMapPropagator()
_OFF: AbstractContextManager[None] = nullcontext()


def tracing_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment asks for traces (an OTLP endpoint, the SDK not disabled)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def configure_tracing(service: str, *, exporter: Any = None) -> bool:
    """Export this process's spans by OTLP when the environment asks for it (or to `exporter`,
    a SpanExporter, when given); True when tracing is now on."""
    global _tracer, _provider
    if exporter is None and not tracing_requested():
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if exporter is None:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    _provider = provider
    _tracer = provider.get_tracer("mercato_kit")
    return True


def shutdown_tracing() -> None:
    """Export the spans still buffered and stop (the runtime's last step); tracing is off after."""
    global _tracer, _provider
    provider, _provider, _tracer = _provider, None, None
    if provider is not None:
        provider.shutdown()


def tracing_enabled() -> bool:
    """Whether spans are being made."""
    return _tracer is not None


def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    errors: bool = True,
) -> AbstractContextManager[Span | None]:
    """A span current for the block (None, and nothing made, when tracing is off).

    `parent`: None makes it a child of the current span; a traceparent makes it that span's
    child (a new trace when the value is empty or invalid). With `errors`, an exception
    leaving the block marks the span failed (the gRPC edge sets the status itself)."""
    if _tracer is None:
        return _OFF
    return _current_span(_tracer, name, kind, parent, attributes, errors)


@contextmanager
def _current_span(
    tracer: Tracer,
    name: str,
    kind: SpanKind,
    parent: str | None,
    attributes: Mapping[str, Any] | None,
    errors: bool,
) -> Iterator[Span]:
    with tracer.start_as_current_span(
        name,
        context=_context_of(parent),
        kind=kind,
        attributes=attributes,
        record_exception=errors,
        set_status_on_exception=errors,
    ) as made:
        yield made


def start_span(
    name: str,
    *,
    kind: SpanKind,
    parent: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Span | None:
    """A span that is not made current, for work that ends elsewhere (an outgoing call, a
    batch being published); end it with `end_span`. None when tracing is off."""
    if _tracer is None:
        return None
    return _tracer.start_span(name, context=_context_of(parent), kind=kind, attributes=attributes)


def end_span(made: Span | None, error: BaseException | str | None = None) -> None:
    """End a span from `start_span`, failed when `error` says why."""
    if made is None:
        return
    if error is not None:
        made.set_status(Status(StatusCode.ERROR, str(error) or type(error).__name__))
    made.end()


def traceparent_of(made: Span) -> str:
    """The W3C traceparent naming `made` (what its children are sent with)."""
    context = made.get_span_context()
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def active_traceparent() -> str | None:
    """The traceparent of the current span, or None (always None when tracing is off)."""
    if _tracer is None:
        return None
    current = trace.get_current_span()
    if not current.get_span_context().is_valid:
        return None
    return traceparent_of(current)


def _context_of(parent: str | None) -> Context | None:
    if parent is None:
        return None  # the current context
    return _propagator.extract({"traceparent": parent}, context=Context())
