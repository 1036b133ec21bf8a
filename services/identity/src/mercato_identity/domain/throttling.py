"""Throttling failed sign-ins, per e-mail address (known account or not, so it reveals nothing).

After `max_failures` failures within `window`, sign-in for that address is refused until
`lockout` has passed, without even checking the password. A success clears the count. The
state is kept in identity's database, so it holds across restarts and instances.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def throttle_key(normalised_email: str) -> str:
    """What the attempts are recorded under: a digest, so a mistyped address is not kept."""
    return hashlib.sha256(normalised_email.encode()).hexdigest()


@dataclass
class SignInAttempts:
    key: str
    failures: int = 0
    first_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def record_failure(self, now: datetime, policy: ThrottlePolicy) -> None:
        if self.first_failure_at is None or now - self.first_failure_at > policy.window:
            self.failures, self.first_failure_at, self.locked_until = 0, now, None
        self.failures += 1
        if self.failures >= policy.max_failures:
            self.locked_until = now + policy.lockout
