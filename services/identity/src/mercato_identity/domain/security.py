"""Security events: facts for the audit trail that belong to no other aggregate.

Each is an aggregate of its own (a new id, its one event at version 1): sign-ins and their
failures, and operators' actions. Grants, revocations, sign-outs, key rotations and
registrations are their own aggregates' events; the audit trail lists those too. None
carries a password, secret, token, code, hash or key.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mercato_kit.domain import Aggregate, DomainEvent


class OperatorAction(StrEnum):
    REGISTERED_OPERATOR = "registered_operator"
    REVOKED_GRANT = "revoked_grant"
    ROTATED_SIGNING_KEY = "rotated_signing_key"
    RESEALED_SIGNING_KEYS = "resealed_signing_keys"


class SecurityEvent(Aggregate):
    aggregate_type = "identity.security"

    @dataclass(frozen=True)
    class SignedIn(DomainEvent):
        account_id: str
        session_id: str
        source: str

    @dataclass(frozen=True)
    class SignInFailed(DomainEvent):
        """A wrong password, or an e-mail no account has (then `account_id` is empty)."""

        account_id: str
        source: str
        blocked_seconds: int
        """How long this failure blocks further sign-ins from `source` (0: not at all)."""

    @dataclass(frozen=True)
    class OperatorActed(DomainEvent):
        operator_account_id: str
        """Empty for the operators' command line on identity's database."""
        action: OperatorAction
        target_type: str
        target_id: str

    @classmethod
    def of(cls, event_id: str, event: DomainEvent) -> SecurityEvent:
        recorded = cls(event_id)
        recorded._trigger(event)
        return recorded

    def _apply(self, event: DomainEvent) -> None:
        if not isinstance(
            event,
            SecurityEvent.SignedIn | SecurityEvent.SignInFailed | SecurityEvent.OperatorActed,
        ):
            raise TypeError(f"SecurityEvent cannot apply {type(event).__name__}")
