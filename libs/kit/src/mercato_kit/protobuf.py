"""The kit's values <-> their protobuf messages, once for every service's translator.

- `money_message(Money)` / `money_of(message)`: `mercato.common.v1.Money`, trusted (a stored
  event, another service's answer); `requested_money(message, field=...)` checks a caller's
  amount and names the field (see `mercato_kit.money.requested_amount`).
- `timestamp_message(datetime)` / `datetime_of(Timestamp)`: always timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from mercato.common.v1 import money_pb2
from mercato_kit.money import Money, requested_amount

__all__ = [
    "datetime_of",
    "money_message",
    "money_of",
    "requested_money",
    "timestamp_message",
]


def money_message(money: Money) -> money_pb2.Money:
    return money_pb2.Money(currency=money.currency, minor_units=money.minor_units)


def money_of(message: money_pb2.Money) -> Money:
    """The amount a trusted message holds, unchecked."""
    return Money(minor_units=message.minor_units, currency=message.currency)


def requested_money(message: money_pb2.Money, *, field: str, minimum: int = 1) -> Money:
    """A caller's amount: supported currency, `minimum` to MAX_MINOR_UNITS; errors name `field`."""
    return requested_amount(
        minor_units=message.minor_units, currency=message.currency, field=field, minimum=minimum
    )


def timestamp_message(moment: datetime) -> Timestamp:
    """A timezone-aware moment as a Timestamp (a naive one is taken as UTC)."""
    timestamp = Timestamp()
    timestamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return timestamp


def datetime_of(timestamp: Timestamp) -> datetime:
    """The moment a Timestamp holds, timezone-aware UTC."""
    return timestamp.ToDatetime(tzinfo=UTC)
