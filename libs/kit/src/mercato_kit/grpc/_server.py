"""The gRPC server every service runs: health, reflection, the edge's interceptors, and a
graceful stop on SIGTERM.

    async def main() -> None:
        configure_logging("catalog")
        settings = load_settings(CatalogSettings)
        server = create_server(settings.grpc_addr)
        catalog_pb2_grpc.add_CatalogServiceServicer_to_server(CatalogServicer(app), server)
        await serve(server, consumers.stop, relay.flush)

On SIGTERM or SIGINT: health turns NOT_SERVING, the server stops accepting calls, in-flight
calls get `grace` seconds to finish (then are cancelled), and the shutdown hooks run in the
order given. `serve` then returns, and main() ends with exit status 0.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from mercato_kit.grpc._interceptors import (
    AccessLogInterceptor,
    CallInterceptor,
    CorrelationInterceptor,
    EdgeInterceptor,
    ErrorMappingInterceptor,
    ValidationInterceptor,
)
from mercato_kit.logging import get_logger

if TYPE_CHECKING:
    from mercato_kit.metrics import Metrics

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "GrpcServer",
    "ShutdownHook",
    "create_server",
    "run_shutdown_hooks",
    "serve",
]

ShutdownHook = Callable[[], Awaitable[None]]
"""An async callable run once the server has stopped: stop consumers, flush the relay..."""

DEFAULT_GRACE_SECONDS = 10.0
"""How long in-flight calls may run on after a stop request; within Kubernetes' default 30 s."""

_LOGGER = "mercato_kit.grpc"


class GrpcServer:
    """A grpc.aio server with the standard health and reflection services and the edge's
    interceptors. Pass it as the `server` argument of the generated `add_*_to_server`.

    Build it inside the running event loop (in a service's async main()).
    """

    def __init__(
        self,
        address: str,
        *,
        interceptors: Sequence[Any] = (),
        options: Sequence[tuple[str, Any]] = (),
        grace: float = DEFAULT_GRACE_SECONDS,
        credentials: grpc.ServerCredentials | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.address = address
        self.grace = grace
        self.credentials = credentials
        self.port: int | None = None
        self._service_names: list[str] = []
        self._health = health.aio.HealthServicer()
        self._server = grpc.aio.server(
            interceptors=_edge(interceptors, metrics),
            # Without SO_REUSEPORT a second instance on a taken port fails to start instead
            # of silently sharing the port with the first.
            options=[("grpc.so_reuseport", 0), *options],
        )
        self._serving = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._state = "new"

    @property
    def service_names(self) -> tuple[str, ...]:
        """Full names of the services registered so far (health and reflection aside)."""
        return tuple(self._service_names)

    @property
    def bound_address(self) -> str:
        """The address with the port actually bound (useful with port 0); needs start()."""
        if self.port is None:
            raise RuntimeError("the server is not started")
        host = self.address.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    def add_generic_rpc_handlers(self, generic_rpc_handlers: Iterable[Any]) -> None:
        """Register handlers (called by the generated `add_*_to_server` functions)."""
        handlers = tuple(generic_rpc_handlers)
        for handler in handlers:
            name = getattr(handler, "service_name", None)
            if callable(name):
                self._note_service(str(name()))
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service_name: str, method_handlers: Any) -> None:
        """Register a service's method handlers (called by the generated code)."""
        self._note_service(service_name)
        self._server.add_registered_method_handlers(service_name, method_handlers)

    def add_service(self, add_to_server: Callable[[Any, Any], None], servicer: object) -> None:
        """Register a servicer with its generated function: `add_service(add_X_to_server, x)`."""
        add_to_server(servicer, self)

    def _note_service(self, name: str) -> None:
        if name not in self._service_names:
            self._service_names.append(name)

    async def start(self) -> None:
        """Add health and reflection, bind the address, start serving; logs where it listens."""
        if self._state != "new":
            raise RuntimeError(f"the server is already {self._state}")
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        reflection.enable_server_reflection(
            [*self._service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self._server
        )
        try:
            if self.credentials is not None:
                self.port = self._server.add_secure_port(self.address, self.credentials)
            else:
                self.port = self._server.add_insecure_port(self.address)
        except RuntimeError as exc:
            raise OSError(f"cannot listen on {self.address}: {exc}") from None
        await self._server.start()
        self._state = "started"
        for name in self._service_names:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        get_logger(_LOGGER).info(
            "grpc server listening", address=self.bound_address, services=self.service_names
        )
        self._serving.set()

    async def set_ready(self, ready: bool) -> None:
        """Health SERVING or NOT_SERVING for the server and every service (a dependency is
        down, or back); no effect before start or once stopping."""
        if self._state != "started":
            return
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if ready
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ("", *self._service_names):
            await self._health.set(name, status)

    async def wait_until_serving(self) -> None:
        """Return once start() has bound the address (e.g. when `serve` runs in a task)."""
        await self._serving.wait()

    def request_stop(self, reason: str = "requested") -> None:
        """Ask `serve` to stop the server (what SIGTERM and SIGINT do)."""
        log = get_logger(_LOGGER)
        if self._stop_requested.is_set():
            log.info("grpc server already stopping", reason=reason)
            return
        log.info("grpc server stop requested", reason=reason)
        self._stop_requested.set()

    async def wait_for_stop_request(self) -> None:
        """Return once request_stop() has been called."""
        await self._stop_requested.wait()

    async def stop(self, grace: float | None = None) -> None:
        """Health NOT_SERVING, refuse new calls, let in-flight calls finish within `grace`."""
        if self._state == "new":
            self._state = "stopped"
        if self._state != "started":
            return
        self._state = "stopping"
        grace = self.grace if grace is None else grace
        log = get_logger(_LOGGER)
        await self._health.enter_graceful_shutdown()
        log.info("grpc server health NOT_SERVING")
        stopping = asyncio.ensure_future(self._server.stop(grace))
        # One turn of the loop: gRPC stops listening in the first step of stop().
        await asyncio.sleep(0)
        log.info("grpc server draining in-flight calls", grace_seconds=grace)
        await stopping
        self._state = "stopped"
        log.info("grpc server stopped")


def _edge(interceptors: Sequence[Any], metrics: Metrics | None) -> list[Any]:
    """The server's interceptors: the edge as one layer (EdgeInterceptor) when the service's
    own are all CallInterceptors; otherwise each its own layer, in the same order."""
    if all(isinstance(interceptor, CallInterceptor) for interceptor in interceptors):
        return [EdgeInterceptor(metrics, interceptors)]
    return [
        CorrelationInterceptor(),
        AccessLogInterceptor(metrics),
        ErrorMappingInterceptor(),
        *interceptors,
        ValidationInterceptor(),
    ]


def create_server(
    address: str,
    *,
    interceptors: Sequence[Any] = (),
    options: Sequence[tuple[str, Any]] = (),
    grace: float = DEFAULT_GRACE_SECONDS,
    credentials: grpc.ServerCredentials | None = None,
    metrics: Metrics | None = None,
) -> GrpcServer:
    """A GrpcServer for `address` ("host:port"; port 0 picks a free one); TLS (or mutual TLS)
    with `credentials` (`mercato_kit.grpc.server_credentials`), plaintext without; every
    answered call's duration in `metrics` (`mercato_rpc_duration_seconds`) when given.

    `interceptors` are a service's own (authentication, say): they run inside error mapping
    (so they may raise domain errors) and before validation.
    """
    return GrpcServer(
        address,
        interceptors=interceptors,
        options=options,
        grace=grace,
        credentials=credentials,
        metrics=metrics,
    )


async def serve(
    server: GrpcServer,
    *hooks: ShutdownHook,
    grace: float | None = None,
    stop_signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Start `server`, run until a stop signal (or `server.request_stop()`), stop gracefully,
    then run `hooks` in order. What a service's async main() awaits."""
    loop = asyncio.get_running_loop()
    for stop_signal in stop_signals:
        loop.add_signal_handler(stop_signal, server.request_stop, stop_signal.name)
    try:
        await server.start()
        await server.wait_for_stop_request()
    finally:
        try:
            await server.stop(grace)
        finally:
            await run_shutdown_hooks(hooks)
            for stop_signal in stop_signals:
                loop.remove_signal_handler(stop_signal)


async def run_shutdown_hooks(hooks: Iterable[ShutdownHook]) -> None:
    """Run each hook in order; one that fails is logged and the rest still run."""
    log = get_logger(_LOGGER)
    for hook in hooks:
        name = getattr(hook, "__qualname__", repr(hook))
        try:
            await hook()
        except Exception:
            log.exception("shutdown hook failed", hook=name)
        else:
            log.info("shutdown hook done", hook=name)
