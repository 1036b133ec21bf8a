"""The gRPC edge, once for every service: server bootstrap, interceptors, validation, errors.

- `create_server(address)` -> `GrpcServer`: grpc.aio with the standard health service,
  reflection, and the interceptors (correlation id, access log, error mapping, validation).
- `serve(server, *hooks)`: run until SIGTERM/SIGINT, then stop gracefully and run the hooks.
- `validate(message)`: the rules declared with `(mercato.validate.v1.field)`; raises
  InvalidArgument naming the field (`lines[2].quantity`).
- `status_code_for(error)`: the one mapping of the domain error tree to status codes.
- `open_channel(address)`: an outgoing grpc.aio channel whose calls carry the current
  MessageContext (`x-correlation-id`, `traceparent`), with options the servers accept, balanced
  round robin over several instances (`channel_target`: "a:1,b:2", "dns:///name:port").
- `server_credentials`, `channel_credentials`, `ssl_server_context`: TLS and mutual TLS from
  PEM files, for the server, its callers and an HTTP face.
"""

from mercato_kit.grpc._client import (
    BALANCING_OPTIONS,
    CHANNEL_OPTIONS,
    MAX_MESSAGE_BYTES,
    PeerAddress,
    channel_target,
    open_channel,
)
from mercato_kit.grpc._interceptors import (
    CORRELATION_ID_KEY,
    INVALID_FIELD_KEY,
    RETRY_AFTER_KEY,
    TRACEPARENT_KEY,
    AccessLogInterceptor,
    Call,
    CallInterceptor,
    CorrelationInterceptor,
    ErrorMappingInterceptor,
    ValidationInterceptor,
)
from mercato_kit.grpc._server import (
    DEFAULT_GRACE_SECONDS,
    GrpcServer,
    ShutdownHook,
    create_server,
    run_shutdown_hooks,
    serve,
)
from mercato_kit.grpc._status import status_code_for
from mercato_kit.grpc._tls import channel_credentials, server_credentials, ssl_server_context
from mercato_kit.grpc._validation import Violation, validate, violations

__all__ = [
    "BALANCING_OPTIONS",
    "CHANNEL_OPTIONS",
    "CORRELATION_ID_KEY",
    "DEFAULT_GRACE_SECONDS",
    "INVALID_FIELD_KEY",
    "MAX_MESSAGE_BYTES",
    "RETRY_AFTER_KEY",
    "TRACEPARENT_KEY",
    "AccessLogInterceptor",
    "Call",
    "CallInterceptor",
    "CorrelationInterceptor",
    "ErrorMappingInterceptor",
    "GrpcServer",
    "PeerAddress",
    "ShutdownHook",
    "ValidationInterceptor",
    "Violation",
    "channel_credentials",
    "channel_target",
    "create_server",
    "open_channel",
    "run_shutdown_hooks",
    "serve",
    "server_credentials",
    "ssl_server_context",
    "status_code_for",
    "validate",
    "violations",
]
