"""A consumer on the previous release reads events from the next one (issue 17, item 4).

The next release may add a field to an event, a field to the envelope, or a new event type.
The previous release's consumer applies the first two as it knows them. It skips the third
(applied, without an effect). None of them is dead-lettered as poison, and the partition goes on.
The ledger's and orders' translators, the money path's readers, behave the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from mercato.common.v1 import money_pb2
from mercato.payments.v1 import payments_pb2
from mercato_kit.consumer import IdempotentConsumer
from mercato_kit.events import EventEnvelope, to_kafka_record
from mercato_kit.storage import Database
from mercato_ledger.adapters.translator import fact_from_event as ledger_fact
from mercato_ledger.domain.facts import PaymentCaptured
from mercato_orders.adapters.translator import fact_from_event as orders_fact
from tests.kit.consumer.consumer_app import KAFKA_OPTIONS, record_effect
from tests.kit.consumer.support import (
    Reader,
    dead_letter_count,
    envelope,
    prepare,
    produce,
    running,
    wait_until,
)

ADDED_FIELD = b"\x98\x06\x01"
"""Field 99 (varint 1): what a field added by the next release looks like to this one."""
NEW_TYPE = "mercato.future.v1.SomethingNew"


def _with_added_field(event: EventEnvelope) -> EventEnvelope:
    return dataclasses.replace(event, payload=event.payload + ADDED_FIELD)


def _of_new_type(event: EventEnvelope) -> EventEnvelope:
    return dataclasses.replace(event, event_type=NEW_TYPE)


@pytest.fixture
async def database(fresh_sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(fresh_sqlite_url)
    yield database
    await database.dispose()


@pytest.mark.asyncio(loop_scope="session")
async def test_added_fields_and_unknown_types_are_read_or_skipped_never_dead_lettered(
    kafka_bootstrap_servers: str,
    fresh_sqlite_url: str,
    database: Database,
    unique_topic: str,
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_sqlite_url)
    added = _with_added_field(envelope("with an added field"))
    unknown = _of_new_type(envelope("of a type not known yet"))
    after = envelope("after them")
    records = [to_kafka_record(e, unique_topic) for e in (added, unknown, after)]
    # The next release's envelope carries a field this release does not know either.
    records[0] = dataclasses.replace(records[0], value=records[0].value + ADDED_FIELD)
    await produce(kafka_bootstrap_servers, records)
    name = f"tolerant-{unique_topic}"[:100]
    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=name,
        topics=[unique_topic],
        handler=record_effect(),
        kafka_options=KAFKA_OPTIONS,
    )
    reader = Reader(fresh_sqlite_url)
    try:
        async with running(consumer) as alive:
            await wait_until(lambda: _seen(reader, name, 3), "all three events", alive=alive)
        values = [row.value for row in await reader.effects()]
        outcomes = await reader.outcomes(name)
    finally:
        reader.close()

    assert values == ["with an added field", "after them"]
    assert set(outcomes.values()) == {"applied"}
    assert set(outcomes) == {added.event_id, unknown.event_id, after.event_id}
    assert await dead_letter_count(kafka_bootstrap_servers, unique_topic) == 0


async def _seen(reader: Reader, consumer: str, count: int) -> bool:
    return len(await reader.outcomes(consumer)) >= count


def _captured() -> EventEnvelope:
    return EventEnvelope.new(
        payments_pb2.PaymentCaptured(
            order_id="o-1", amount=money_pb2.Money(currency="CNY", minor_units=12_345)
        ),
        aggregate_type="payments.payment",
        aggregate_id="p-1",
        aggregate_version=2,
        producer="payments",
    )


def test_the_ledger_reads_an_added_field_and_skips_a_type_it_does_not_know() -> None:
    fact = ledger_fact(_with_added_field(_captured()))

    assert isinstance(fact, PaymentCaptured)
    assert (fact.order_id, fact.amount.minor_units) == ("o-1", 12_345)
    assert ledger_fact(_of_new_type(_captured())) is None


def test_the_orders_saga_skips_a_type_it_does_not_know() -> None:
    assert orders_fact(_of_new_type(_captured()), datetime.now(UTC)) is None
