"""What identity's servicers share: the collaborators bootstrap hands them, and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mercato_identity.adapters.unit_of_work import SqlUnitOfWorkFactory
from mercato_identity.application.passwords import Passwords
from mercato_identity.application.ports import SigningKeys
from mercato_identity.application.tokens import Tokens
from mercato_identity.domain import ThrottlePolicy


@dataclass(frozen=True)
class Dependencies:
    unit_of_work: SqlUnitOfWorkFactory
    passwords: Passwords
    tokens: Tokens
    throttle: ThrottlePolicy
    ring: SigningKeys


def now() -> datetime:
    return datetime.now(UTC)
