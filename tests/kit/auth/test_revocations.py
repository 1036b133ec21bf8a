"""Following identity's revocations from the real broker: with no consumer group, from the
beginning, then live; a revoked grant or session is refused as soon as its event arrives."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from mercato.identity.v1 import events_pb2
from mercato_kit.auth import (
    InMemoryRevocations,
    RevocationFollower,
    TokenVerifier,
)
from mercato_kit.errors import Unauthenticated
from mercato_kit.events import EventEnvelope, TopicSpec
from mercato_kit.messaging import ensure_topics
from mercato_kit.testing import LocalIssuer

pytestmark = pytest.mark.infra

WAIT = 30.0


class Topics:
    def __init__(self, bootstrap: str, grants: str, sessions: str) -> None:
        self.bootstrap, self.grants, self.sessions = bootstrap, grants, sessions

    async def publish(self, topic: str, value: bytes, key: str = "k") -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(topic, value=value, key=key.encode())
        finally:
            await producer.stop()

    async def revoke_grant(self, grant_id: str, *, occurred_at: datetime | None = None) -> None:
        envelope = EventEnvelope.new(
            events_pb2.AccessRevoked(grantor_account_id="seller-1", app_id="app-1"),
            aggregate_type="identity.grant",
            aggregate_id=grant_id,
            aggregate_version=2,
            producer="identity",
            occurred_at=occurred_at,
        )
        await self.publish(self.grants, envelope.to_bytes(), grant_id)

    async def sign_out(self, session_id: str) -> None:
        envelope = EventEnvelope.new(
            events_pb2.SignedOut(account_id="a-1"),
            aggregate_type="identity.session",
            aggregate_id=session_id,
            aggregate_version=1,
            producer="identity",
        )
        await self.publish(self.sessions, envelope.to_bytes(), session_id)


@pytest_asyncio.fixture(loop_scope="session")
async def topics(kafka_bootstrap_servers: str, unique_topic: str) -> Topics:
    grants, sessions = f"{unique_topic}.grant", f"{unique_topic}.session"
    await ensure_topics(kafka_bootstrap_servers, [TopicSpec(grants, 3), TopicSpec(sessions, 2)])
    return Topics(kafka_bootstrap_servers, grants, sessions)


@contextlib.asynccontextmanager
async def following(
    topics: Topics, revocations: InMemoryRevocations, **options: object
) -> AsyncIterator[RevocationFollower]:
    follower = RevocationFollower(
        topics.bootstrap,
        revocations,
        topics=[topics.grants, topics.sessions],
        **options,  # type: ignore[arg-type]
    )
    task = asyncio.create_task(follower.run())
    try:
        await asyncio.wait_for(follower.caught_up.wait(), WAIT)
        yield follower
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the revocation never arrived"
        await asyncio.sleep(0.05)


async def test_a_revoked_grant_and_an_ended_session_are_refused_as_soon_as_the_event_arrives(
    topics: Topics,
) -> None:
    issuer, revocations = LocalIssuer(), InMemoryRevocations()
    verifier = TokenVerifier(issuer.keys, revocations=revocations)
    grant_id, session_id = str(uuid.uuid4()), str(uuid.uuid4())
    acting = issuer.token(subject="app-1", kind="app", on_behalf_of="s-1", grant_id=grant_id)
    signed_in = issuer.token(subject="a-1", session_id=session_id)

    async with following(topics, revocations):
        assert (await verifier.verify(acting)).grant_id == grant_id
        await topics.revoke_grant(grant_id)
        await topics.sign_out(session_id)
        await _until(lambda: grant_id in revocations.grants and session_id in revocations.sessions)

    with pytest.raises(Unauthenticated, match="revoked"):
        await verifier.verify(acting)
    with pytest.raises(Unauthenticated, match="revoked"):
        await verifier.verify(signed_in)


async def test_a_follower_started_later_replays_every_revocation_without_a_group(
    topics: Topics,
) -> None:
    grant_ids = [str(uuid.uuid4()) for _ in range(6)]
    for grant_id in grant_ids:
        await topics.revoke_grant(grant_id)
    first, second = InMemoryRevocations(), InMemoryRevocations()

    async with following(topics, first), following(topics, second):
        pass

    assert set(grant_ids) <= first.grants
    assert set(grant_ids) <= second.grants


async def test_old_revocations_other_events_and_garbage_are_skipped(topics: Topics) -> None:
    old, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    await topics.revoke_grant(old, occurred_at=datetime.now(UTC) - timedelta(days=2))
    await topics.publish(topics.grants, b"\xff\x00 not an envelope")
    granted = EventEnvelope.new(
        events_pb2.AccessGranted(grantor_account_id="s-1", app_id="app-1", scopes=["orders:read"]),
        aggregate_type="identity.grant",
        aggregate_id=str(uuid.uuid4()),
        aggregate_version=1,
        producer="identity",
    )
    await topics.publish(topics.grants, granted.to_bytes(), granted.aggregate_id)
    await topics.revoke_grant(fresh)
    revocations = InMemoryRevocations()

    async with following(topics, revocations, horizon=timedelta(hours=24)):
        pass

    assert revocations.grants == {fresh}
