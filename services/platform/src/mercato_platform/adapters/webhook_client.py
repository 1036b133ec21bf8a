"""Delivering webhooks over HTTP (aiohttp), and resolving endpoint hosts."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from mercato_platform.domain import AttemptOutcome, address_is_public, excerpt_of

_EXCERPT_BYTES = 1024


class PublicOnlyResolver(AbstractResolver):
    """Resolves like aiohttp's default resolver, keeping public addresses only: a host that
    resolved to a public address when its endpoint was registered and to a private one now
    (DNS rebinding) is not connected to."""

    def __init__(self) -> None:
        self._inner = aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[Any]:
        found = await self._inner.resolve(host, port, family)
        public = [entry for entry in found if address_is_public(str(entry["host"]))]
        if not public:
            raise OSError(f"{host} resolves to no public address")
        return public

    async def close(self) -> None:
        await self._inner.close()


class WebhookClient:
    """POSTs webhooks: a 2xx within `timeout` seconds is delivered; redirects are not followed
    (a 3xx is a failure, as Standard Webhooks senders do). Unless `allow_private`, it connects
    to public addresses only (checked again at every connection, not only at registration)."""

    def __init__(self, timeout: float, *, allow_private: bool, connections: int = 100) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._allow_private = allow_private
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            resolver = None if self._allow_private else PublicOnlyResolver()
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._connections, resolver=resolver),
                headers={"user-agent": "mercato-platform-webhooks/1"},
            )
        return self._session

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> AttemptOutcome:
        started = time.monotonic()
        if not self._allow_private and _private_literal(url):
            return AttemptOutcome(0, 0, "refused: the endpoint's address is not public")
        try:
            async with self._client().post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                answer = await response.content.read(_EXCERPT_BYTES)
                status = response.status
                text = answer.decode(errors="replace")
        except TimeoutError:
            return AttemptOutcome(0, _elapsed(started), "timed out")
        except aiohttp.ClientError as exc:
            return AttemptOutcome(0, _elapsed(started), excerpt_of(f"{type(exc).__name__}: {exc}"))
        except OSError as exc:
            return AttemptOutcome(0, _elapsed(started), excerpt_of(f"{type(exc).__name__}: {exc}"))
        return AttemptOutcome(status, _elapsed(started), excerpt_of(text))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _private_literal(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address_is_public(host)


def _elapsed(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


async def resolve_host(host: str) -> list[str]:
    """The addresses `host` resolves to (an IP literal resolves to itself); empty when none."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})
