"""GrantService: sellers give apps scopes, list and revoke them; the scope catalogue."""

from __future__ import annotations

import grpc

from mercato.identity.v1 import grants_pb2 as pb
from mercato.identity.v1 import grants_pb2_grpc
from mercato_identity.adapters.translator import (
    grant_access_command,
    grant_message,
    list_grants_query,
    revoke_access_command,
    scope_message,
)
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from mercato_identity.application.grants import grant_access, list_grants, revoke_access
from mercato_identity.entrypoints.grpc_api._edge import Dependencies, now
from mercato_kit.auth import SCOPES, public, require_caller, requires
from mercato_kit.idempotency import run_once


class GrantService(grants_pb2_grpc.GrantServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @requires(roles=["seller", "service"])
    async def GrantAccess(
        self, request: pb.GrantAccessRequest, context: grpc.aio.ServicerContext
    ) -> pb.GrantAccessResponse:
        caller = require_caller()
        command = grant_access_command(request)

        async def decide(uow: SqlIdentityUnitOfWork) -> pb.GrantAccessResponse:
            grant = await grant_access(command, uow, caller=caller, now=now())
            return pb.GrantAccessResponse(grant=grant_message(grant))

        return await run_once(
            self._deps.unit_of_work, "identity.GrantAccess", request, pb.GrantAccessResponse, decide
        )

    async def ListGrants(
        self, request: pb.ListGrantsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListGrantsResponse:
        caller = require_caller()
        async with self._deps.unit_of_work(read_only=True) as uow:
            grants = await list_grants(list_grants_query(request), uow, caller=caller, now=now())
        return pb.ListGrantsResponse(grants=[grant_message(grant) for grant in grants])

    async def RevokeAccess(
        self, request: pb.RevokeAccessRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeAccessResponse:
        caller = require_caller()
        command = revoke_access_command(request)

        async def decide(uow: SqlIdentityUnitOfWork) -> pb.RevokeAccessResponse:
            grant = await revoke_access(command, uow, caller=caller, now=now())
            return pb.RevokeAccessResponse(grant=grant_message(grant))

        return await run_once(
            self._deps.unit_of_work,
            "identity.RevokeAccess",
            request,
            pb.RevokeAccessResponse,
            decide,
        )

    @public
    async def ListScopes(
        self, request: pb.ListScopesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListScopesResponse:
        return pb.ListScopesResponse(scopes=[scope_message(scope) for scope in SCOPES])
