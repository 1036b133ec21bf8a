"""A service's HTTP face (a click endpoint, Server-Sent Events, a JSON API), run by the runtime.

    context.add_http("clicks", application, settings.http_addr)

The server starts with the service's consumers and stops with them, after its in-flight requests
(up to `shutdown_timeout`); it serves TLS with the service's own certificate when
`<SERVICE>_TLS_CERT` / `<SERVICE>_TLS_KEY` are set. A port already in use stops the service at
start, like any background worker that fails.
"""

from __future__ import annotations

import asyncio
import ssl

from aiohttp import web

from mercato_kit.logging import get_logger

__all__ = ["HttpServer"]

_log = get_logger(__name__)


class HttpServer:
    """An aiohttp application served on `address` ("host:port") until stopped (a Worker)."""

    def __init__(
        self,
        name: str,
        application: web.Application,
        address: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        shutdown_timeout: float = 2.0,
    ) -> None:
        host, _, port = address.rpartition(":")
        self.name = name
        self._application = application
        self._host, self._port = host or "127.0.0.1", int(port)
        self._ssl_context = ssl_context
        self._shutdown_timeout = shutdown_timeout
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Serve until `stop()`, then close after the requests in flight."""
        runner = web.AppRunner(
            self._application, access_log=None, shutdown_timeout=self._shutdown_timeout
        )
        await runner.setup()
        try:
            site = web.TCPSite(
                runner, self._host, self._port, ssl_context=self._ssl_context, reuse_address=True
            )
            await site.start()
            _log.info(
                "http server listening",
                server=self.name,
                address=f"{self._host}:{self._port}",
                tls=self._ssl_context is not None,
            )
            await self._stopping.wait()
        finally:
            await runner.cleanup()
            _log.info("http server stopped", server=self.name)

    async def stop(self) -> None:
        """Ask `run` to end (returns at once)."""
        self._stopping.set()
