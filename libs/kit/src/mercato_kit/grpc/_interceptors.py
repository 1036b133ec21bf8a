"""The interceptors every Mercato gRPC server runs, outermost first.

    CorrelationInterceptor   binds the call's MessageContext (x-correlation-id, traceparent)
    AccessLogInterceptor     one structured line per call: method, code, duration, peer
    ErrorMappingInterceptor  domain errors -> status codes; anything else -> INTERNAL, logged
    (a service's own interceptors, e.g. authentication)
    ValidationInterceptor    each request message against its proto rules

Each wraps the handler's behaviour, whatever its arity, through `CallInterceptor.around` (an
async context manager around the whole call) and `CallInterceptor.check_request` (each
request message before the handler sees it).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import (
    AbstractAsyncContextManager,
    AsyncExitStack,
    asynccontextmanager,
    nullcontext,
)
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import grpc
import sqlalchemy.exc
from google.protobuf.message import DecodeError, Message
from opentelemetry.trace import Status, StatusCode

from mercato_kit.context import (
    MessageContext,
    bind_context,
    current_context,
    new_traceparent,
    parse_traceparent,
)
from mercato_kit.errors import DomainError, InvalidArgument, ResourceExhausted
from mercato_kit.grpc._status import status_code_for
from mercato_kit.grpc._validation import validate
from mercato_kit.ids import new_id
from mercato_kit.logging import get_logger, log_line
from mercato_kit.tracing import SpanKind, span, traceparent_of, tracing_enabled

if TYPE_CHECKING:
    from mercato_kit.metrics import Metrics

__all__ = [
    "CORRELATION_ID_KEY",
    "INVALID_FIELD_KEY",
    "TRACEPARENT_KEY",
    "AccessLogInterceptor",
    "Call",
    "CallInterceptor",
    "CorrelationInterceptor",
    "EdgeInterceptor",
    "ErrorMappingInterceptor",
    "ValidationInterceptor",
]

CORRELATION_ID_KEY = "x-correlation-id"
"""Metadata key of the correlation id, read from the request and sent back in trailers."""
TRACEPARENT_KEY = "traceparent"
"""Metadata key of the W3C trace context."""
INVALID_FIELD_KEY = "x-invalid-field"
"""Trailer naming the offending field (dotted path) of an INVALID_ARGUMENT answer."""
RETRY_AFTER_KEY = "retry-after"
"""Trailer of a RESOURCE_EXHAUSTED answer: seconds (a decimal) before the same call may pass."""

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Probes and tooling call these constantly: their access lines go to DEBUG.
_QUIET_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
_LOGGER = "mercato_kit.grpc"
# Wrapped handlers kept per interceptor: methods a server serves (an unknown method has no
# handler and is never kept).
_MAX_KEPT_HANDLERS = 1024


@dataclass(frozen=True)
class Call:
    """One incoming call as an interceptor sees it."""

    method: str
    """The full method name, `/package.Service/Method`."""
    context: Any
    """The call's `grpc.aio.ServicerContext`."""

    def metadata(self, key: str) -> str | None:
        """The first value of an (ASCII) invocation metadata key, if sent."""
        for item_key, value in self.context.invocation_metadata() or ():
            if item_key == key and isinstance(value, str):
                return value
        return None

    def add_trailing_metadata(self, key: str, value: str) -> None:
        """Add one trailer, keeping those already set."""
        kept = tuple(item for item in self.context.trailing_metadata() or () if item[0] != key)
        self.context.set_trailing_metadata((*kept, (key, _metadata_safe(value))))


class CallInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Base of the edge's interceptors: wraps every call's handler, whatever its arity.

    Subclasses override `around` (an async context manager entered before the handler and
    left after its last response) and/or `check_request` (called with each request message).
    """

    def around(self, call: Call) -> AbstractAsyncContextManager[None]:
        """What to do around the whole call; by default nothing."""
        return nullcontext()

    def check_request(self, request: Any, call: Call) -> None:
        """Inspect one request message before the handler sees it; raise to refuse it."""

    async def intercept_service(
        self,
        continuation: Callable[[Any], Awaitable[Any]],
        handler_call_details: Any,
    ) -> Any:
        """Wrap the handler that the rest of the chain found for this call.

        grpc.aio asks every interceptor on every call; the rest of the chain answers a method
        with the same handler each time, so its wrapping is made once per method and kept.
        """
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        wrapped = self.__dict__.setdefault("_wrapped_handlers", {})
        kept = wrapped.get(method)
        if kept is not None and kept[0] is handler:
            return kept[1]
        wrapper = self._wrap(handler, method)
        if len(wrapped) < _MAX_KEPT_HANDLERS:
            wrapped[method] = (handler, wrapper)
        return wrapper

    def _wrap(self, handler: Any, method: str) -> Any:
        if not handler.request_streaming and not handler.response_streaming:
            return handler._replace(unary_unary=self._unary_unary(handler.unary_unary, method))
        if not handler.request_streaming:
            return handler._replace(unary_stream=self._unary_stream(handler.unary_stream, method))
        if not handler.response_streaming:
            return handler._replace(stream_unary=self._stream_unary(handler.stream_unary, method))
        return handler._replace(stream_stream=self._stream_stream(handler.stream_stream, method))

    def _unary_unary(self, inner: Any, method: str) -> Any:
        async def behaviour(request: Any, context: Any) -> Any:
            call = Call(method, context)
            async with self.around(call):
                self.check_request(request, call)
                return await _settle(inner(request, context))

        return behaviour

    def _unary_stream(self, inner: Any, method: str) -> Any:
        async def behaviour(request: Any, context: Any) -> None:
            call = Call(method, context)
            async with self.around(call):
                self.check_request(request, call)
                await _write_responses(inner(request, context), context)

        return behaviour

    def _stream_unary(self, inner: Any, method: str) -> Any:
        async def behaviour(requests: AsyncIterator[Any], context: Any) -> Any:
            call = Call(method, context)
            async with self.around(call):
                return await _settle(inner(self._checked(requests, call), context))

        return behaviour

    def _stream_stream(self, inner: Any, method: str) -> Any:
        async def behaviour(requests: AsyncIterator[Any], context: Any) -> None:
            call = Call(method, context)
            async with self.around(call):
                await _write_responses(inner(self._checked(requests, call), context), context)

        return behaviour

    async def _checked(self, requests: AsyncIterator[Any], call: Call) -> AsyncIterator[Any]:
        async for request in requests:
            self.check_request(request, call)
            yield request


async def _settle(result: Any) -> Any:
    """A handler's answer, whether it is a coroutine's or a plain function's."""
    return await result if inspect.isawaitable(result) else result


async def _write_responses(result: Any, context: Any) -> None:
    """Send a streaming handler's responses with `context.write`, in the call's own task: the
    handler's async generator (closed here, in this task, however the call ends — a client
    that cancels included), a sync iterable, or nothing when the handler is a coroutine that
    writes them itself. grpc.aio never iterates a generator of ours: a generator it was
    iterating, closed from another task when the client cancelled, crashed the process."""
    if hasattr(result, "__aiter__"):
        responses = result.__aiter__()
        try:
            async for response in responses:
                await context.write(response)
        finally:
            close = getattr(responses, "aclose", None)
            if close is not None:
                await close()
    elif inspect.isawaitable(result):
        await result
    elif result is not None:
        for response in result:
            await context.write(response)


class CorrelationInterceptor(CallInterceptor):
    """Binds a MessageContext for the call, so its logs and events carry the correlation id.

    The id comes from `x-correlation-id` (a UUID), or is a new UUIDv7 when that is absent or
    malformed; the trace continues the caller's `traceparent` when valid. The id goes back
    to the caller in the trailing metadata, on success and on failure alike. When tracing is
    on (`mercato_kit.tracing`) the call is a server span, child of the caller's traceparent,
    and the bound traceparent is the span's.
    """

    @asynccontextmanager
    async def around(self, call: Call) -> AsyncIterator[None]:
        """Bind the call's context (and its span) for its whole duration."""
        context = self.context_for(call)
        call.add_trailing_metadata(CORRELATION_ID_KEY, context.correlation_id)
        if not tracing_enabled() or call.method.startswith(_QUIET_SERVICES):
            with bind_context(context):  # no span for probes (health) and tooling (reflection)
                yield
            return
        name = call.method.lstrip("/")
        with span(
            name,
            kind=SpanKind.SERVER,
            parent=call.metadata(TRACEPARENT_KEY) or "",
            attributes=_rpc_attributes(name),
            errors=False,
        ) as server_span:
            if server_span is not None:
                context = replace(context, traceparent=traceparent_of(server_span))
            error: BaseException | None = None
            try:
                with bind_context(context):
                    yield
            except BaseException as exc:
                error = exc
                raise
            finally:
                if server_span is not None:
                    _end_server_span(server_span, _final_code(call, error))

    @staticmethod
    def context_for(call: Call) -> MessageContext:
        """The MessageContext of a call, from its metadata."""
        given = (call.metadata(CORRELATION_ID_KEY) or "").strip().lower()
        correlation_id = given if _UUID.fullmatch(given) else new_id()
        trace_id = parse_traceparent(call.metadata(TRACEPARENT_KEY) or "")
        return MessageContext(correlation_id=correlation_id, traceparent=new_traceparent(trace_id))


class AccessLogInterceptor(CallInterceptor):
    """One structured log line per call: method, status code, duration, correlation id, peer;
    and, given `metrics`, the duration in `mercato_rpc_duration_seconds` by method and code."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._metrics = metrics

    @asynccontextmanager
    async def around(self, call: Call) -> AsyncIterator[None]:
        """Time the call and log how it ended."""
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            error = exc
            raise
        finally:
            _log_access(call, started, error, self._metrics)


def _log_access(call: Call, started: float, error: BaseException | None, metrics: Any) -> None:
    """The access line (and the metric) of a call that started at `started` and ended with
    `error` (None: it returned)."""
    code = _final_code(call, error)
    elapsed = time.perf_counter() - started
    if metrics is not None:
        metrics.observe_rpc(call.method, code.name, elapsed)
    log_line(
        _LOGGER,
        logging.DEBUG if call.method.startswith(_QUIET_SERVICES) else logging.INFO,
        "grpc call",
        method=call.method,
        code=code.name,
        duration_ms=round(elapsed * 1000, 3),
        correlation_id=current_context().correlation_id,
        peer=call.context.peer(),
    )


class ErrorMappingInterceptor(CallInterceptor):
    """Translates what a handler raises into a status, once for every service.

    A DomainError becomes its status code with its message (InvalidArgument also names the
    field in the `x-invalid-field` trailer; ResourceExhausted gives its delay in `retry-after`).
    A database that is down, restarting or locked is UNAVAILABLE with `retry-after`
    (`dependency_unavailable`). Anything else is a bug: the caller gets INTERNAL with a generic
    message and the correlation id to quote; the traceback goes to the log.
    """

    @asynccontextmanager
    async def around(self, call: Call) -> AsyncIterator[None]:
        """Abort the call with the status its exception maps to."""
        try:
            yield
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await _map_error(call, error)


async def _map_error(call: Call, error: Exception) -> None:
    """Abort `call` with the status `error` (not an AbortError) maps to."""
    if isinstance(error, DomainError):
        if isinstance(error, InvalidArgument):
            call.add_trailing_metadata(INVALID_FIELD_KEY, error.field)
        if isinstance(error, ResourceExhausted):
            call.add_trailing_metadata(RETRY_AFTER_KEY, f"{error.retry_after:.3f}")
        await _abort(call, status_code_for(error), error.message)
        return
    correlation_id = current_context().correlation_id
    if dependency_unavailable(error):
        get_logger(_LOGGER).warning(
            "a dependency is unavailable",
            method=call.method,
            error_type=type(error).__qualname__,
        )
        call.add_trailing_metadata(RETRY_AFTER_KEY, f"{UNAVAILABLE_RETRY_AFTER:.3f}")
        await _abort(
            call,
            grpc.StatusCode.UNAVAILABLE,
            "the service's database is unavailable or busy; retry the same request "
            f"(correlation id {correlation_id})",
        )
    get_logger(_LOGGER).error(
        "unexpected error in grpc handler",
        method=call.method,
        error_type=type(error).__qualname__,
        exc_info=error,
    )
    await _abort(
        call,
        grpc.StatusCode.INTERNAL,
        f"internal error (correlation id {correlation_id})",
    )


UNAVAILABLE_RETRY_AFTER = 1.0
"""Seconds a caller is told to wait after the database was unavailable or busy."""


def dependency_unavailable(error: BaseException) -> bool:
    """True for the failures of a database that is down, restarting or locked: the caller may
    retry the same request (its idempotency key makes that safe), so they are UNAVAILABLE,
    never INTERNAL. Contention on the embedded SQLite default ("database is locked" after the
    busy timeout) is one of them."""
    if isinstance(error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
        return True
    if isinstance(error, sqlalchemy.exc.TimeoutError):  # the connection pool is exhausted
        return True
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, ConnectionRefusedError | ConnectionResetError)


class ValidationInterceptor(CallInterceptor):
    """Validates each request message against the rules declared on its proto fields.

    A request that cannot even be decoded is INVALID_ARGUMENT too, not an exception
    inside gRPC (whose generic answer would show the caller a Python error).
    """

    def check_request(self, request: Any, call: Call) -> None:
        """Raise InvalidArgument naming the first field that breaks its rules."""
        if isinstance(request, _Undecodable):
            raise InvalidArgument("request", f"is not a valid {request.type_name} message")
        if isinstance(request, Message):
            validate(request)

    def _wrap(self, handler: Any, method: str) -> Any:
        deserializer = handler.request_deserializer
        if deserializer is not None:
            handler = handler._replace(request_deserializer=_tolerant(deserializer))
        return super()._wrap(handler, method)


class EdgeInterceptor(CallInterceptor):
    """The whole edge as one layer: what CorrelationInterceptor, AccessLogInterceptor,
    ErrorMappingInterceptor, a service's own `interceptors` and ValidationInterceptor do, in
    that order, done in one frame per unary call (the handler is wrapped once per method).

    Streaming methods, and every call while tracing is on, take the layered path: the same
    interceptors composed around the handler, as when each was its own server interceptor.
    The service's interceptors must be CallInterceptors (`around`, `check_request`).
    """

    def __init__(
        self, metrics: Metrics | None = None, interceptors: Sequence[CallInterceptor] = ()
    ) -> None:
        self._metrics = metrics
        self._inner = tuple(interceptors)
        self._layers = (
            CorrelationInterceptor(),
            AccessLogInterceptor(metrics),
            ErrorMappingInterceptor(),
            *self._inner,
        )
        self._validation = ValidationInterceptor()

    def _wrap(self, handler: Any, method: str) -> Any:
        layered = self._validation._wrap(handler, method)
        for layer in reversed(self._layers):
            layered = layer._wrap(layered, method)
        if handler.request_streaming or handler.response_streaming:
            return layered
        return layered._replace(
            unary_unary=self._one_frame(handler.unary_unary, layered.unary_unary, method)
        )

    def _one_frame(self, inner: Any, layered: Any, method: str) -> Any:
        # Only the service interceptors' overridden hooks are called.
        arounds = tuple(i for i in self._inner if type(i).around is not CallInterceptor.around)
        # The request's own validation runs last, after the service's checks (as when layered).
        checks = (
            *(i for i in self._inner if type(i).check_request is not CallInterceptor.check_request),
            self._validation,
        )
        metrics = self._metrics
        context_for = CorrelationInterceptor.context_for

        async def handle(request: Any, call: Call, context: Any) -> Any:
            for check in checks:
                check.check_request(request, call)
            result = inner(request, context)
            return await result if inspect.isawaitable(result) else result

        async def behaviour(request: Any, context: Any) -> Any:
            if tracing_enabled():
                return await layered(request, context)
            call = Call(method, context)
            message_context = context_for(call)
            call.add_trailing_metadata(CORRELATION_ID_KEY, message_context.correlation_id)
            with bind_context(message_context):
                started = time.perf_counter()
                error: BaseException | None = None
                try:
                    try:
                        if not arounds:
                            return await handle(request, call, context)
                        if len(arounds) == 1:  # a service's one (auth): no exit stack
                            async with arounds[0].around(call):
                                return await handle(request, call, context)
                        async with AsyncExitStack() as stack:
                            for interceptor in arounds:
                                await stack.enter_async_context(interceptor.around(call))
                            return await handle(request, call, context)
                    except grpc.aio.AbortError:
                        raise
                    except Exception as exc:
                        await _map_error(call, exc)
                        return None
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    _log_access(call, started, error, metrics)

        return behaviour


@dataclass(frozen=True)
class _Undecodable:
    """Stands in for a request whose bytes did not parse, so the handler chain can refuse it."""

    type_name: str


def _tolerant(deserializer: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    owner = getattr(deserializer, "__self__", None)
    type_name = getattr(getattr(owner, "DESCRIPTOR", None), "full_name", "request")

    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except (DecodeError, ValueError, RecursionError):
            return _Undecodable(type_name)

    return deserialize


async def _abort(call: Call, code: Any, details: str) -> None:
    # abort() replaces the trailers unless given none; pass them on explicitly.
    trailers = tuple(call.context.trailing_metadata() or ())
    await call.context.abort(code, details, trailers)


def _final_code(call: Call, error: BaseException | None) -> Any:
    """The status a call ended with, given what (if anything) left the handler."""
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return grpc.StatusCode.CANCELLED
    fallback = grpc.StatusCode.OK if error is None else grpc.StatusCode.UNKNOWN
    return _status_code(call.context) or fallback


# What a server reports as its own failure (OpenTelemetry's gRPC conventions); the rest are
# the caller's (a bad argument, a missing order) and leave the span unset.
_SERVER_ERRORS = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
    }
)


def _rpc_attributes(name: str) -> dict[str, Any]:
    service, _, method = name.partition("/")
    return {"rpc.system": "grpc", "rpc.service": service, "rpc.method": method}


def _end_server_span(server_span: Any, code: Any) -> None:
    server_span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code in _SERVER_ERRORS:
        server_span.set_status(Status(StatusCode.ERROR, code.name))


def _status_code(context: Any) -> Any:
    """The status a handler set on the context (set_code/abort), if any, as a StatusCode."""
    code = context.code()
    if code is None or isinstance(code, grpc.StatusCode):
        return code
    for member in grpc.StatusCode:
        if member.value[0] == code:
            return member
    return None


def _metadata_safe(value: str) -> str:
    """Metadata values must be printable ASCII; escape the rest rather than fail the call."""
    if value.isascii() and value.isprintable():
        return value
    return json.dumps(value)[1:-1]
