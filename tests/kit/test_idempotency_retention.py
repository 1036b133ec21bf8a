"""Idempotency keys are kept for the service's retention, then deleted in bounded batches:
the job on SQLite and PostgreSQL, and the runtime running it in a real service process."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from mercato.example.v1 import wishlist_pb2 as pb
from mercato.example.v1 import wishlist_pb2_grpc
from mercato_kit.idempotency import forget_old_keys
from mercato_kit.storage import Database, idempotency_keys, migrate
from tests.support.services import ServiceProcess

pytestmark = pytest.mark.infra


def _key(key: str, created_at: datetime) -> dict[str, object]:
    return {
        "scope": "example.CreateWishlist:anonymous",
        "key": key,
        "request_hash": "0" * 64,
        "response": b"",
        "created_at": created_at,
    }


async def _keys(database: Database) -> list[str]:
    async with database.transaction() as session:
        return sorted(await session.scalars(select(idempotency_keys.c.key)))


async def test_keys_older_than_the_retention_go_a_batch_at_a_time(fresh_database_url: str) -> None:
    await asyncio.to_thread(migrate, fresh_database_url)
    database = Database(fresh_database_url)
    now = datetime.now(UTC)
    try:
        async with database.transaction() as session:
            await session.execute(
                insert(idempotency_keys),
                [_key(f"old-{n}", now - timedelta(days=8, minutes=n)) for n in range(3)]
                + [_key("recent", now - timedelta(days=6))],
            )
        forget = forget_old_keys(database, timedelta(days=7), batch=2)

        assert await forget() is True  # a full batch: more may be waiting
        assert len(await _keys(database)) == 2
        assert await forget() is False
        assert await _keys(database) == ["recent"]
        assert await forget() is False
        assert await _keys(database) == ["recent"]
    finally:
        await database.dispose()


def test_a_service_forgets_its_old_keys_and_still_answers_a_recent_repeat(
    kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    path = tmp_path / "example.db"
    running = ServiceProcess.start(
        "example",
        {
            "EXAMPLE_DATABASE_URL": f"sqlite:///{path}",
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
            "EXAMPLE_IDEMPOTENCY_KEY_RETENTION": "3600",
            "EXAMPLE_IDEMPOTENCY_KEY_CLEANUP_INTERVAL": "0.2",
        },
        tmp_path,
    )
    try:
        stub = wishlist_pb2_grpc.WishlistServiceStub(running.channel)
        owner = str(uuid.uuid4())
        create = pb.CreateWishlistRequest(idempotency_key=f"k-{owner}", owner_id=owner, name="Tea")
        first = stub.CreateWishlist(create)
        # As SQLAlchemy stores a DateTime on SQLite (UTC here, no offset).
        two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f")
        with sqlite3.connect(path, timeout=10) as connection:
            connection.execute(
                "INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)"
                " VALUES ('example.CreateWishlist:anonymous', 'old', ?, x'', ?)",
                ("0" * 64, two_hours_ago),
            )

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with sqlite3.connect(path, timeout=10) as connection:
                keys = sorted(k for (k,) in connection.execute("SELECT key FROM idempotency_keys"))
            if "old" not in keys:
                break
            time.sleep(0.2)

        assert keys == [f"k-{owner}"]
        assert stub.CreateWishlist(create).wishlist_id == first.wishlist_id
    finally:
        running.stop()


def test_the_retention_is_a_week_by_default_and_zero_keeps_keys_forever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mercato_example.settings import ExampleSettings

    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")
    assert ExampleSettings().idempotency_key_retention == 7 * 24 * 3600
    monkeypatch.setenv("EXAMPLE_IDEMPOTENCY_KEY_RETENTION", "0")
    assert ExampleSettings().idempotency_key_retention == 0
