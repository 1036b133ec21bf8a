"""Webhook endpoints in the platform's own table; their events through the outbox.

`save` checks the version the endpoint was loaded at (a concurrent change is a
ConcurrencyError, decided again by `run_once` or retried by the dispatcher); the feed position
the dispatcher has made messages up to is written apart (`advance`), never by `save`.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import ConcurrencyError
from mercato_kit.storage import AggregateOutbox
from mercato_platform.adapters.rows import utc
from mercato_platform.adapters.tables import endpoints
from mercato_platform.domain import Endpoint, EndpointStatus


class SqlEndpoints:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def add(self, endpoint: Endpoint) -> None:
        await self._session.execute(
            insert(endpoints).values(
                endpoint_id=endpoint.id, position=endpoint.position, **_values(endpoint)
            )
        )
        await self._outbox.record(endpoint)

    async def get(self, endpoint_id: str) -> Endpoint | None:
        row = (
            await self._session.execute(
                select(endpoints).where(endpoints.c.endpoint_id == endpoint_id)
            )
        ).first()
        return None if row is None else _endpoint(row)

    async def of_app(self, app_id: str) -> list[Endpoint]:
        rows = await self._session.execute(
            select(endpoints)
            .where(endpoints.c.app_id == app_id, endpoints.c.status != EndpointStatus.DELETED.value)
            .order_by(endpoints.c.created_at, endpoints.c.endpoint_id)
        )
        return [_endpoint(row) for row in rows]

    async def all(self) -> list[Endpoint]:
        rows = await self._session.execute(
            select(endpoints)
            .where(endpoints.c.status != EndpointStatus.DELETED.value)
            .order_by(endpoints.c.created_at, endpoints.c.endpoint_id)
        )
        return [_endpoint(row) for row in rows]

    async def enabled(self) -> list[Endpoint]:
        rows = await self._session.execute(
            select(endpoints)
            .where(endpoints.c.status == EndpointStatus.ENABLED.value)
            .order_by(endpoints.c.endpoint_id)
        )
        return [_endpoint(row) for row in rows]

    async def save(self, endpoint: Endpoint) -> None:
        changed = await self._session.execute(
            update(endpoints)
            .where(
                endpoints.c.endpoint_id == endpoint.id,
                endpoints.c.version == endpoint.saved_version,
            )
            .values(**_values(endpoint))
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrencyError("platform.webhook", endpoint.id, endpoint.saved_version)
        await self._outbox.record(endpoint)

    async def lock_position(self, endpoint_id: str) -> int | None:
        """The endpoint's position, its row locked to the end of the transaction (one
        dispatcher at a time makes its messages); None when it is not enabled."""
        value = await self._session.scalar(
            select(endpoints.c.position)
            .where(
                endpoints.c.endpoint_id == endpoint_id,
                endpoints.c.status == EndpointStatus.ENABLED.value,
            )
            .with_for_update()
        )
        return None if value is None else int(value)

    async def advance(self, endpoint_id: str, position: int) -> None:
        """Messages were made up to `position` for this endpoint."""
        await self._session.execute(
            update(endpoints)
            .where(endpoints.c.endpoint_id == endpoint_id, endpoints.c.position < position)
            .values(position=position)
        )


def _values(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "app_id": endpoint.app_id,
        "url": endpoint.url,
        "types": json.dumps(list(endpoint.types)),
        "description": endpoint.description,
        "app_scopes": " ".join(sorted(endpoint.app_scopes)),
        "status": endpoint.status.value,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at.astimezone(UTC) if endpoint.created_at else None,
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_valid_until": endpoint.previous_valid_until,
        "failing_since": endpoint.failing_since,
        "version": endpoint.version,
    }


def _endpoint(row: Any) -> Endpoint:
    endpoint = Endpoint(row.endpoint_id)
    endpoint.app_id, endpoint.url = row.app_id, row.url
    endpoint.types = tuple(json.loads(row.types))
    endpoint.description = row.description
    endpoint.app_scopes = frozenset(row.app_scopes.split())
    endpoint.status = EndpointStatus(row.status)
    endpoint.disabled_reason = row.disabled_reason
    endpoint.created_at = utc(row.created_at)
    endpoint.secret, endpoint.previous_secret = row.secret, row.previous_secret
    endpoint.previous_valid_until = utc(row.previous_valid_until)
    endpoint.failing_since = utc(row.failing_since)
    endpoint.position = int(row.position)
    endpoint.version = int(row.version)
    return endpoint
