"""The webhook dispatcher: makes each enabled endpoint's messages from the feed, then delivers
those that are due, in order per aggregate per endpoint, logging every attempt.

One run: (1) for each enabled endpoint, the feed entries after its position that its app is
entitled to and subscribed to (and the endpoint asks for) become messages, in the transaction
that moves its position on; (2) due messages are claimed (no other dispatcher takes them for a
while), re-checked against the app's entitlement (a revoked grant withdraws them), signed and
POSTed concurrently, at most one per aggregate per endpoint at a time; (3) each outcome is
recorded with its attempt: delivered, retried later per the schedule, or failed after the last
attempt (WebhookDeliveryFailed); an endpoint failing for `disable_after` is disabled
(WebhookEndpointDisabled). A crash between the POST and its record retries the message once
its claim lapses: at least once, with the same `webhook-id`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mercato_kit.errors import ConcurrencyError
from mercato_kit.logging import get_logger
from mercato_platform.application.ports import PlatformWork, Send
from mercato_platform.domain import (
    AppView,
    AttemptOutcome,
    AttemptRecord,
    Endpoint,
    MessageStatus,
    RetrySchedule,
    WebhookMessage,
    basis_for,
    sign,
)

UnitOfWork = Callable[..., AbstractAsyncContextManager[PlatformWork]]

_log = get_logger(__name__)


@dataclass(frozen=True)
class DispatchSettings:
    schedule: RetrySchedule
    timeout: float
    disable_after: timedelta
    concurrency: int = 16
    batch: int = 200
    page: int = 500


class Dispatcher:
    def __init__(self, unit_of_work: UnitOfWork, *, send: Send, settings: DispatchSettings) -> None:
        self._unit_of_work = unit_of_work
        self._send = send
        self._settings = settings
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.concurrency)
        self.delivered = 0

    def wake(self) -> None:
        """New feed entries, or a redelivery: run now."""
        self._wake.set()

    async def run(self, wait: float = 1.0) -> bool:
        """Wait (up to `wait` seconds, less when a retry is due sooner) for a wake-up, then make
        messages and deliver what is due; True (the task runs again at once)."""
        more = await self.dispatch()
        if not more:
            delay = wait
            due = await self._next_due()
            if due is not None:
                delay = max(0.0, min(wait, (due - datetime.now(UTC)).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
        self._wake.clear()
        return True

    async def dispatch(self) -> bool:
        """One round; True when more may be waiting right now."""
        async with self._unit_of_work(read_only=True) as uow:
            endpoints = {e.id: e for e in await uow.endpoints.enabled()}
        if not endpoints:
            return False
        views: dict[str, AppView] = {}
        more = False
        for endpoint in endpoints.values():
            more |= await self._make_messages(endpoint, views)
        delivered = await self._deliver_due(endpoints, views)
        return more or delivered >= self._settings.batch

    async def _next_due(self) -> datetime | None:
        async with self._unit_of_work(read_only=True) as uow:
            ids = [e.id for e in await uow.endpoints.enabled()]
            return await uow.deliveries.next_due(ids)

    async def _view(
        self, uow: PlatformWork, endpoint: Endpoint, views: dict[str, AppView]
    ) -> AppView:
        view = views.get(endpoint.app_id)
        if view is None:
            scopes = await uow.grants.seller_scopes(endpoint.app_id)
            view = views[endpoint.app_id] = AppView(endpoint.app_id, endpoint.app_scopes, scopes)
        return view

    async def _make_messages(self, endpoint: Endpoint, views: dict[str, AppView]) -> bool:
        page = self._settings.page
        async with self._unit_of_work() as uow:
            head = await uow.feed.head()
            if endpoint.position >= head:
                return False
            position = await uow.endpoints.lock_position(endpoint.id)
            if position is None or position >= head:
                return False
            subscribed = (await uow.subscriptions.get(endpoint.app_id)).types
            types = set(endpoint.types) & set(subscribed)
            view = await self._view(uow, endpoint, views)
            entries = await uow.feed.entries_after(
                position,
                through=head,
                limit=page,
                types=types,
                sellers=view.sellers,
                app_id=endpoint.app_id,
            )
            through = entries[-1].position if len(entries) == page else head
            messages = []
            for entry in entries:
                basis = basis_for(view, entry.event_type, entry.owners)
                if basis is not None:
                    messages.append((entry, entry.cloud_event(with_address=basis.shows_address)))
            await uow.deliveries.add(endpoint.id, messages, datetime.now(UTC))
            await uow.endpoints.advance(endpoint.id, through)
            await uow.commit()
        return through < head

    async def _deliver_due(self, endpoints: dict[str, Endpoint], views: dict[str, AppView]) -> int:
        now = datetime.now(UTC)
        claim_until = now + timedelta(seconds=self._settings.timeout + 5)
        async with self._unit_of_work() as uow:
            due = await uow.deliveries.due(now, list(endpoints), self._settings.batch)
            claimed = [m for m in due if await uow.deliveries.claim(m, claim_until)]
            for message in claimed:
                await self._view(uow, endpoints[message.endpoint_id], views)
            await uow.commit()
        if not claimed:
            return 0
        await asyncio.gather(
            *(
                self._deliver(m, endpoints[m.endpoint_id], views[endpoints[m.endpoint_id].app_id])
                for m in claimed
            )
        )
        return len(claimed)

    async def _deliver(self, message: WebhookMessage, endpoint: Endpoint, view: AppView) -> None:
        if basis_for(view, message.event_type, message.owners) is None:
            async with self._unit_of_work() as uow:
                await uow.deliveries.withdraw(message, datetime.now(UTC))
                await uow.commit()
            return
        async with self._slots:
            now = datetime.now(UTC)
            body = message.body.encode()
            timestamp = int(now.timestamp())
            headers = {
                "webhook-id": message.event_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(
                    endpoint.signing_secrets(now), message.event_id, timestamp, body
                ),
                "content-type": "application/cloudevents+json; charset=utf-8",
            }
            outcome = await self._send(endpoint.url, headers, body)
        await self._record(message, outcome)

    async def _record(self, message: WebhookMessage, outcome: AttemptOutcome) -> None:
        for attempt in range(5):
            try:
                await self._record_once(message, outcome)
                return
            except ConcurrencyError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))

    async def _record_once(self, message: WebhookMessage, outcome: AttemptOutcome) -> None:
        now = datetime.now(UTC)
        async with self._unit_of_work() as uow:
            endpoint = await uow.endpoints.get(message.endpoint_id)
            if endpoint is None:
                return
            state = message.state.after_attempt(
                delivered=outcome.delivered,
                status_code=outcome.status_code,
                now=now,
                schedule=self._settings.schedule,
            )
            before = (endpoint.failing_since, endpoint.status)
            if outcome.delivered:
                endpoint.attempt_succeeded()
            else:
                endpoint.attempt_failed(now, self._settings.disable_after, outcome.summary)
            if state.status is MessageStatus.FAILED:
                endpoint.delivery_failed(
                    message_id=message.event_id,
                    event_type=message.event_type,
                    attempts=state.round_attempts,
                    last_status_code=outcome.status_code,
                )
            if endpoint.pending_events() or before != (endpoint.failing_since, endpoint.status):
                await uow.endpoints.save(endpoint)
            await uow.deliveries.record(
                message,
                state,
                AttemptRecord(
                    endpoint_id=message.endpoint_id,
                    message_id=message.event_id,
                    event_type=message.event_type,
                    attempt=state.attempts,
                    at=now,
                    status_code=outcome.status_code,
                    latency_ms=outcome.latency_ms,
                    excerpt=outcome.excerpt,
                    message_status=state.status,
                ),
            )
            await uow.commit()
        if outcome.delivered:
            self.delivered += 1
        elif state.status is MessageStatus.FAILED:
            _log.warning(
                "webhook message failed after its last attempt",
                endpoint_id=message.endpoint_id,
                message_id=message.event_id,
                attempts=state.round_attempts,
            )
