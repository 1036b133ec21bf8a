"""Webhook endpoints (Standard Webhooks 1.0) and the state of each message sent to one.

Signing: `webhook-signature` is `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the
key that the `whsec_` secret holds (base64 after the prefix); during a rotation's overlap one
signature per secret, space-separated.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import ipaddress
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, InvalidArgument, NotFound, quoted

SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
_SECRET_BYTES = 32


def new_endpoint_secret() -> str:
    """A new signing secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()


def sign(signing_secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one `v1,<base64>` per secret, space-separated."""
    content = f"{message_id}.{timestamp}.".encode() + body
    signatures = []
    for secret in signing_secrets:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
        digest = hmac.new(key, content, hashlib.sha256).digest()
        signatures.append("v1," + base64.b64encode(digest).decode())
    return " ".join(signatures)


# --- where an endpoint may be -------------------------------------------------------------------


def check_endpoint_url(url: str, *, allow_private: bool) -> str:
    """The URL's host, once the URL is acceptable: an absolute https URL without credentials
    (plain http only where private addresses are allowed: a development setting).
    InvalidArgument naming `url` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidArgument("url", f"{quoted(url)} is not a URL") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise InvalidArgument("url", "must be an https URL")
    if not parts.hostname:
        raise InvalidArgument("url", "must name a host")
    if parts.username or parts.password:
        raise InvalidArgument("url", "must not carry credentials")
    if parts.fragment:
        raise InvalidArgument("url", "must not have a fragment")
    del port
    return parts.hostname


def address_is_public(address: str) -> bool:
    """True for an IP address on the public internet; False for loopback, private, link-local,
    multicast, reserved, unspecified and shared addresses (and IPv6 forms of them)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED)
        or not ip.is_global
    )


_SHARED = ipaddress.ip_network("100.64.0.0/10")


# --- the endpoint -------------------------------------------------------------------------------


class EndpointStatus(enum.Enum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    DELETED = "deleted"


class Endpoint(Aggregate):
    """A partner app's webhook endpoint (aggregate id: the endpoint id), kept in the platform's
    own table. Its signing secrets are state, never in its events."""

    aggregate_type = "platform.webhook"

    @dataclass(frozen=True)
    class Registered(DomainEvent):
        app_id: str
        url: str
        types: tuple[str, ...]

    @dataclass(frozen=True)
    class SecretRotated(DomainEvent):
        app_id: str
        previous_valid_until: datetime

    @dataclass(frozen=True)
    class DeliveryFailed(DomainEvent):
        app_id: str
        message_id: str
        event_type: str
        attempts: int
        last_status_code: int

    @dataclass(frozen=True)
    class Disabled(DomainEvent):
        app_id: str
        reason: str

    @dataclass(frozen=True)
    class Enabled(DomainEvent):
        app_id: str

    @dataclass(frozen=True)
    class Deleted(DomainEvent):
        app_id: str

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.app_id = ""
        self.url = ""
        self.types: tuple[str, ...] = ()
        self.description = ""
        self.app_scopes: frozenset[str] = frozenset()
        self.status = EndpointStatus.ENABLED
        self.disabled_reason = ""
        self.created_at: datetime | None = None
        self.secret = ""
        self.previous_secret: str | None = None
        self.previous_valid_until: datetime | None = None
        self.failing_since: datetime | None = None
        self.position = 0
        """The feed position up to which messages were made for this endpoint."""

    @classmethod
    def register(
        cls,
        endpoint_id: str,
        *,
        app_id: str,
        url: str,
        types: list[str],
        description: str,
        app_scopes: frozenset[str],
        secret: str,
        position: int,
        now: datetime,
    ) -> Endpoint:
        endpoint = cls(endpoint_id)
        endpoint.description, endpoint.app_scopes = description, app_scopes
        endpoint.secret, endpoint.position, endpoint.created_at = secret, position, now
        endpoint._trigger(Endpoint.Registered(app_id, url, tuple(types)))
        return endpoint

    def require_owner(self, app_id: str) -> None:
        """NotFound unless `app_id`'s (another app's endpoint does not exist for it)."""
        if self.app_id != app_id or self.status is EndpointStatus.DELETED:
            raise NotFound(f"webhook endpoint {self.id} does not exist")

    @property
    def enabled(self) -> bool:
        return self.status is EndpointStatus.ENABLED

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a message sent now: the current one, and the previous one
        while its overlap lasts."""
        if self.previous_secret and self.previous_valid_until and now < self.previous_valid_until:
            return [self.secret, self.previous_secret]
        return [self.secret]

    def rotate_secret(self, secret: str, *, overlap: timedelta, now: datetime) -> None:
        self._require_live()
        self.previous_secret, self.previous_valid_until = self.secret, now + overlap
        self.secret = secret
        self._trigger(Endpoint.SecretRotated(self.app_id, now + overlap))

    def delivery_failed(
        self, *, message_id: str, event_type: str, attempts: int, last_status_code: int
    ) -> None:
        """A message was not delivered after its last attempt."""
        self._trigger(
            Endpoint.DeliveryFailed(self.app_id, message_id, event_type, attempts, last_status_code)
        )

    def attempt_failed(self, now: datetime, disable_after: timedelta, why: str) -> None:
        """An attempt failed: the endpoint is failing since its first failure after a success;
        failing for `disable_after` it is disabled."""
        if self.failing_since is None:
            self.failing_since = now
        if self.enabled and now - self.failing_since >= disable_after:
            reason = (
                f"every delivery failed since {self.failing_since.isoformat()} "
                f"(last: {why}); fix the endpoint, then EnableEndpoint"
            )
            self.status, self.disabled_reason = EndpointStatus.DISABLED, reason
            self._trigger(Endpoint.Disabled(self.app_id, reason))

    def attempt_succeeded(self) -> None:
        self.failing_since = None

    def enable(self) -> None:
        self._require_live()
        if self.status is EndpointStatus.DISABLED:
            self.status, self.disabled_reason, self.failing_since = (
                EndpointStatus.ENABLED,
                "",
                None,
            )
            self._trigger(Endpoint.Enabled(self.app_id))

    def delete(self) -> None:
        if self.status is not EndpointStatus.DELETED:
            self.status = EndpointStatus.DELETED
            self._trigger(Endpoint.Deleted(self.app_id))

    def _require_live(self) -> None:
        if self.status is EndpointStatus.DELETED:
            raise FailedPrecondition(f"webhook endpoint {self.id} was deleted")

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Endpoint.Registered(app_id=app_id, url=url, types=types):
                self.app_id, self.url, self.types = app_id, url, types
            case (
                Endpoint.SecretRotated()
                | Endpoint.DeliveryFailed()
                | Endpoint.Disabled()
                | Endpoint.Enabled()
                | Endpoint.Deleted()
            ):
                pass  # state-stored: the command methods set what these events report
            case _:
                raise TypeError(f"Endpoint cannot apply {type(event).__name__}")


# --- one message's deliveries -------------------------------------------------------------------


class MessageStatus(enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    """Not sent (or not again): the app is no longer entitled to the event."""


@dataclass(frozen=True)
class RetrySchedule:
    """Delays (seconds) before each attempt after the first, jittered by ±`jitter` of each."""

    delays: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
    jitter: float = 0.1

    @property
    def attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, attempts: int, rng: random.Random | None = None) -> float | None:
        """Seconds to wait after `attempts` failed attempts of a round; None: no more."""
        if attempts >= self.attempts:
            return None
        delay = self.delays[attempts - 1]
        spread = delay * self.jitter
        return max(0.0, delay + (rng or random).uniform(-spread, spread))


@dataclass(frozen=True)
class DeliveryState:
    """Where one message to one endpoint stands: its status, attempts in the current round
    (a redelivery starts a new round) and overall, and when the next attempt is due."""

    status: MessageStatus
    round_attempts: int
    attempts: int
    next_attempt_at: datetime
    last_status_code: int = 0

    @classmethod
    def new(cls, now: datetime) -> DeliveryState:
        return cls(MessageStatus.PENDING, 0, 0, now)

    def after_attempt(
        self,
        *,
        delivered: bool,
        status_code: int,
        now: datetime,
        schedule: RetrySchedule,
        rng: random.Random | None = None,
    ) -> DeliveryState:
        """The state after one attempt; FAILED once the round's last attempt failed."""
        rounds, total = self.round_attempts + 1, self.attempts + 1
        if delivered:
            return replace(
                self,
                status=MessageStatus.DELIVERED,
                round_attempts=rounds,
                attempts=total,
                last_status_code=status_code,
            )
        delay = schedule.delay_after(rounds, rng)
        if delay is None:
            return replace(
                self,
                status=MessageStatus.FAILED,
                round_attempts=rounds,
                attempts=total,
                last_status_code=status_code,
            )
        return replace(
            self,
            round_attempts=rounds,
            attempts=total,
            next_attempt_at=now + timedelta(seconds=delay),
            last_status_code=status_code,
        )

    def redelivered(self, now: datetime) -> DeliveryState:
        """Sent again as a new round of attempts."""
        return replace(self, status=MessageStatus.PENDING, round_attempts=0, next_attempt_at=now)
