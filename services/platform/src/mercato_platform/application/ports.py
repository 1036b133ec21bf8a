"""What the handlers need of a unit of work (adapters.unit_of_work.PlatformUnitOfWork) and of
the world outside (the HTTP client that delivers webhooks, the resolver that vets their hosts)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from mercato_platform.domain import (
    AttemptOutcome,
    AttemptRecord,
    DeliveryState,
    Endpoint,
    FeedEntry,
    GrantChange,
    IncomingEvent,
    Owners,
    Subscription,
    WebhookMessage,
)


class Feed(Protocol):
    async def next_position(self) -> int: ...
    async def append(self, entry: FeedEntry) -> None: ...
    async def owners_of(self, aggregate_type: str, aggregate_id: str) -> Owners | None: ...
    async def remember_owners(
        self, aggregate_type: str, aggregate_id: str, owners: Owners
    ) -> None: ...
    async def head(self) -> int: ...
    async def trimmed_through(self) -> int: ...
    async def first_position_at(self, moment: datetime) -> int | None: ...
    async def entries_after(
        self,
        after: int,
        *,
        through: int,
        limit: int,
        types: Collection[str] | None = None,
        sellers: Collection[str] | None = None,
        app_id: str | None = None,
    ) -> list[FeedEntry]: ...
    async def trim(self, before: datetime, limit: int) -> int: ...


class Grants(Protocol):
    async def apply(self, change: GrantChange) -> None: ...
    async def seller_scopes(self, app_id: str) -> dict[str, frozenset[str]]: ...


class Subscriptions(Protocol):
    async def get(self, app_id: str) -> Subscription: ...
    async def all(self) -> list[Subscription]: ...
    async def save(self, subscription: Subscription) -> None: ...


class Endpoints(Protocol):
    async def add(self, endpoint: Endpoint) -> None: ...
    async def get(self, endpoint_id: str) -> Endpoint | None: ...
    async def of_app(self, app_id: str) -> list[Endpoint]: ...
    async def all(self) -> list[Endpoint]: ...
    async def enabled(self) -> list[Endpoint]: ...
    async def save(self, endpoint: Endpoint) -> None: ...
    async def lock_position(self, endpoint_id: str) -> int | None: ...
    async def advance(self, endpoint_id: str, position: int) -> None: ...


class Deliveries(Protocol):
    async def add(
        self, endpoint_id: str, messages: Sequence[tuple[FeedEntry, str]], now: datetime
    ) -> None: ...
    async def due(
        self, now: datetime, endpoint_ids: Collection[str], limit: int
    ) -> list[WebhookMessage]: ...
    async def next_due(self, endpoint_ids: Collection[str]) -> datetime | None: ...
    async def claim(self, message: WebhookMessage, until: datetime) -> bool: ...
    async def record(
        self, message: WebhookMessage, state: DeliveryState, attempt: AttemptRecord
    ) -> None: ...
    async def withdraw(self, message: WebhookMessage, now: datetime) -> None: ...
    async def attempts(
        self, endpoint_id: str, *, message_id: str = "", limit: int = 100
    ) -> list[AttemptRecord]: ...
    async def failing(
        self, limit: int, endpoint_ids: Collection[str] | None = None
    ) -> list[AttemptRecord]: ...
    async def counts(self, endpoint_ids: Collection[str]) -> dict[str, tuple[int, int]]: ...
    async def redeliver(
        self,
        endpoint_id: str,
        now: datetime,
        *,
        message_id: str = "",
        from_time: datetime | None = None,
        to_time: datetime | None = None,
    ) -> int: ...


class FeedWork(Protocol):
    """The consumer's transaction: the feed and the grants."""

    @property
    def feed(self) -> Feed: ...

    @property
    def grants(self) -> Grants: ...


class PlatformWork(FeedWork, Protocol):
    """One transaction with every repository."""

    @property
    def subscriptions(self) -> Subscriptions: ...

    @property
    def endpoints(self) -> Endpoints: ...

    @property
    def deliveries(self) -> Deliveries: ...

    async def commit(self) -> None: ...


Render = Callable[[IncomingEvent, int, dict[str, Any]], str]
"""Writes a feed entry's CloudEvent (structured JSON) from the event, its position and data."""

Send = Callable[[str, dict[str, str], bytes], Awaitable[AttemptOutcome]]
"""POSTs a webhook (url, headers, body) and tells how it went; never raises for the receiver's
failures (they are outcomes)."""

Resolve = Callable[[str], Awaitable[list[str]]]
"""The IP addresses a host name resolves to (empty when it does not)."""
