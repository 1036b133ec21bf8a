"""Subscriptions: the event types an app asked for (for its streams and its webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mercato_kit.domain import Aggregate, DomainEvent


class Subscription(Aggregate):
    """An app's subscribed event types (aggregate id: the app id). Kept in the platform's own
    table; its events (EventsSubscribed, EventsUnsubscribed) go out through the outbox."""

    aggregate_type = "platform.app"

    @dataclass(frozen=True)
    class Subscribed(DomainEvent):
        types: tuple[str, ...]

    @dataclass(frozen=True)
    class Unsubscribed(DomainEvent):
        types: tuple[str, ...]

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.types: tuple[str, ...] = ()
        self.updated_at: datetime | None = None

    @classmethod
    def restored(
        cls, app_id: str, types: tuple[str, ...], updated_at: datetime | None, version: int
    ) -> Subscription:
        subscription = cls(app_id)
        subscription.types, subscription.updated_at = tuple(sorted(types)), updated_at
        subscription.version = version
        return subscription

    @property
    def app_id(self) -> str:
        return self.id

    def subscribe(self, types: list[str], now: datetime) -> None:
        """Add types (those already subscribed change nothing)."""
        added = tuple(sorted(set(types) - set(self.types)))
        if added:
            self.updated_at = now
            self._trigger(Subscription.Subscribed(added))

    def unsubscribe(self, types: list[str], now: datetime) -> None:
        """Remove types (those not subscribed change nothing)."""
        removed = tuple(sorted(set(types) & set(self.types)))
        if removed:
            self.updated_at = now
            self._trigger(Subscription.Unsubscribed(removed))

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Subscription.Subscribed(types=types):
                self.types = tuple(sorted(set(self.types) | set(types)))
            case Subscription.Unsubscribed(types=types):
                self.types = tuple(sorted(set(self.types) - set(types)))
            case _:
                raise TypeError(f"Subscription cannot apply {type(event).__name__}")
