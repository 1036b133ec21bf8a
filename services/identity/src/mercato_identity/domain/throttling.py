"""Throttling failed sign-ins with back-off, per source address and per (account, source).

A hard lock per e-mail address let anyone lock a victim out by failing on purpose. Instead two
counters are kept, and neither can be run up from elsewhere against someone else:

- per source address (the caller's network address; an IPv6 address counts as its /64): its
  `source_max_failures`-th failure blocks that address for `base_delay`, and each further
  failure for twice as long as the one before, up to `max_delay` — guessing across many
  accounts from one place;
- per (e-mail address, source address): the same from `account_max_failures` failures —
  guessing one account's password from one place. The e-mail counts whether an account has it
  or not, so the throttle says nothing about which addresses exist.

A flood against a victim from an attacker's address blocks that address and the pair (victim,
attacker's address); the victim signing in from their own address meets neither. Guessing one
account's password from many addresses is bounded per address and slowed by scrypt, not
stopped: a per-account limit across all addresses is exactly what an attacker could turn
against the account's owner.

A counter starts again after `window` without failures; a success clears the (account, source)
counter, never the source's (an attacker could otherwise reset it with an account of their own).
The state is kept in identity's database, so it holds across restarts and instances.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    source_max_failures: int = 100
    account_max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)


def network_of(address: str) -> str:
    """What a source is counted as: an IPv4 address, an IPv6 address's /64, else the text."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def source_key(source: str) -> str:
    return _digest("source", network_of(source))


def account_key(normalised_email: str, source: str) -> str:
    """A digest, so a mistyped address (maybe a password typed in the wrong field) is not kept."""
    return _digest("account", normalised_email, network_of(source))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


@dataclass
class Throttle:
    key: str
    failures: int = 0
    last_failure_at: datetime | None = None
    blocked_until: datetime | None = None

    def retry_after(self, now: datetime) -> timedelta | None:
        """How long sign-in stays refused under this counter (None: not refused)."""
        if self.blocked_until is None or now >= self.blocked_until:
            return None
        return self.blocked_until - now

    def record_failure(self, now: datetime, max_failures: int, policy: ThrottlePolicy) -> bool:
        """Count a failure; True when it starts a block (from the `max_failures`-th on)."""
        if self.last_failure_at is None or now - self.last_failure_at > policy.window:
            self.failures, self.blocked_until = 0, None
        self.failures += 1
        self.last_failure_at = now
        over = self.failures - max_failures
        if over < 0:
            return False
        delay = policy.base_delay * 2 ** min(over, 30)
        self.blocked_until = now + min(delay, policy.max_delay)
        return True
