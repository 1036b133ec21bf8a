"""A consumer process for the tests: its effect is one row in `effects` per applied event.

Run as a real subprocess (the SIGKILL test) or imported for its table and handler:

    python consumer_app.py --database URL --bootstrap-servers HOST:PORT --name GROUP --topic T
        [--batch-size N] [--hang-after N --marker PATH]

With `--hang-after N`, the handler, on its N-th event, writes `--marker` and then waits forever
inside the open transaction: the process is then certainly mid-batch, with effects applied but
not committed, for the test to kill it. SIGTERM stops it cleanly (exit status 0).
`effects` has no unique constraint: an event applied twice shows up as two rows.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Collection
from pathlib import Path

from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.consumer import ConsumedRecord, Handler, IdempotentConsumer
from mercato_kit.events import EventEnvelope
from mercato_kit.logging import configure_logging
from mercato_kit.storage import Database

test_metadata = MetaData()

effects = Table(
    "effects",
    test_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("value", String(200), nullable=False),
    Column("instance", String(32), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
)

KAFKA_OPTIONS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 300}


class EffectFailed(RuntimeError):
    pass


def record_effect(
    instance: str = "main",
    *,
    fail_for: Collection[str] = (),
    delay: float = 0.0,
    hang_after: int | None = None,
    marker: Path | None = None,
) -> Handler:
    """A handler that inserts one `effects` row per StringValue event and ignores other types."""
    handled = 0

    async def handle(
        session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
    ) -> None:
        nonlocal handled
        if envelope.event_type != StringValue.DESCRIPTOR.full_name:
            return
        if envelope.event_id in fail_for:
            raise EffectFailed(f"cannot apply {envelope.event_id}")
        await session.execute(
            insert(effects).values(
                event_id=envelope.event_id,
                value=envelope.unpack(StringValue).value,
                instance=instance,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
        )
        handled += 1
        if delay:
            await asyncio.sleep(delay)
        if hang_after is not None and handled == hang_after:
            await session.flush()
            assert marker is not None
            await asyncio.to_thread(marker.write_text, str(handled))
            await asyncio.sleep(3600)

    return handle


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--hang-after", type=int)
    parser.add_argument("--marker", type=Path)
    args = parser.parse_args()

    configure_logging("consumer-app", json=True)
    database = Database(args.database)
    consumer = IdempotentConsumer(
        database,
        args.bootstrap_servers,
        name=args.name,
        topics=[args.topic],
        handler=record_effect(hang_after=args.hang_after, marker=args.marker),
        batch_size=args.batch_size,
        kafka_options=KAFKA_OPTIONS,
    )
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop_requested.set)
    running = asyncio.create_task(consumer.run())
    stopping = asyncio.create_task(stop_requested.wait())
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    await consumer.stop()
    await running
    stopping.cancel()
    await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
