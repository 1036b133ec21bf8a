"""The feed: every event a partner may ever see, in the order the platform applied them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mercato_platform.domain.entitlement import Owners


@dataclass(frozen=True)
class IncomingEvent:
    """A consumed event of a partner-visible type, decoded: its data as protobuf JSON."""

    event_id: str
    event_type: str
    aggregate_type: str
    subject: str
    occurred_at: datetime
    owners: Owners
    data: dict[str, Any]


@dataclass(frozen=True)
class FeedEntry:
    """One entry of the feed: its position, facts, owners and CloudEvent (structured JSON) in
    two projections: `full` (with a buyer's address) and `redacted` (without; None when the
    event has no address)."""

    position: int
    event_id: str
    event_type: str
    subject: str
    occurred_at: datetime
    owners: Owners
    full: str
    redacted: str | None = None

    def cloud_event(self, *, with_address: bool) -> str:
        """The CloudEvent a partner gets on a basis that does or does not show the address."""
        if with_address or self.redacted is None:
            return self.full
        return self.redacted
