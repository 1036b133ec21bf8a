"""Expiry of what accumulates: ended and expired sessions (with their refresh tokens), expired
authorization codes, idle sign-in throttles and old audit lines, each kept for its retention
(settings), deleted by a periodic task in bounded transactions. (Used idempotency keys are the
kit's, like every service's: `IDENTITY_IDEMPOTENCY_KEY_RETENTION`, mercato_kit.runtime.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mercato_identity.application.ports import IdentityUnitOfWork


@dataclass(frozen=True)
class Retention:
    sessions: timedelta = timedelta(days=30)
    authorization_codes: timedelta = timedelta(days=1)
    sign_in_throttles: timedelta = timedelta(days=1)
    security_events: timedelta = timedelta(days=365)


async def forget_expired(
    uow: IdentityUnitOfWork, *, now: datetime, retention: Retention, batch: int = 1000
) -> dict[str, int]:
    """Delete what outlived its retention, at most `batch` rows of each kind (the periodic task
    runs again at once while any kind filled its batch); how many rows of each kind."""
    return {
        "sessions": await uow.sessions.forget_before(now - retention.sessions, limit=batch),
        "authorization_codes": await uow.codes.forget_before(
            now - retention.authorization_codes, limit=batch
        ),
        "sign_in_throttles": await uow.throttles.forget_before(
            now - retention.sign_in_throttles, now, limit=batch
        ),
        "security_events": await uow.security.forget_before(
            now - retention.security_events, limit=batch
        ),
    }
