"""Transport security for the gRPC edge and its callers, from PEM files.

- A server presents its certificate chain and key; with a client CA it also requires callers to
  present a certificate that CA signed (mutual TLS).
- A caller verifies the server against a CA bundle; with its own certificate and key it
  presents them (mutual TLS).
- `ssl_server_context` is the same for an HTTP face (aiohttp).
Plaintext stays the default on loopback (the demo, the tests); nothing here reads settings.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import grpc

__all__ = ["channel_credentials", "server_credentials", "ssl_server_context"]


def server_credentials(
    cert: Path, key: Path, client_ca: Path | None = None
) -> grpc.ServerCredentials:
    """TLS with this certificate chain and key; mutual TLS when `client_ca` is given."""
    return grpc.ssl_server_credentials(
        [(key.read_bytes(), cert.read_bytes())],
        root_certificates=client_ca.read_bytes() if client_ca else None,
        require_client_auth=client_ca is not None,
    )


def channel_credentials(
    ca: Path, cert: Path | None = None, key: Path | None = None
) -> grpc.ChannelCredentials:
    """Verify servers against `ca`; present `cert`/`key` when given (mutual TLS)."""
    return grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes(),
        private_key=key.read_bytes() if key else None,
        certificate_chain=cert.read_bytes() if cert else None,
    )


def ssl_server_context(cert: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    """An SSLContext for an HTTP face: TLS 1.2+, this certificate; client certificates of
    `client_ca` required when it is given."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context
