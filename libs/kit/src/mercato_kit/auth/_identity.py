"""How services reach identity for keys and revocations (filled in by the identity service issue).

`identity_key_fetcher(address)` returns the KeyFetcher a RemoteKeyProvider uses: it calls
identity's key-set RPC. `follow_revocations(...)` keeps an InMemoryRevocations up to date from
identity's AccessRevoked / SignedOut events.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mercato_kit.auth._keys import KeyFetcher
from mercato_kit.errors import Unauthenticated


def identity_key_fetcher(address: str) -> KeyFetcher:
    """A KeyFetcher that asks identity at `address` for its published signing keys."""

    async def fetch() -> Mapping[str, Ed25519PublicKey]:
        raise Unauthenticated(f"identity's signing keys are not available from {address} yet")

    return fetch
