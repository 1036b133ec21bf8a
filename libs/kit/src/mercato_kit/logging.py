"""Structured logging: structlog everywhere, JSON lines when not on a terminal.

Every line carries the service name, level, ISO timestamp and whatever is bound in the
context (the correlation id above all), and, while an OpenTelemetry span is current
(`mercato_kit.tracing`), its `trace_id` and `span_id`. Standard-library loggers (grpc,
aiokafka, alembic) are routed through the same renderer, so a service's output is one JSON stream.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from opentelemetry import trace

__all__ = ["configure_logging", "get_logger"]


def configure_logging(service: str, level: str = "INFO", json: bool | None = None) -> None:
    """Configure structlog and the standard library for one service process."""
    render_json = not sys.stderr.isatty() if json is None else json
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        _add_trace,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if render_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    # Nothing a line shows needs the caller's frame, thread, process or multiprocessing name:
    # skip computing them for every record (the logging HOWTO's "Optimization"). A service
    # logs one access line per gRPC call.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def _add_service(service: str) -> Any:
    def processor(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        event_dict.setdefault("service", service)
        return event_dict

    return processor


def _add_trace(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", f"{context.trace_id:032x}")
        event_dict.setdefault("span_id", f"{context.span_id:016x}")
    return event_dict


def get_logger(name: str | None = None) -> Any:
    """A structlog logger (bound to the current context at each call)."""
    return structlog.stdlib.get_logger(name)
