"""A publisher whose producer lost its idempotent session replaces the producer, so the relay's
next attempt is sent again instead of failing until the process restarts (the broker restart
that leaves aiokafka answering OutOfOrderSequenceNumber forever: `mercato chaos` F7 runs it
against a real broker). Here a stand-in producer plays the broken one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError, OutOfOrderSequenceNumber

from mercato_kit.events import KafkaRecord
from mercato_kit.messaging import KafkaPublisher, PublishError

RECORDS = [KafkaRecord(topic="t", key=b"k", value=f"v{n}".encode(), headers=()) for n in range(3)]


class StandInProducer:
    """Acknowledges every send, or fails each with `failure`."""

    def __init__(self, failure: BaseException | None = None) -> None:
        self.failure = failure
        self.sent: list[bytes] = []
        self.started = self.stopped = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def send(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> Any:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.failure is None:
            self.sent.append(value)
            done.set_result(None)
        else:
            done.set_exception(self.failure)
        return done


async def test_a_lost_session_replaces_the_producer_and_the_next_attempt_is_sent() -> None:
    broken = StandInProducer(OutOfOrderSequenceNumber())
    made: list[StandInProducer] = []

    def remake() -> StandInProducer:
        made.append(StandInProducer())
        return made[-1]

    publisher = KafkaPublisher(broken, remake=remake)
    first, second = await publisher.enqueue(RECORDS), await publisher.enqueue(RECORDS)

    for pending in (first, second):
        with pytest.raises(PublishError, match="OutOfOrderSequenceNumber"):
            await pending
    await publisher.publish(RECORDS)

    assert len(made) == 1, "two failed batches of one producer replace it once"
    assert broken.stopped
    assert made[0].started
    assert made[0].sent == [b"v0", b"v1", b"v2"]


async def test_other_failures_keep_the_producer() -> None:
    slow = StandInProducer(KafkaTimeoutError())
    publisher = KafkaPublisher(slow, remake=StandInProducer)

    with pytest.raises(PublishError, match="KafkaTimeoutError"):
        await publisher.publish(RECORDS)
    slow.failure = None
    await publisher.publish(RECORDS)

    assert not slow.stopped
    assert slow.sent == [b"v0", b"v1", b"v2"]


async def test_without_a_way_to_remake_it_the_producer_stays() -> None:
    broken = StandInProducer(OutOfOrderSequenceNumber())
    publisher = KafkaPublisher(broken)

    with pytest.raises(PublishError):
        await publisher.publish(RECORDS)

    assert not broken.stopped
