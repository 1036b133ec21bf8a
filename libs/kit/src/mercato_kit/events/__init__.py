"""The event envelope, its Kafka mapping, and the one place topic names are defined."""

from mercato_kit.events._envelope import EnvelopeDecodeError, EventEnvelope
from mercato_kit.events._kafka import (
    CONTENT_TYPE,
    HEADER_CONTENT_TYPE,
    HEADER_CORRELATION_ID,
    HEADER_EVENT_ID,
    HEADER_EVENT_TYPE,
    HEADER_TRACEPARENT,
    KafkaRecord,
    envelope_from_record,
    kafka_headers,
    to_kafka_record,
)
from mercato_kit.events._topics import (
    AGGREGATE_TYPES,
    TopicSpec,
    all_topics,
    dlq_topic,
    topic_for,
)

__all__ = [
    "AGGREGATE_TYPES",
    "CONTENT_TYPE",
    "HEADER_CONTENT_TYPE",
    "HEADER_CORRELATION_ID",
    "HEADER_EVENT_ID",
    "HEADER_EVENT_TYPE",
    "HEADER_TRACEPARENT",
    "EnvelopeDecodeError",
    "EventEnvelope",
    "KafkaRecord",
    "TopicSpec",
    "all_topics",
    "dlq_topic",
    "envelope_from_record",
    "kafka_headers",
    "to_kafka_record",
    "topic_for",
]
