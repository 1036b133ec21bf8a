"""The domain error tree every service raises; the gRPC edge maps it to status codes once.

    DomainError
    ├── InvalidArgument          INVALID_ARGUMENT   (names the field)
    │   └── IdempotencyKeyReused INVALID_ARGUMENT   (same key, different request)
    ├── NotFound                 NOT_FOUND
    ├── AlreadyExists            ALREADY_EXISTS
    ├── FailedPrecondition       FAILED_PRECONDITION
    ├── ConcurrencyError         ABORTED            (expected version did not match)
    ├── PermissionDenied         PERMISSION_DENIED
    ├── Unauthenticated          UNAUTHENTICATED
    ├── ResourceExhausted        RESOURCE_EXHAUSTED (a rate limit; `retry_after` seconds)
    └── Unavailable              UNAVAILABLE        (a service it depends on did not answer;
                                                     the same request may be retried)

Anything else that escapes a handler is a bug: the caller gets INTERNAL with no details, and the
details go to the log. Messages are written for the caller: no stack traces, no secrets, and a
caller's value is quoted with `quoted(...)`, which keeps at most a short prefix (an error never
echoes a megabyte back).
Standard library only, so domain code may import it.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "ConcurrencyError",
    "DomainError",
    "FailedPrecondition",
    "IdempotencyKeyReused",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
    "quoted",
]

QUOTE_LIMIT = 32
"""The most characters of a caller's value an error message repeats."""


def quoted(value: object, *, limit: int = QUOTE_LIMIT) -> str:
    """`repr(value)` cut to about `limit` characters (with "..." and the full length when cut)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value))} characters)"


class DomainError(Exception):
    """Base of every error a caller may see; its message is safe to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    """The request is malformed; `field` names the offending field (dotted path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class IdempotencyKeyReused(InvalidArgument):
    """The idempotency key was already used for a different request."""

    def __init__(self, key: str) -> None:
        super().__init__(
            "idempotency_key",
            f"key {quoted(key)} was already used for a different request; use a new key",
        )
        self.key = key


class NotFound(DomainError):
    """The thing the request names does not exist (or the caller may not know it exists)."""


class AlreadyExists(DomainError):
    """The thing the request would create exists already."""


class FailedPrecondition(DomainError):
    """The request is well-formed but the system is not in a state that allows it."""


class ConcurrencyError(DomainError):
    """An append expected an aggregate version that is no longer current.

    Raised identically by every event store backend; the caller reloads and retries.
    """

    def __init__(self, aggregate_type: str, aggregate_id: str, expected_version: int) -> None:
        super().__init__(
            f"{aggregate_type} {aggregate_id} changed concurrently "
            f"(expected version {expected_version})"
        )
        self.aggregate_type = aggregate_type
        self.aggregate_id = aggregate_id
        self.expected_version = expected_version


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""


class Unauthenticated(DomainError):
    """The caller could not be identified (no, expired, forged or revoked credentials)."""


class ResourceExhausted(DomainError):
    """The caller went over a limit; the same request may succeed after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A service this one depends on did not answer; retrying the same request may succeed."""
