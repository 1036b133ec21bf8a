"""Signing keys (Ed25519) and where verifiers find the public halves."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from mercato_kit.ids import new_id
from mercato_kit.logging import get_logger

_log = get_logger(__name__)


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 key pair with its key id (`kid` in token headers)."""

    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        """A new random key with a new id."""
        return cls(kid=new_id(), private_key=Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half."""
        return self.private_key.public_key()

    def private_bytes(self) -> bytes:
        """The raw 32-byte private key (for storage; never log or publish it)."""
        return self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    @classmethod
    def from_private_bytes(cls, kid: str, raw: bytes) -> SigningKey:
        """Rebuild a stored key."""
        return cls(kid=kid, private_key=Ed25519PrivateKey.from_private_bytes(raw))


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The raw 32-byte public key (what a JWKS entry's `x` encodes)."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    """A public key from its raw 32 bytes."""
    return Ed25519PublicKey.from_public_bytes(raw)


class KeyProvider(Protocol):
    """Where a verifier finds the public key for a token's `kid`."""

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The key, or None when no such key is (or is any longer) published."""
        ...


class StaticKeyProvider:
    """A fixed set of public keys (tests, and the identity service verifying its own tokens)."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey] | None = None) -> None:
        self._keys = dict(keys or {})

    def add(self, kid: str, key: Ed25519PublicKey) -> None:
        """Publish one more key."""
        self._keys[kid] = key

    def remove(self, kid: str) -> None:
        """Stop accepting a key."""
        self._keys.pop(kid, None)

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """See KeyProvider."""
        return self._keys.get(kid)


KeyFetcher = Callable[[], Awaitable[Mapping[str, Ed25519PublicKey]]]


class RemoteKeyProvider:
    """Public keys fetched from their publisher (identity's key-set call) and cached.

    - A known `kid` is answered from the cache. When the cache is older than `max_age` it is
      refreshed in the background (so retired keys stop being accepted) while the cached keys
      go on answering: a verifier keeps accepting what it could verify before, rather than
      refusing every call while identity is briefly away.
    - An unknown `kid` (a key just rotated in, or a forgery) waits for the next fetch, and
      fetches happen at most once per `min_refresh_interval`, shared by every caller waiting:
      a valid new key is never refused because of the cache, and forged kids cannot make a
      verifier hammer identity (they only wait up to the interval themselves).
    - A fetch that fails is logged; the keys already fetched stay in use.
    """

    def __init__(
        self, fetch: KeyFetcher, *, min_refresh_interval: float = 5.0, max_age: float = 300.0
    ) -> None:
        self._fetch = fetch
        self._min_refresh_interval = min_refresh_interval
        self._max_age = max_age
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._next: asyncio.Future[None] | None = None

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """See KeyProvider."""
        if kid in self._keys:
            if time.monotonic() - self._fetched_at > self._max_age:
                self._next_fetch()
            return self._keys[kid]
        await asyncio.shield(self._next_fetch())
        return self._keys.get(kid)

    def _next_fetch(self) -> asyncio.Future[None]:
        """The fetch under way or scheduled, else a new one as soon as the interval allows."""
        if self._next is None or self._next.done():
            wait = self._attempted_at + self._min_refresh_interval - time.monotonic()
            self._next = asyncio.ensure_future(self._fetch_after(max(0.0, wait)))
        return self._next

    async def _fetch_after(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        self._attempted_at = time.monotonic()
        try:
            keys = dict(await self._fetch())
        except Exception as exc:  # any fetcher's failure: keep what we have
            _log.warning("signing keys could not be fetched", error=repr(exc))
            return
        self._keys = keys
        self._fetched_at = time.monotonic()
