"""The one translation of the domain error tree into gRPC status codes."""

from __future__ import annotations

import grpc

from mercato_kit.errors import (
    AlreadyExists,
    ConcurrencyError,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)

__all__ = ["status_code_for"]

_CODES: dict[type[DomainError], grpc.StatusCode] = {
    InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    ConcurrencyError: grpc.StatusCode.ABORTED,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Unavailable: grpc.StatusCode.UNAVAILABLE,
}


def status_code_for(error: DomainError) -> grpc.StatusCode:
    """The status code of a domain error: that of its nearest mapped ancestor.

    A service's own errors subclass the kit's (`OutOfStock(FailedPrecondition)`), so they map
    without registration. A bare DomainError refuses the request for a domain reason the
    caller may read: FAILED_PRECONDITION.
    """
    for kind in type(error).__mro__:
        code = _CODES.get(kind)
        if code is not None:
            return code
    return grpc.StatusCode.FAILED_PRECONDITION
