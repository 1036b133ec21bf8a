"""A consumer process killed with SIGKILL mid-batch loses nothing and applies nothing twice."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kit.consumer.support import Reader, envelope, prepare, produce_envelopes, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="session")

APP = Path(__file__).with_name("consumer_app.py")
EVENTS = 3000
REDELIVERED = 300
HANG_AFTER = 1200


@pytest.fixture
def reader(fresh_database_url: str) -> Iterator[Reader]:
    reader = Reader(fresh_database_url)
    yield reader
    reader.close()


class App:
    """consumer_app.py as a real subprocess, its output in a log file."""

    def __init__(self, log: Path, *args: str) -> None:
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(APP), *args],
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(
                f"the consumer exited with {self.process.returncode}:\n{self.tail()}"
            )

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


async def test_a_consumer_killed_mid_batch_applies_every_event_exactly_once_after_restart(
    kafka_bootstrap_servers: str,
    fresh_database_url: str,
    reader: Reader,
    unique_topic: str,
    tmp_path: Path,
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 3, fresh_database_url)
    events = [envelope(f"event-{i}", aggregate_id=f"agg-{i % 50}") for i in range(EVENTS)]
    await produce_envelopes(kafka_bootstrap_servers, unique_topic, events)
    # Delivered again: the same envelopes, so the same event ids, at later offsets.
    await produce_envelopes(kafka_bootstrap_servers, unique_topic, events[:REDELIVERED])
    name = f"killed-{unique_topic}"[:128]
    arguments = [
        "--database", fresh_database_url,
        "--bootstrap-servers", kafka_bootstrap_servers,
        "--name", name,
        "--topic", unique_topic,
        "--batch-size", "100",
    ]  # fmt: skip
    marker, log = tmp_path / "in-flight", tmp_path / "consumer.log"

    first = App(log, *arguments, "--hang-after", str(HANG_AFTER), "--marker", str(marker))
    try:
        await wait_until(
            lambda: asyncio.to_thread(marker.exists), "a batch in flight", alive=first.alive
        )
        first.kill()
    finally:
        first.kill()
    applied_before_the_kill = await reader.effect_count()
    # Effects were committed, and the batch in flight had applied more that were not.
    assert 0 < applied_before_the_kill < HANG_AFTER, log.read_text()[-4000:]

    second = App(log, *arguments)
    try:
        await wait_until(
            lambda: _done(reader, name), "every record to be processed", alive=second.alive
        )
        second.process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.process.wait, 60) == 0, second.tail()
    finally:
        second.kill()

    rows = await reader.effects()
    assert await reader.duplicated_event_ids() == []
    assert len(rows) == EVENTS
    assert {row.event_id for row in rows} == {event.event_id for event in events}
    assert set((await reader.outcomes(name)).values()) == {"applied"}


async def _done(reader: Reader, name: str) -> bool:
    return await reader.position_sum(name) >= EVENTS + REDELIVERED
