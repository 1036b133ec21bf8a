"""Webhook messages and the delivery log in the platform's own tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_platform.adapters.rows import utc_required
from mercato_platform.adapters.tables import delivery_attempts, webhook_messages
from mercato_platform.domain import (
    AttemptRecord,
    DeliveryState,
    FeedEntry,
    MessageStatus,
    Owners,
    WebhookMessage,
)

_PENDING = MessageStatus.PENDING.value


class SqlDeliveries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, endpoint_id: str, messages: Sequence[tuple[FeedEntry, str]], now: datetime
    ) -> None:
        """Messages for `endpoint_id`: each feed entry with the body its app may see."""
        if not messages:
            return
        state = DeliveryState.new(now)
        await self._session.execute(
            insert(webhook_messages),
            [
                {
                    "endpoint_id": endpoint_id,
                    "position": entry.position,
                    "event_id": entry.event_id,
                    "event_type": entry.event_type,
                    "subject": entry.subject,
                    "occurred_at": entry.occurred_at.astimezone(UTC),
                    "seller_id": entry.owners.seller_id or None,
                    "carrier_id": entry.owners.carrier_id or None,
                    "publisher_id": entry.owners.publisher_id or None,
                    "body": body,
                    **_state_values(state, now),
                }
                for entry, body in messages
            ],
        )

    async def due(
        self, now: datetime, endpoint_ids: Collection[str], limit: int
    ) -> list[WebhookMessage]:
        """Pending messages of these endpoints due now, none of which waits for an earlier
        pending message of its aggregate (order per aggregate per endpoint); oldest first."""
        if not endpoint_ids:
            return []
        message, earlier = webhook_messages, webhook_messages.alias("earlier")
        query = (
            select(message)
            .where(
                message.c.status == _PENDING,
                message.c.next_attempt_at <= now,
                message.c.endpoint_id.in_(sorted(endpoint_ids)),
                ~exists().where(
                    and_(
                        earlier.c.endpoint_id == message.c.endpoint_id,
                        earlier.c.subject == message.c.subject,
                        earlier.c.status == _PENDING,
                        earlier.c.position < message.c.position,
                    )
                ),
            )
            .order_by(message.c.id)
            .limit(limit)
        )
        return [_message(row) for row in await self._session.execute(query)]

    async def next_due(self, endpoint_ids: Collection[str]) -> datetime | None:
        if not endpoint_ids:
            return None
        value = await self._session.scalar(
            select(func.min(webhook_messages.c.next_attempt_at)).where(
                webhook_messages.c.status == _PENDING,
                webhook_messages.c.endpoint_id.in_(sorted(endpoint_ids)),
            )
        )
        return None if value is None else utc_required(value)

    async def claim(self, message: WebhookMessage, until: datetime) -> bool:
        """Take the message for one attempt (no other dispatcher takes it before `until`);
        False when another took it first."""
        claimed = await self._session.execute(
            update(webhook_messages)
            .where(
                webhook_messages.c.id == message.id,
                webhook_messages.c.status == _PENDING,
                webhook_messages.c.next_attempt_at == message.state.next_attempt_at,
            )
            .values(next_attempt_at=until)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    async def record(
        self, message: WebhookMessage, state: DeliveryState, attempt: AttemptRecord
    ) -> None:
        """The message's new state and one line of the delivery log."""
        await self._session.execute(
            update(webhook_messages)
            .where(webhook_messages.c.id == message.id)
            .values(**_state_values(state, attempt.at))
        )
        await self._session.execute(
            insert(delivery_attempts).values(
                endpoint_id=attempt.endpoint_id,
                message_id=attempt.message_id,
                event_type=attempt.event_type,
                attempt=attempt.attempt,
                at=attempt.at,
                status_code=attempt.status_code,
                latency_ms=attempt.latency_ms,
                excerpt=attempt.excerpt,
                outcome=attempt.message_status.value,
            )
        )

    async def withdraw(self, message: WebhookMessage, now: datetime) -> None:
        """The app is no longer entitled to the message: it is not sent."""
        await self._session.execute(
            update(webhook_messages)
            .where(webhook_messages.c.id == message.id)
            .values(status=MessageStatus.WITHDRAWN.value, updated_at=now)
        )

    async def attempts(
        self, endpoint_id: str, *, message_id: str = "", limit: int = 100
    ) -> list[AttemptRecord]:
        """The endpoint's delivery log (one message's when named), newest first."""
        query = (
            select(delivery_attempts)
            .where(delivery_attempts.c.endpoint_id == endpoint_id)
            .order_by(delivery_attempts.c.id.desc())
            .limit(limit)
        )
        if message_id:
            query = query.where(delivery_attempts.c.message_id == message_id)
        return [_attempt(row) for row in await self._session.execute(query)]

    async def failing(
        self, limit: int, endpoint_ids: Collection[str] | None = None
    ) -> list[AttemptRecord]:
        """The last attempt of each failed message, newest first."""
        message = webhook_messages
        query = (
            select(delivery_attempts)
            .join(
                message,
                and_(
                    message.c.endpoint_id == delivery_attempts.c.endpoint_id,
                    message.c.event_id == delivery_attempts.c.message_id,
                    message.c.attempts == delivery_attempts.c.attempt,
                ),
            )
            .where(message.c.status == MessageStatus.FAILED.value)
            .order_by(delivery_attempts.c.id.desc())
            .limit(limit)
        )
        if endpoint_ids is not None:
            query = query.where(delivery_attempts.c.endpoint_id.in_(sorted(endpoint_ids)))
        return [_attempt(row) for row in await self._session.execute(query)]

    async def counts(self, endpoint_ids: Collection[str]) -> dict[str, tuple[int, int]]:
        """Per endpoint: (pending, failed) messages."""
        if not endpoint_ids:
            return {}
        rows = await self._session.execute(
            select(webhook_messages.c.endpoint_id, webhook_messages.c.status, func.count())
            .where(
                webhook_messages.c.endpoint_id.in_(sorted(endpoint_ids)),
                webhook_messages.c.status.in_([_PENDING, MessageStatus.FAILED.value]),
            )
            .group_by(webhook_messages.c.endpoint_id, webhook_messages.c.status)
        )
        counts: dict[str, tuple[int, int]] = {}
        for endpoint_id, status, count in rows:
            pending, failed = counts.get(endpoint_id, (0, 0))
            if status == _PENDING:
                pending = int(count)
            else:
                failed = int(count)
            counts[endpoint_id] = (pending, failed)
        return counts

    async def redeliver(
        self,
        endpoint_id: str,
        now: datetime,
        *,
        message_id: str = "",
        from_time: datetime | None = None,
        to_time: datetime | None = None,
    ) -> int:
        """Send messages again as a new round of attempts; how many."""
        condition = webhook_messages.c.endpoint_id == endpoint_id
        if message_id:
            condition = and_(condition, webhook_messages.c.event_id == message_id)
        else:
            assert from_time is not None
            assert to_time is not None
            condition = and_(
                condition,
                webhook_messages.c.occurred_at >= from_time.astimezone(UTC),
                webhook_messages.c.occurred_at < to_time.astimezone(UTC),
            )
        changed = await self._session.execute(
            update(webhook_messages)
            .where(condition)
            .values(status=_PENDING, round_attempts=0, next_attempt_at=now, updated_at=now)
        )
        return int(changed.rowcount)  # type: ignore[attr-defined]


def _state_values(state: DeliveryState, now: datetime) -> dict[str, Any]:
    return {
        "status": state.status.value,
        "round_attempts": state.round_attempts,
        "attempts": state.attempts,
        "next_attempt_at": state.next_attempt_at,
        "last_status_code": state.last_status_code,
        "updated_at": now,
    }


def _message(row: Any) -> WebhookMessage:
    return WebhookMessage(
        id=int(row.id),
        endpoint_id=row.endpoint_id,
        position=int(row.position),
        event_id=row.event_id,
        event_type=row.event_type,
        subject=row.subject,
        occurred_at=utc_required(row.occurred_at),
        owners=Owners(row.seller_id or "", row.carrier_id or "", row.publisher_id or ""),
        body=row.body,
        state=DeliveryState(
            MessageStatus(row.status),
            int(row.round_attempts),
            int(row.attempts),
            utc_required(row.next_attempt_at),
            int(row.last_status_code),
        ),
    )


def _attempt(row: Any) -> AttemptRecord:
    return AttemptRecord(
        endpoint_id=row.endpoint_id,
        message_id=row.message_id,
        event_type=row.event_type,
        attempt=int(row.attempt),
        at=utc_required(row.at),
        status_code=int(row.status_code),
        latency_ms=int(row.latency_ms),
        excerpt=row.excerpt,
        message_status=MessageStatus(row.outcome),
    )
