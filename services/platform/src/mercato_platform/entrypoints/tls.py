"""TLS for both faces when PLATFORM_TLS_CERT and PLATFORM_TLS_KEY name PEM files."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import grpc

from mercato_kit.grpc import GrpcServer


class _SecurePorts:
    """The grpc.aio server, binding its address with TLS where the kit binds it in the clear.

    The kit's GrpcServer binds with `add_insecure_port` when it starts; this stands in for the
    grpc.aio server it wraps, so the same call binds a secure port (everything else passes
    through). The kit has no TLS option of its own yet.
    """

    def __init__(self, server: Any, credentials: grpc.ServerCredentials) -> None:
        self._server = server
        self._credentials = credentials

    def add_insecure_port(self, address: str) -> int:
        return int(self._server.add_secure_port(address, self._credentials))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


def serve_grpc_with_tls(server: GrpcServer, cert: Path, key: Path) -> None:
    """Make `server` (not started yet) serve TLS only, with this certificate chain and key."""
    credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
    server._server = _SecurePorts(server._server, credentials)


def http_ssl_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context
