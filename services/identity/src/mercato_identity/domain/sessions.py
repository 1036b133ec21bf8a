"""Sign-in sessions and their rotating refresh tokens.

Each refresh token belongs to one generation of its session; refreshing moves the session to
the next generation and issues the next token. A token of an older generation coming back means
it leaked (the rightful holder already used it, or the thief did): the whole session ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mercato_identity.domain.errors import RefreshTokenRejected, RefreshTokenReused
from mercato_kit.domain import Aggregate, DomainEvent


class SignOutReason(StrEnum):
    SIGNED_OUT = "signed_out"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"  # noqa: S105 (a reason, not a secret)


class Session(Aggregate):
    aggregate_type = "identity.session"

    @dataclass(frozen=True)
    class SignedOut(DomainEvent):
        account_id: str
        reason: SignOutReason

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.account_id = ""
        self.started_at: datetime | None = None
        self.expires_at: datetime | None = None
        self.generation = 0
        self.ended_at: datetime | None = None
        self.end_reason: SignOutReason | None = None

    @classmethod
    def start(
        cls, session_id: str, account_id: str, *, now: datetime, lifetime: timedelta
    ) -> Session:
        session = cls(session_id)
        session.account_id = account_id
        session.started_at, session.expires_at = now, now + lifetime
        session.generation = 1
        return session

    def is_active(self, now: datetime) -> bool:
        return self.end_reason is None and self.expires_at is not None and now < self.expires_at

    def rotate(self, presented_generation: int, now: datetime) -> int:
        """The next generation for a refresh with a token of `presented_generation`."""
        if not self.is_active(now):
            raise RefreshTokenRejected()
        if presented_generation != self.generation:
            self.end(SignOutReason.REFRESH_TOKEN_REUSED, now)
            raise RefreshTokenReused()
        self.generation += 1
        return self.generation

    def end(self, reason: SignOutReason, now: datetime) -> None:
        """End the session (nothing happens if it has ended already)."""
        if self.end_reason is not None:
            return
        self.ended_at = now
        self._trigger(Session.SignedOut(account_id=self.account_id, reason=reason))

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Session.SignedOut(reason=reason):
                self.end_reason = reason
            case _:
                raise TypeError(f"Session cannot apply {type(event).__name__}")
