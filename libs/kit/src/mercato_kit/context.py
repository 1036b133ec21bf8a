"""The message context of the work in progress: correlation id, causation id, trace context.

Set once at each edge (a gRPC call, a consumed event) and read wherever events are created or
logs written, so one flow is traceable from a request through every event and reaction.
Binding also binds structlog's contextvars, so every log line carries the correlation id.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import structlog

from mercato_kit.ids import new_id

__all__ = [
    "MessageContext",
    "bind_context",
    "current_context",
    "new_traceparent",
    "parse_traceparent",
]

_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


@dataclass(frozen=True)
class MessageContext:
    """Who asked for the current work and why: propagated into events, headers and logs."""

    correlation_id: str
    causation_id: str = ""
    traceparent: str = ""


_current: ContextVar[MessageContext | None] = ContextVar("mercato_message_context", default=None)


def current_context() -> MessageContext:
    """The bound context, or a fresh one (new correlation id and trace) when none is bound."""
    context = _current.get()
    if context is None:
        return MessageContext(correlation_id=new_id(), traceparent=new_traceparent())
    return context


def new_traceparent(trace_id: str | None = None) -> str:
    """A W3C traceparent for a new span, in an existing trace when trace_id is given.

    The ids come from `random.getrandbits`, as OpenTelemetry's own `RandomIdGenerator` makes
    them: a trace id must be unique, not secret, and `secrets` reads `os.urandom` (a system
    call) for each. An all-zero id is invalid, so a zero draw becomes 1.
    """
    trace = trace_id or f"{random.getrandbits(128) or 1:032x}"
    return f"00-{trace}-{random.getrandbits(64) or 1:016x}-01"


def parse_traceparent(value: str) -> str | None:
    """The trace id of a valid W3C traceparent, else None."""
    match = _TRACEPARENT.fullmatch(value.strip().lower())
    if match is None or match.group(1) == "0" * 32:
        return None
    return match.group(1)


@contextmanager
def bind_context(context: MessageContext) -> Iterator[MessageContext]:
    """Make `context` current (and bind it into structlog) for the duration of the block."""
    token = _current.set(context)
    fields = {"correlation_id": context.correlation_id}
    if context.causation_id:
        fields["causation_id"] = context.causation_id
    bound = structlog.contextvars.bind_contextvars(**fields)
    try:
        yield context
    finally:
        structlog.contextvars.reset_contextvars(**bound)
        _current.reset(token)
