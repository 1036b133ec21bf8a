"""How an envelope travels in Kafka: key = aggregate id, value = envelope, facts in headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from mercato_kit.events._envelope import EnvelopeDecodeError, EventEnvelope

HEADER_EVENT_TYPE = "mercato-event-type"
HEADER_EVENT_ID = "mercato-event-id"
HEADER_CORRELATION_ID = "mercato-correlation-id"
HEADER_CONTENT_TYPE = "content-type"
HEADER_TRACEPARENT = "traceparent"
CONTENT_TYPE = "application/x-protobuf; messageType=mercato.events.v1.EventEnvelope"
_CONTENT_TYPE_BYTES = CONTENT_TYPE.encode()


@dataclass(frozen=True)
class KafkaRecord:
    """A record as produced: topic, key, value and headers (in order)."""

    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> bytes | None:
        """The first header with this name, if any."""
        return next((value for key, value in self.headers if key == name), None)


def to_kafka_record(envelope: EventEnvelope, topic: str) -> KafkaRecord:
    """The record that carries `envelope` on `topic`."""
    return KafkaRecord(
        topic=topic,
        key=envelope.aggregate_id.encode(),
        value=envelope.to_bytes(),
        headers=kafka_headers(envelope),
    )


class EnvelopeFacts(Protocol):
    """What the headers are made of: an `EventEnvelope`, or its protobuf form."""

    @property
    def event_type(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def correlation_id(self) -> str: ...
    @property
    def traceparent(self) -> str: ...


def kafka_headers(envelope: EnvelopeFacts) -> tuple[tuple[str, bytes], ...]:
    """The headers of the record that carries `envelope` (its facts, for routing and tracing).

    The relay passes the parsed protobuf, which spares it building the whole envelope."""
    headers = (
        (HEADER_EVENT_TYPE, envelope.event_type.encode()),
        (HEADER_CONTENT_TYPE, _CONTENT_TYPE_BYTES),
        (HEADER_EVENT_ID, envelope.event_id.encode()),
        (HEADER_CORRELATION_ID, envelope.correlation_id.encode()),
    )
    if envelope.traceparent:
        return (*headers, (HEADER_TRACEPARENT, envelope.traceparent.encode()))
    return headers


def envelope_from_record(
    value: bytes | None, headers: Sequence[tuple[str, bytes]] = ()
) -> EventEnvelope:
    """Decode a consumed record's value (headers are informational; the value is the truth)."""
    del headers
    if value is None:
        raise EnvelopeDecodeError("record has no value (a tombstone is not an event)")
    return EventEnvelope.from_bytes(value)
