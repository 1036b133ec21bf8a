"""The relay killed with SIGKILL, as a real process, on SQLite and PostgreSQL.

Whatever moment the relay dies at (publishing, deleting, idle), every committed outbox row
reaches Kafka at least once and no aggregate's events ever come out of order. Duplicates are
allowed: consumers are idempotent by event id.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mercato_kit.events import TopicSpec
from mercato_kit.messaging import ensure_topics
from mercato_kit.storage import Database, migrate
from tests.kit.messaging._support import (
    commit_events,
    first_copies_by_key,
    kill,
    lease_owner,
    outbox_count,
    read_topic,
    start_relay,
    stop,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

AGGREGATES = [f"agg-{n}" for n in range(20)]


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    database = Database(fresh_database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def topic(kafka_bootstrap_servers: str, unique_topic: str) -> str:
    await ensure_topics(kafka_bootstrap_servers, [TopicSpec(unique_topic, partitions=3)])
    return unique_topic


async def test_a_relay_killed_mid_way_and_restarted_loses_no_committed_event(
    database: Database,
    fresh_database_url: str,
    kafka_bootstrap_servers: str,
    topic: str,
    tmp_path: Path,
) -> None:
    committed = await commit_events(database, topic, AGGREGATES, 100, per_tx=25)
    total = sum(len(ids) for ids in committed.values())
    log = tmp_path / "relay.log"

    for left_when_killed in (0.75, 0.4):
        relay = start_relay(fresh_database_url, kafka_bootstrap_servers, log, batch_size=10)
        try:
            await wait_until(
                lambda share=left_when_killed: _left_at_most(database, int(total * share)),
                what=f"{left_when_killed:.0%} of the outbox left",
                alive=[relay],
            )
        finally:
            kill(relay)
        assert await outbox_count(database) > 0, "the relay finished before it could be killed"

    relay = start_relay(fresh_database_url, kafka_bootstrap_servers, log, batch_size=10)
    try:
        await wait_until(
            lambda: _left_at_most(database, 0), what="the outbox to drain", alive=[relay]
        )
    finally:
        assert stop(relay) == 0, log.read_text()[-3000:]

    records = await read_topic(kafka_bootstrap_servers, topic)
    assert first_copies_by_key(records) == committed
    assert len(records) >= total
    assert await outbox_count(database) == 0


async def test_when_the_lease_holder_is_killed_the_standby_relay_takes_over(
    database: Database,
    fresh_database_url: str,
    kafka_bootstrap_servers: str,
    topic: str,
    tmp_path: Path,
) -> None:
    committed = await commit_events(database, topic, AGGREGATES, 30, per_tx=20)
    total = sum(len(ids) for ids in committed.values())
    logs = {owner: tmp_path / f"{owner}.log" for owner in ("relay-a", "relay-b")}
    relays = {
        owner: start_relay(fresh_database_url, kafka_bootstrap_servers, log, owner=owner)
        for owner, log in logs.items()
    }
    try:
        await wait_until(
            lambda: _left_at_most(database, total * 3 // 4),
            what="a quarter of the outbox published",
            alive=relays.values(),
        )
        holder = await lease_owner(database)
        assert holder in relays
        (standby,) = set(relays) - {holder}
        kill(relays[holder])
        assert await outbox_count(database) > 0, "the holder finished before it could be killed"
        assert _lease_acquisitions(logs[standby]) == 0

        await wait_until(
            lambda: _left_at_most(database, 0),
            what="the standby to publish the rest",
            alive=[relays[standby]],
        )

        assert await lease_owner(database) == standby
        assert _lease_acquisitions(logs[holder]) == 1
        assert _lease_acquisitions(logs[standby]) == 1
    finally:
        for relay in relays.values():
            stop(relay)

    records = await read_topic(kafka_bootstrap_servers, topic)
    assert first_copies_by_key(records) == committed


async def _left_at_most(database: Database, rows: int) -> bool:
    return await outbox_count(database) <= rows


def _lease_acquisitions(log: Path) -> int:
    lines = (json.loads(line) for line in log.read_text().splitlines() if line.startswith("{"))
    return sum(1 for line in lines if line.get("event") == "relay.lease_acquired")
