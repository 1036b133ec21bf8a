"""The life of a token-signing key: current, then retired but still published, then gone.

Rotating makes a new key current and retires the previous one. A retired key stays published
for `retention` (the longest life of a token), so every token it signed stays verifiable until
it expires: rotation needs no downtime. The private half is never part of the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mercato_kit.domain import Aggregate, DomainEvent


class PublishedKey(Aggregate):
    aggregate_type = "identity.signing_key"

    @dataclass(frozen=True)
    class Rotated(DomainEvent):
        previous_kid: str

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.created_at: datetime | None = None
        self.retired_at: datetime | None = None
        self.previous_kid = ""

    @classmethod
    def rotate_in(cls, kid: str, previous: PublishedKey | None, now: datetime) -> PublishedKey:
        """A new current key; the previous current key (if any) is retired."""
        if previous is not None:
            previous.retired_at = now
        key = cls(kid)
        key.created_at = now
        key._trigger(PublishedKey.Rotated(previous_kid=previous.id if previous else ""))
        return key

    @property
    def is_current(self) -> bool:
        return self.retired_at is None

    def published_until(self, retention: timedelta) -> datetime | None:
        """When a retired key stops being published (None while it is current)."""
        return None if self.retired_at is None else self.retired_at + retention

    def is_published(self, now: datetime, retention: timedelta) -> bool:
        until = self.published_until(retention)
        return until is None or now < until

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case PublishedKey.Rotated(previous_kid=previous_kid):
                self.previous_kid = previous_kid
            case _:
                raise TypeError(f"PublishedKey cannot apply {type(event).__name__}")
