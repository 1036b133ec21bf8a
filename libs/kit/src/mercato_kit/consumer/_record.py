"""ConsumedRecord: a record as the consumer received it, with its coordinates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ConsumedRecord"]


@dataclass(frozen=True)
class ConsumedRecord:
    """One Kafka record as consumed: where it sat (topic, partition, offset) and what it held."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp_ms: int = 0

    @classmethod
    def from_aiokafka(cls, record: Any) -> ConsumedRecord:
        """Copy an aiokafka `ConsumerRecord` (a header without a value becomes b"")."""
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=tuple((name, value or b"") for name, value in record.headers or ()),
            timestamp_ms=record.timestamp,
        )

    def header(self, name: str) -> bytes | None:
        """The first header with this name, if any."""
        return next((value for key, value in self.headers if key == name), None)
