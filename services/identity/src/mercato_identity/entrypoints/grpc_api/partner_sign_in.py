"""PartnerSignInService: a buyer's consent gives a one-time code; the shop redeems it (PKCE)."""

from __future__ import annotations

import grpc

from mercato.identity.v1 import partner_sign_in_pb2 as pb
from mercato.identity.v1 import partner_sign_in_pb2_grpc
from mercato_identity.adapters.translator import (
    authorize_command,
    authorize_response,
    exchange_code_command,
    exchange_code_response,
)
from mercato_identity.application.partner_sign_in import authorize, exchange_code
from mercato_identity.entrypoints.grpc_api._edge import Dependencies, now
from mercato_kit.auth import public, require_caller, requires


class PartnerSignInService(partner_sign_in_pb2_grpc.PartnerSignInServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @requires(roles=["buyer"])
    async def Authorize(
        self, request: pb.AuthorizeRequest, context: grpc.aio.ServicerContext
    ) -> pb.AuthorizeResponse:
        caller = require_caller()
        command = authorize_command(request)
        async with self._deps.unit_of_work() as uow:
            issued = await authorize(
                command, uow, caller=caller, tokens=self._deps.tokens, now=now()
            )
            await uow.commit()
        return authorize_response(issued)

    @public
    async def ExchangeCode(
        self, request: pb.ExchangeCodeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExchangeCodeResponse:
        command = exchange_code_command(request)
        async with self._deps.unit_of_work() as uow:
            redeemed = await exchange_code(command, uow, tokens=self._deps.tokens, now=now())
            await uow.commit()
        return exchange_code_response(redeemed)
