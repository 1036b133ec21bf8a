"""Dead letters: a record a consumer gave up on, with why, as `mercato.events.v1.DeadLetter`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import StatementError

from mercato.events.v1 import envelope_pb2
from mercato_kit.consumer._record import ConsumedRecord
from mercato_kit.events import (
    HEADER_CONTENT_TYPE,
    HEADER_CORRELATION_ID,
    HEADER_TRACEPARENT,
    KafkaRecord,
    dlq_topic,
)

__all__ = ["DEAD_LETTER_CONTENT_TYPE", "dead_letter_record", "describe_error"]

DEAD_LETTER_CONTENT_TYPE = "application/x-protobuf; messageType=mercato.events.v1.DeadLetter"

_MAX_ERROR_CHARS = 2000
_CARRIED_HEADERS = (HEADER_CORRELATION_ID, HEADER_TRACEPARENT)


def describe_error(error: BaseException) -> str:
    """`Type: message` of an error, never its stack trace (dead letters are read by operators).

    For a database error the message is the driver's first line: not the SQL statement and
    its parameters, which may hold data that has no business in a dead-letter topic.
    """
    kind = type(error)
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    message = str(error)
    if isinstance(error, StatementError) and error.orig is not None:
        lines = str(error.orig).strip().splitlines()
        message = lines[0] if lines else ""
    text = f"{name}: {message}" if message else name
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 1] + "…"


def dead_letter_record(
    record: ConsumedRecord,
    *,
    consumer: str,
    error: BaseException,
    attempts: int,
    failed_at: datetime | None = None,
) -> KafkaRecord:
    """The record for `<topic>.dlq` that carries `record`, the consumer and the last error.

    Keyed like the original, so one aggregate's dead letters stay in order; the correlation id
    and trace context headers are carried over so the failure joins its trace.
    """
    letter = envelope_pb2.DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key or b"",
        value=record.value or b"",
        consumer=consumer,
        error=describe_error(error),
        attempts=attempts,
        headers=[envelope_pb2.Header(key=name, value=value) for name, value in record.headers],
    )
    letter.failed_at.FromDatetime(failed_at or datetime.now(UTC))
    headers = [(HEADER_CONTENT_TYPE, DEAD_LETTER_CONTENT_TYPE.encode())]
    headers.extend((name, value) for name, value in record.headers if name in _CARRIED_HEADERS)
    return KafkaRecord(
        topic=dlq_topic(record.topic),
        key=record.key or b"",
        value=letter.SerializeToString(deterministic=True),
        headers=tuple(headers),
    )
