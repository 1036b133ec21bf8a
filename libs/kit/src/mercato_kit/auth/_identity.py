"""How services reach identity: its published signing keys, and its revocations.

- `identity_key_fetcher(address)` is the KeyFetcher a RemoteKeyProvider uses: it calls
  identity's `SigningKeyService.GetKeySet` (grpc.aio) and decodes the JWK-style keys.
- `follow_revocations(bootstrap_servers, revocations)` keeps an InMemoryRevocations current
  with identity's AccessRevoked (topic `mercato.identity.grant`) and SignedOut
  (`mercato.identity.session`) events, so a revoked grant or ended session stops working in
  every service as soon as the event arrives. It uses no consumer group: every instance of
  every service needs every revocation, so none may share the work. It assigns itself every
  partition, reads from the beginning, then follows; partitions added later are picked up.
  The envelope's aggregate id is the grant or session id, so it needs nothing from identity
  but the event type names.

Revocations older than `horizon` are skipped when replaying: every token issued before them
has expired by then, and identity issues no new token for a revoked grant or ended session.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mercato.identity.v1 import keys_pb2, keys_pb2_grpc
from mercato_kit.auth._keys import KeyFetcher, public_key_from_bytes
from mercato_kit.auth._tokens import InMemoryRevocations
from mercato_kit.consumer import topic_partitions
from mercato_kit.events import EnvelopeDecodeError, envelope_from_record, topic_for
from mercato_kit.grpc import BALANCING_OPTIONS, channel_target
from mercato_kit.logging import get_logger

__all__ = [
    "ACCESS_REVOKED",
    "REVOCATION_TOPICS",
    "SIGNED_OUT",
    "RevocationFollower",
    "follow_revocations",
    "identity_key_fetcher",
]

REVOCATION_TOPICS: tuple[str, ...] = (topic_for("identity.grant"), topic_for("identity.session"))
"""The topics whose events revoke tokens."""

ACCESS_REVOKED = "mercato.identity.v1.AccessRevoked"
"""A grant was revoked (aggregate id: the grant id)."""
SIGNED_OUT = "mercato.identity.v1.SignedOut"
"""A sign-in session ended (aggregate id: the session id)."""

_log = get_logger(__name__)


def identity_key_fetcher(
    address: str, *, timeout: float = 5.0, credentials: grpc.ChannelCredentials | None = None
) -> KeyFetcher:
    """A KeyFetcher that asks identity at `address` for its published signing keys (over TLS
    with `credentials`)."""

    def open_() -> grpc.aio.Channel:  # identity's instances, round robin
        target, options = channel_target(address), BALANCING_OPTIONS
        if credentials is not None:
            return grpc.aio.secure_channel(target, credentials, options=options)
        return grpc.aio.insecure_channel(target, options=options)

    async def fetch() -> Mapping[str, Ed25519PublicKey]:
        async with open_() as channel:
            stub = keys_pb2_grpc.SigningKeyServiceStub(channel)  # type: ignore[no-untyped-call]
            answer = await stub.GetKeySet(keys_pb2.GetKeySetRequest(), timeout=timeout)
        return {
            key.kid: public_key_from_bytes(_unbase64url(key.x))
            for key in answer.keys
            if key.kty == "OKP" and key.crv == "Ed25519" and key.kid
        }

    return fetch


def _unbase64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class RevocationFollower:
    """Feeds identity's revocation events into an InMemoryRevocations (see the module doc).

    `caught_up` is set once everything that was on the topics when following began has been
    applied. Broker failures are logged and retried (from the beginning again: applying a
    revocation twice is harmless); only a bug ends `run`.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        revocations: InMemoryRevocations,
        *,
        topics: Sequence[str] = REVOCATION_TOPICS,
        horizon: timedelta = timedelta(hours=24),
        poll_timeout: float = 0.5,
        metadata_interval: float = 30.0,
        retry_backoff: float = 2.0,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._revocations = revocations
        self._topics = tuple(topics)
        self._horizon = horizon
        self._poll_timeout_ms = int(poll_timeout * 1000)
        self._metadata_interval = metadata_interval
        self._retry_backoff = retry_backoff
        self.caught_up = asyncio.Event()
        self.applied = 0

    async def run(self) -> None:
        """Follow until cancelled."""
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap_servers,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                client_id="mercato-revocations",
            )
            try:
                await consumer.start()
                await self._follow(consumer)
            except (KafkaError, OSError) as exc:
                _log.warning(
                    "revocations: broker unavailable; retrying",
                    error=repr(exc),
                    retry_in=self._retry_backoff,
                )
            finally:
                await consumer.stop()
            await asyncio.sleep(self._retry_backoff)

    async def _follow(self, consumer: Any) -> None:
        assigned: set[TopicPartition] = set()
        ends: dict[TopicPartition, int] = {}
        next_check = float("-inf")
        while True:
            if time.monotonic() >= next_check:
                current = set(await topic_partitions(consumer, self._topics))
                added = current - assigned
                if added:
                    kept = {tp: await consumer.position(tp) for tp in assigned}
                    consumer.assign(sorted(current))
                    for tp, offset in kept.items():
                        consumer.seek(tp, offset)
                    await consumer.seek_to_beginning(*added)
                    if not self.caught_up.is_set():
                        ends.update(await consumer.end_offsets(sorted(added)))
                    assigned = current
                next_check = time.monotonic() + self._metadata_interval
            if not assigned:
                # No topic yet means no revocation yet: nothing to catch up with.
                self.caught_up.set()
                await asyncio.sleep(self._poll_timeout_ms / 1000)
                continue
            batches = await consumer.getmany(timeout_ms=self._poll_timeout_ms)
            for records in batches.values():
                for record in records:
                    self._apply(record)
            if not self.caught_up.is_set() and await _reached(consumer, ends):
                self.caught_up.set()
                _log.info(
                    "revocations caught up",
                    grants=len(self._revocations.grants),
                    sessions=len(self._revocations.sessions),
                )

    def _apply(self, record: Any) -> None:
        try:
            envelope = envelope_from_record(record.value)
        except EnvelopeDecodeError:
            _log.warning(
                "revocations: a record that is not an event envelope was skipped",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            return
        if envelope.occurred_at < datetime.now(UTC) - self._horizon:
            return
        if envelope.event_type == ACCESS_REVOKED:
            self._revocations.revoke_grant(envelope.aggregate_id)
        elif envelope.event_type == SIGNED_OUT:
            self._revocations.revoke_session(envelope.aggregate_id)
        else:
            return
        self.applied += 1
        if self.caught_up.is_set():
            _log.info(
                "revocation applied", event_type=envelope.event_type, id=envelope.aggregate_id
            )


async def _reached(consumer: Any, ends: Mapping[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True


async def follow_revocations(
    bootstrap_servers: str, revocations: InMemoryRevocations, **options: Any
) -> None:
    """Keep `revocations` current with identity's events until cancelled (RevocationFollower)."""
    await RevocationFollower(bootstrap_servers, revocations, **options).run()
