"""Commands: what a partner or an operator asks of the platform (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Subscribe:
    types: tuple[str, ...]


@dataclass(frozen=True)
class Unsubscribe:
    types: tuple[str, ...]


@dataclass(frozen=True)
class RegisterEndpoint:
    url: str
    types: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class RotateEndpointSecret:
    endpoint_id: str
    overlap: timedelta


@dataclass(frozen=True)
class EnableEndpoint:
    endpoint_id: str


@dataclass(frozen=True)
class DeleteEndpoint:
    endpoint_id: str


@dataclass(frozen=True)
class Redeliver:
    """One message (an event id), or every message of the endpoint whose event occurred in
    [from_time, to_time)."""

    endpoint_id: str
    message_id: str = ""
    from_time: datetime | None = None
    to_time: datetime | None = None


@dataclass(frozen=True)
class StartStream:
    """Where a stream starts: after a position (a cursor), at a time, at the oldest entry kept,
    or (none of them) at the head: live only."""

    types: tuple[str, ...]
    after_position: int | None = None
    from_time: datetime | None = None
    from_beginning: bool = False
    heartbeat_seconds: float = 15.0
