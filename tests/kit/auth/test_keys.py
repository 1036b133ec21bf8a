"""Key rotation as verifiers see it (RemoteKeyProvider): tokens of the previous key stay valid
until they expire, a new key is fetched on first sight and never refused for being new, and a
verifier neither hammers its publisher nor stops working while the publisher is away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mercato_kit.auth import (
    RemoteKeyProvider,
    SigningKey,
    TokenIssuer,
    TokenVerifier,
    identity_key_fetcher,
)
from mercato_kit.errors import Unauthenticated
from mercato_localinfra._process import free_port


class Publisher:
    """Stands in for identity's key set: what it publishes, and how often it is asked."""

    def __init__(self) -> None:
        self.published: dict[str, Ed25519PublicKey] = {}
        self.fetches = 0
        self.down = False

    def rotate(self) -> SigningKey:
        key = SigningKey.generate()
        self.published[key.kid] = key.public_key
        return key

    async def fetch(self) -> Mapping[str, Ed25519PublicKey]:
        self.fetches += 1
        if self.down:
            raise ConnectionError("identity is restarting")
        return dict(self.published)


def _token(key: SigningKey, *, issued_ago: timedelta = timedelta(0)) -> str:
    issued = TokenIssuer(key, ttl=timedelta(minutes=10)).issue(
        subject="acc-1", kind="account", now=datetime.now(UTC) - issued_ago
    )
    return issued.token


async def _until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.01)


async def test_rotation_keeps_the_previous_keys_tokens_valid_until_they_expire() -> None:
    publisher = Publisher()
    old = publisher.rotate()
    verifier = TokenVerifier(RemoteKeyProvider(publisher.fetch, min_refresh_interval=0.05))
    young = _token(old, issued_ago=timedelta(minutes=9))
    aged = _token(old, issued_ago=timedelta(minutes=11))
    assert (await verifier.verify(young)).subject == "acc-1"

    new = publisher.rotate()  # the previous key stays published

    assert (await verifier.verify(_token(new))).subject == "acc-1"
    assert (await verifier.verify(young)).subject == "acc-1"
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(aged)


async def test_a_new_key_is_accepted_even_right_after_a_fetch() -> None:
    publisher = Publisher()
    first = publisher.rotate()
    verifier = TokenVerifier(RemoteKeyProvider(publisher.fetch, min_refresh_interval=0.3))
    await verifier.verify(_token(first))

    rotated_in = publisher.rotate()

    assert (await verifier.verify(_token(rotated_in))).subject == "acc-1"
    assert publisher.fetches == 2


async def test_a_key_no_longer_published_stops_being_accepted() -> None:
    publisher = Publisher()
    retired = publisher.rotate()
    provider = RemoteKeyProvider(publisher.fetch, min_refresh_interval=0.05, max_age=0.05)
    verifier = TokenVerifier(provider)
    token = _token(retired)
    await verifier.verify(token)

    publisher.published.pop(retired.kid)
    await asyncio.sleep(0.1)
    await verifier.verify(token)  # answered from the cache while it refreshes
    await _until(lambda: publisher.fetches >= 2)

    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(token)


async def test_forged_key_ids_make_one_fetch_per_interval_however_many_arrive() -> None:
    publisher = Publisher()
    known = publisher.rotate()
    verifier = TokenVerifier(RemoteKeyProvider(publisher.fetch, min_refresh_interval=0.3))
    await verifier.verify(_token(known))
    forged = [_token(SigningKey.generate()) for _ in range(50)]

    outcomes = await asyncio.gather(
        *(verifier.verify(token) for token in forged), return_exceptions=True
    )

    assert all(isinstance(outcome, Unauthenticated) for outcome in outcomes)
    assert publisher.fetches == 2
    assert (await verifier.verify(_token(known))).subject == "acc-1"


async def test_known_keys_keep_working_while_the_publisher_is_away() -> None:
    publisher = Publisher()
    key = publisher.rotate()
    verifier = TokenVerifier(
        RemoteKeyProvider(publisher.fetch, min_refresh_interval=0.01, max_age=0.01)
    )
    await verifier.verify(_token(key))

    publisher.down = True
    await asyncio.sleep(0.05)
    await verifier.verify(_token(key))
    await _until(lambda: publisher.fetches >= 2)

    assert (await verifier.verify(_token(key))).subject == "acc-1"


async def test_an_unreachable_identity_means_unknown_keys_not_a_crash() -> None:
    provider = RemoteKeyProvider(identity_key_fetcher(f"127.0.0.1:{free_port()}", timeout=1))

    with pytest.raises(Unauthenticated, match="unknown key"):
        await TokenVerifier(provider).verify(_token(SigningKey.generate()))
