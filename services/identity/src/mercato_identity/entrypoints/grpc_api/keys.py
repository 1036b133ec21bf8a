"""SigningKeyService: the published key set, and rotation (operators)."""

from __future__ import annotations

import grpc

from mercato.identity.v1 import keys_pb2 as pb
from mercato.identity.v1 import keys_pb2_grpc
from mercato_identity.adapters.translator import (
    public_key_message,
    rotate_signing_key_command,
    rotated_key_message,
)
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from mercato_identity.application.keys import key_set, rotate_signing_key_as_operator
from mercato_identity.entrypoints.grpc_api._edge import Dependencies, now
from mercato_kit.auth import public, require_caller, requires
from mercato_kit.idempotency import run_once


class SigningKeyService(keys_pb2_grpc.SigningKeyServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @public
    async def GetKeySet(
        self, request: pb.GetKeySetRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetKeySetResponse:
        retention = self._deps.tokens.policy.key_retention
        async with self._deps.unit_of_work(read_only=True) as uow:
            keys = await key_set(uow, now=now(), retention=retention)
        return pb.GetKeySetResponse(
            keys=[public_key_message(key, raw, retention) for key, raw in keys]
        )

    @requires(roles=["operator"])
    async def RotateSigningKey(
        self, request: pb.RotateSigningKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RotateSigningKeyResponse:
        caller = require_caller()
        command = rotate_signing_key_command(request)
        retention = self._deps.tokens.policy.key_retention

        async def decide(uow: SqlIdentityUnitOfWork) -> pb.RotateSigningKeyResponse:
            key, previous = await rotate_signing_key_as_operator(
                command, uow, operator_id=caller.subject, now=now()
            )
            return rotated_key_message(key, previous, retention)

        response = await run_once(
            self._deps.unit_of_work,
            "identity.RotateSigningKey",
            request,
            pb.RotateSigningKeyResponse,
            decide,
        )
        # This instance signs with the new key at once (the others within their refresh interval).
        await self._deps.ring.reload()
        return response
