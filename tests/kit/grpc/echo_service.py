"""The test-only EchoService (protos/mercato/kittest/v1/echo.proto) behind the kit's edge."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy.exc

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.context import current_context
from mercato_kit.errors import (
    AlreadyExists,
    ConcurrencyError,
    DomainError,
    FailedPrecondition,
    IdempotencyKeyReused,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from mercato_kit.logging import get_logger

SECRET = "s3cr3t-connection-string"
"""Part of the unexpected error's message: it must reach the log and never the caller."""

ERRORS: dict[str, DomainError] = {
    "not_found": NotFound("order 42 does not exist"),
    "already_exists": AlreadyExists("shop 7 exists already"),
    "failed_precondition": FailedPrecondition("order 42 is already shipped"),
    "concurrency": ConcurrencyError("orders.order", "42", 3),
    "permission_denied": PermissionDenied("seller 9 may not change shop 7"),
    "unauthenticated": Unauthenticated("the token has expired"),
    "invalid_argument": InvalidArgument("lines[0].sku", "is not a known SKU"),
    "idempotency_key_reused": IdempotencyKeyReused("k-1"),
}


def _raise(error: str) -> None:
    if error == "unexpected":
        raise RuntimeError(f"cannot reach the database at {SECRET}")
    if error == "database_locked":
        raise sqlalchemy.exc.OperationalError(
            "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")
        )
    if error == "database_down":
        raise sqlalchemy.exc.OperationalError(
            "SELECT 1", {}, ConnectionRefusedError(f"connection to {SECRET} refused")
        )
    raise ERRORS[error]


class EchoServicer(echo_pb2_grpc.EchoServiceServicer):
    """Answers with what the handler saw; fails on demand; takes its time on demand."""

    def __init__(self) -> None:
        self.slow_started = asyncio.Event()

    async def Echo(self, request: echo_pb2.EchoRequest, context: Any) -> echo_pb2.EchoResponse:
        bound = current_context()
        get_logger("tests.echo").info("echoing", text=request.text)
        return echo_pb2.EchoResponse(
            text=request.text,
            correlation_id=bound.correlation_id,
            traceparent=bound.traceparent,
        )

    async def EchoStream(
        self, request: echo_pb2.EchoStreamRequest, context: Any
    ) -> AsyncIterator[echo_pb2.EchoStreamResponse]:
        for index in range(request.count):
            await asyncio.sleep(request.pause_ms / 1000)
            yield echo_pb2.EchoStreamResponse(
                text=request.text,
                index=index,
                correlation_id=current_context().correlation_id,
            )
        if request.fail_with:
            _raise(request.fail_with)

    async def Fail(self, request: echo_pb2.FailRequest, context: Any) -> echo_pb2.FailResponse:
        _raise(request.error)
        return echo_pb2.FailResponse()

    async def Slow(self, request: echo_pb2.SlowRequest, context: Any) -> echo_pb2.SlowResponse:
        get_logger("tests.echo").info("slow call started", millis=request.millis)
        self.slow_started.set()
        await asyncio.sleep(request.millis / 1000)
        get_logger("tests.echo").info("slow call finished", millis=request.millis)
        return echo_pb2.SlowResponse(millis=request.millis)
