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

__all__ = ["configure_logging", "get_logger", "log_line"]


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
    global _direct
    _direct = _Direct((*shared, renderer), handler)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class _Direct:
    """What `log_line` needs to render a line itself: the chain of `configure_logging`
    (structlog's processors, then the renderer) and the handler it writes to."""

    def __init__(self, processors: tuple[Any, ...], handler: logging.StreamHandler[Any]) -> None:
        self.processors = processors
        self.handler = handler


_direct: _Direct | None = None
_LEVEL_NAMES = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning"}


def log_line(name: str, level: int, event: str, **fields: Any) -> None:
    """Write `get_logger(name).<level>(event, **fields)`'s line (the same fields, the same
    rendering) rendered once, straight to the handler `configure_logging` installed: no
    structlog bound logger, no second pass in a formatter, no standard-library record unless
    another handler on the root (pytest's, say) is to get one too. For a line per call (the
    gRPC access line). Takes the ordinary path when `configure_logging`'s handler is not the
    root's or a logger on the way has handlers of its own."""
    logger = logging.getLogger(name)
    if not logger.isEnabledFor(level):
        return
    direct = _direct
    method = _LEVEL_NAMES.get(level)
    others = None if direct is None else _other_handlers(logger, direct.handler)
    if direct is None or method is None or others is None:
        getattr(get_logger(name), method or "info")(event, **fields)
        return
    event_dict: Any = {**fields, "event": event}
    for processor in direct.processors[:-1]:
        event_dict = processor(None, method, event_dict)
    if others:
        record = logger.makeRecord(
            name,
            level,
            "(unknown file)",
            0,
            dict(event_dict),
            (),
            None,
            extra={"_logger": logger, "_name": method},
        )
        for other in others:
            if level >= other.level:
                other.handle(record)
    handler = direct.handler
    if level < handler.level or handler.filters:
        return
    line = direct.processors[-1](None, method, event_dict)
    handler.acquire()
    try:
        handler.stream.write(line + handler.terminator)
        handler.flush()
    finally:
        handler.release()


def _other_handlers(logger: logging.Logger, handler: logging.Handler) -> list[Any] | None:
    """The root's handlers besides `handler`, when a record of `logger` reaches `handler` on
    the root and nothing on the way; None otherwise."""
    current: Any = logger
    while current.parent is not None:
        if current.handlers or not current.propagate:
            return None
        current = current.parent
    if handler not in current.handlers:
        return None
    return [other for other in current.handlers if other is not handler]


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
