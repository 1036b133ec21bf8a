"""Webhook messages (one feed entry made for one endpoint) and their delivery attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mercato_platform.domain.entitlement import Owners
from mercato_platform.domain.webhooks import DeliveryState, MessageStatus

EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class WebhookMessage:
    """What is sent to one endpoint for one feed entry: the body is the entry's CloudEvent as
    the endpoint's app may see it; `webhook-id` is the event id, the same on every attempt."""

    id: int
    endpoint_id: str
    position: int
    event_id: str
    event_type: str
    subject: str
    occurred_at: datetime
    owners: Owners
    body: str
    state: DeliveryState


@dataclass(frozen=True)
class AttemptOutcome:
    """How one HTTP attempt went: a 2xx within the timeout is delivered; anything else (another
    status, a timeout, a refused connection) is a failure. `status_code` 0: no answer."""

    status_code: int
    latency_ms: int
    excerpt: str

    @property
    def delivered(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def summary(self) -> str:
        return f"HTTP {self.status_code}" if self.status_code else self.excerpt[:80]


@dataclass(frozen=True)
class AttemptRecord:
    """One line of an endpoint's delivery log."""

    endpoint_id: str
    message_id: str
    event_type: str
    attempt: int
    at: datetime
    status_code: int
    latency_ms: int
    excerpt: str
    message_status: MessageStatus


def excerpt_of(text: str) -> str:
    """At most EXCERPT_LENGTH characters of an answer or an error, on one line."""
    flat = " ".join(text.split())
    return flat[:EXCERPT_LENGTH]
