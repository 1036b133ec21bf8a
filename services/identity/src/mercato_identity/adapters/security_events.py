"""The security audit trail: identity's security-relevant events, as published, kept in the
`security_events` table (written in the transaction that records them in the outbox) for
operators to list by account or app.

`AuditedOutbox` is the outbox of identity's unit of work: every event recorded through it that
`audit_subject` names goes into the table as well, so nothing reaches Kafka without its line in
the trail, and the reverse. Payloads are the published ones: never a secret (events.proto).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.rows import required_utc
from mercato_identity.adapters.tables import security_events
from mercato_identity.domain import Account, App, Grant, PublishedKey, SecurityEvent, Session
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.events import EventEnvelope
from mercato_kit.storage import AggregateOutbox


def audit_subject(aggregate: Aggregate, event: DomainEvent) -> tuple[str, str] | None:
    """The account and the app (either may be empty) an event is about; None: not audited."""
    match event:
        case Account.Registered() | Account.RegistrationAttempted():
            return aggregate.id, ""
        case App.Registered(owner_account_id=owner):
            return owner, aggregate.id
        case App.SecretRotated():
            return "", aggregate.id
        case Grant.Granted(grantor_account_id=grantor, app_id=app_id):
            return grantor, app_id
        case Grant.Revoked(grantor_account_id=grantor, app_id=app_id):
            return grantor, app_id
        case Session.SignedOut(account_id=account_id):
            return account_id, ""
        case PublishedKey.Rotated():
            return "", ""
        case SecurityEvent.SignedIn(account_id=account_id):
            return account_id, ""
        case SecurityEvent.SignInFailed(account_id=account_id):
            return account_id, ""
        case SecurityEvent.OperatorActed(operator_account_id=operator):
            return operator, ""
    return None


class AuditedOutbox(AggregateOutbox):
    async def record(self, aggregate: Aggregate) -> list[EventEnvelope]:
        pending = aggregate.pending_events()
        envelopes = await super().record(aggregate)
        rows = [
            {
                "event_id": envelope.event_id,
                "event_type": envelope.event_type,
                "occurred_at": envelope.occurred_at,
                "account_id": subject[0] or None,
                "app_id": subject[1] or None,
                "payload": envelope.payload,
            }
            for event, envelope in zip(pending, envelopes, strict=True)
            if (subject := audit_subject(aggregate, event)) is not None
        ]
        if rows:
            await self._session.execute(insert(security_events), rows)
        return envelopes


@dataclass(frozen=True)
class AuditedEvent:
    position: int
    event_id: str
    event_type: str
    occurred_at: datetime
    account_id: str
    app_id: str
    payload: bytes


class SqlSecurityEvents:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def record(self, event: SecurityEvent) -> None:
        await self._outbox.record(event)

    async def page(
        self, *, account_id: str | None, app_id: str | None, before: int | None, limit: int
    ) -> list[AuditedEvent]:
        """Newest first, from before position `before` (None: the newest)."""
        table = security_events.c
        query = select(security_events).order_by(table.position.desc()).limit(limit)
        if account_id is not None:
            query = query.where(table.account_id == account_id)
        if app_id is not None:
            query = query.where(table.app_id == app_id)
        if before is not None:
            query = query.where(table.position < before)
        return [
            AuditedEvent(
                row.position,
                row.event_id,
                row.event_type,
                required_utc(row.occurred_at),
                row.account_id or "",
                row.app_id or "",
                bytes(row.payload),
            )
            for row in await self._session.execute(query)
        ]

    async def forget_before(self, cutoff: datetime, *, limit: int) -> int:
        table = security_events.c
        oldest = select(table.position).where(table.occurred_at < cutoff).limit(limit)
        done = await self._session.execute(
            delete(security_events).where(table.position.in_(oldest))
        )
        return int(done.rowcount)  # type: ignore[attr-defined]
