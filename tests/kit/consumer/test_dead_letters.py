"""What a dead letter says about the error: its type and message, nothing more."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from mercato_kit.consumer import ConsumedRecord, dead_letter_record, describe_error
from tests.kit.consumer.support import parse_dead_letter


def test_an_error_is_described_by_its_type_and_message() -> None:
    assert describe_error(ValueError("price must be positive")) == (
        "ValueError: price must be positive"
    )
    assert describe_error(KeyError()) == "KeyError"


def test_a_database_error_is_described_without_its_statement_or_parameters() -> None:
    error = IntegrityError(
        "INSERT INTO buyers (phone) VALUES (%(phone)s)",
        {"phone": "+86 138 0000 0000"},
        Exception('duplicate key value violates unique constraint "uq_phone"\nDETAIL: +86 138'),
    )

    described = describe_error(error)

    assert described == (
        'sqlalchemy.exc.IntegrityError: duplicate key value violates unique constraint "uq_phone"'
    )


def test_a_dead_letter_record_carries_the_original_record_to_the_dlq_topic() -> None:
    record = ConsumedRecord(
        topic="mercato.orders.order",
        partition=2,
        offset=41,
        key=b"order-7",
        value=b"\x00garbage",
        headers=(("traceparent", b"00-abc-def-01"), ("x-other", b"1")),
    )

    dead = dead_letter_record(record, consumer="ledger", error=ValueError("nope"), attempts=1)

    assert dead.topic == "mercato.orders.order.dlq"
    assert dead.key == b"order-7"
    assert dead.header("traceparent") == b"00-abc-def-01"
    assert dead.header("x-other") is None
    letter = parse_dead_letter(dead.value)
    assert (letter.topic, letter.partition, letter.offset) == ("mercato.orders.order", 2, 41)
    assert (letter.key, letter.value, letter.consumer) == (b"order-7", b"\x00garbage", "ledger")
    assert (letter.error, letter.attempts) == ("ValueError: nope", 1)
    assert [(h.key, h.value) for h in letter.headers] == list(record.headers)
