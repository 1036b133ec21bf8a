"""EventEnvelope: the kit's view of mercato.events.v1.EventEnvelope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf.any_pb2 import Any as AnyPb
from google.protobuf.message import DecodeError, Message

from mercato.events.v1 import envelope_pb2
from mercato_kit.context import current_context, new_traceparent, parse_traceparent
from mercato_kit.ids import new_id
from mercato_kit.tracing import active_traceparent

M = TypeVar("M", bound=Message)

_TYPE_URL_PREFIX = "type.googleapis.com/"


class EnvelopeDecodeError(ValueError):
    """Bytes that are not a valid event envelope (a poison message for a consumer)."""


@dataclass(frozen=True)
class EventEnvelope:
    """One event with its facts: ids, aggregate, version, time, correlation and the payload.

    `payload` holds the serialized payload message, whose full protobuf name is `event_type`.
    Build new envelopes with `EventEnvelope.new`, which takes ids and trace context from the
    current `MessageContext`.
    """

    event_id: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: datetime
    correlation_id: str
    causation_id: str
    producer: str
    traceparent: str
    payload: bytes

    @classmethod
    def new(
        cls,
        payload: Message,
        *,
        aggregate_type: str,
        aggregate_id: str,
        aggregate_version: int,
        producer: str,
        occurred_at: datetime | None = None,
    ) -> EventEnvelope:
        """Wrap a payload message in a new envelope within the current message context (in the
        current span's trace, naming that span, when tracing is on)."""
        context = current_context()
        traceparent = active_traceparent()
        if traceparent is None:
            traceparent = new_traceparent(parse_traceparent(context.traceparent))
        return cls(
            event_id=new_id(),
            event_type=payload.DESCRIPTOR.full_name,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            aggregate_version=aggregate_version,
            occurred_at=occurred_at or datetime.now(UTC),
            correlation_id=context.correlation_id,
            causation_id=context.causation_id,
            producer=producer,
            traceparent=traceparent,
            payload=payload.SerializeToString(deterministic=True),
        )

    def unpack(self, message_type: type[M]) -> M:
        """Decode the payload as `message_type` (which must match `event_type`)."""
        if message_type.DESCRIPTOR.full_name != self.event_type:
            raise EnvelopeDecodeError(
                f"payload is {self.event_type}, not {message_type.DESCRIPTOR.full_name}"
            )
        message = message_type()
        try:
            message.ParseFromString(self.payload)
        except DecodeError as exc:
            raise EnvelopeDecodeError(
                f"payload of {self.event_id} is not a valid {self.event_type}"
            ) from exc
        return message

    def to_proto(self) -> envelope_pb2.EventEnvelope:
        """The protobuf form (what Kafka records carry)."""
        proto = envelope_pb2.EventEnvelope(
            event_id=self.event_id,
            event_type=self.event_type,
            aggregate_type=self.aggregate_type,
            aggregate_id=self.aggregate_id,
            aggregate_version=self.aggregate_version,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            producer=self.producer,
            traceparent=self.traceparent,
            payload=AnyPb(type_url=_TYPE_URL_PREFIX + self.event_type, value=self.payload),
        )
        proto.occurred_at.FromDatetime(self.occurred_at)
        return proto

    def to_bytes(self) -> bytes:
        """Serialized protobuf form."""
        return self.to_proto().SerializeToString(deterministic=True)

    @classmethod
    def from_proto(cls, proto: envelope_pb2.EventEnvelope) -> EventEnvelope:
        """Read the protobuf form; raise EnvelopeDecodeError when required facts are missing."""
        missing = [
            name
            for name in ("event_id", "event_type", "aggregate_type", "aggregate_id")
            if not getattr(proto, name)
        ]
        if missing:
            raise EnvelopeDecodeError(f"envelope without {', '.join(missing)}")
        return cls(
            event_id=proto.event_id,
            event_type=proto.event_type,
            aggregate_type=proto.aggregate_type,
            aggregate_id=proto.aggregate_id,
            aggregate_version=proto.aggregate_version,
            occurred_at=proto.occurred_at.ToDatetime(tzinfo=UTC),
            correlation_id=proto.correlation_id,
            causation_id=proto.causation_id,
            producer=proto.producer,
            traceparent=proto.traceparent,
            payload=proto.payload.value,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> EventEnvelope:
        """Decode serialized bytes; raise EnvelopeDecodeError for anything else."""
        proto = envelope_pb2.EventEnvelope()
        try:
            proto.ParseFromString(data)
        except (DecodeError, ValueError) as exc:
            raise EnvelopeDecodeError(f"not an event envelope: {exc}") from exc
        return cls.from_proto(proto)
