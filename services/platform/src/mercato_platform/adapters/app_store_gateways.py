"""The app store's calls out (gRPC): payments charges and refunds, identity grants and revokes,
with the platform's own token (an identity app of kind service with payments:app_store and
grants:manage). Each call carries the effect's deterministic idempotency key, so asking again
after a lost answer is answered with the first one. A revoke of a grant identity does not know
(NOT_FOUND) is an answer: nothing is left to revoke. Anything else (unavailable, timed out,
refused, no token) is no answer, logged: the billing worker asks again later."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc

from mercato.identity.v1 import grants_pb2_grpc
from mercato.payments.v1 import payments_pb2_grpc
from mercato_kit.auth import ServiceCredentialsError
from mercato_platform.adapters import translator as tr
from mercato_platform.domain.app_subscriptions import (
    Answer,
    ChargeAnswered,
    CheckCharge,
    Effect,
    GiveRefund,
    GrantScopes,
    RefundAnswered,
    RevokeAnswered,
    RevokeGrant,
    TakeCharge,
)

logger = logging.getLogger(__name__)

Credentials = Callable[[], Awaitable[Sequence[tuple[str, str]]]]

_TIMEOUT_S = 10.0


class GrpcAppStoreGateways:
    def __init__(self, payments: Any, grants: Any, credentials: Credentials) -> None:
        self._payments = payments_pb2_grpc.PaymentServiceStub(payments)
        self._grants = grants_pb2_grpc.GrantServiceStub(grants)
        self._credentials = credentials

    async def perform(self, effect: Effect) -> Answer | None:
        try:
            metadata = await self._credentials()
        except ServiceCredentialsError as error:
            logger.warning("app store: no token for the platform", extra={"error": str(error)})
            return None
        try:
            return await self._perform(effect, metadata)
        except grpc.aio.AioRpcError as error:
            if isinstance(effect, RevokeGrant) and error.code() == grpc.StatusCode.NOT_FOUND:
                return RevokeAnswered(effect.grant_id)
            logger.warning(
                "app store: call unanswered, tried again later",
                extra={
                    "effect": type(effect).__name__,
                    "code": error.code().name,
                    "details": error.details(),
                },
            )
            return None

    async def _perform(self, effect: Effect, metadata: Sequence[tuple[str, str]]) -> Answer:
        match effect:
            case TakeCharge():
                response = await self._payments.ChargeAppSubscription(
                    tr.charge_request(effect), metadata=metadata, timeout=_TIMEOUT_S
                )
                return tr.charge_answer(effect, response)
            case CheckCharge():
                try:
                    found = await self._payments.GetAppCharge(
                        tr.check_request(effect), metadata=metadata, timeout=_TIMEOUT_S
                    )
                except grpc.aio.AioRpcError as error:
                    if error.code() != grpc.StatusCode.NOT_FOUND:
                        raise
                    return ChargeAnswered(effect.charge_id, False, "never asked")
                return tr.check_answer(effect, found)
            case GiveRefund():
                await self._payments.RefundAppCharge(
                    tr.refund_request(effect), metadata=metadata, timeout=_TIMEOUT_S
                )
                return RefundAnswered(effect.refund_id)
            case GrantScopes():
                granted = await self._grants.GrantAccess(
                    tr.grant_request(effect), metadata=metadata, timeout=_TIMEOUT_S
                )
                return tr.grant_answer(granted)
            case RevokeGrant():
                await self._grants.RevokeAccess(
                    tr.revoke_request(effect), metadata=metadata, timeout=_TIMEOUT_S
                )
                return RevokeAnswered(effect.grant_id)


class UnconfiguredGateways:
    """Without PLATFORM_APP_ID / PLATFORM_APP_SECRET the app store takes no charge and makes no
    grant: subscriptions wait (PENDING, nothing granted) until the platform is configured."""

    async def perform(self, effect: Effect) -> Answer | None:
        return None
