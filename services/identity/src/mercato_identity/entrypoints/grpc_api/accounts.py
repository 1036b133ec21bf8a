"""AccountService: register, sign in, refresh, sign out, look an account up."""

from __future__ import annotations

import grpc

from mercato.identity.v1 import accounts_pb2 as pb
from mercato.identity.v1 import accounts_pb2_grpc
from mercato_identity.adapters.translator import (
    account_message,
    get_account_query,
    refresh_session_command,
    register_account_command,
    registration_accepted,
    session_tokens_message,
    sign_in_command,
    sign_out_command,
)
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from mercato_identity.application.accounts import (
    get_account,
    hash_new_password,
    refresh_session,
    register_account,
    sign_in,
    sign_out,
)
from mercato_identity.application.callers import is_operator
from mercato_identity.entrypoints.grpc_api._edge import Dependencies, now, source_address
from mercato_kit.auth import current_caller, public, require_caller, requires
from mercato_kit.errors import ConcurrencyError
from mercato_kit.idempotency import run_once

_REFRESH_RETRIES = 3


class AccountService(accounts_pb2_grpc.AccountServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @public
    async def RegisterAccount(
        self, request: pb.RegisterAccountRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterAccountResponse:
        command = register_account_command(request)
        password_hash = await hash_new_password(command, passwords=self._deps.passwords)
        caller = current_caller()
        by_operator = is_operator(caller)
        operator_id = caller.subject if by_operator and caller is not None else ""
        # The stored request digest must not be a fast hash of the password: leave it out.
        fingerprint = pb.RegisterAccountRequest()
        fingerprint.CopyFrom(request)
        fingerprint.ClearField("password")

        async def decide(uow: SqlIdentityUnitOfWork) -> pb.RegisterAccountResponse:
            account = await register_account(
                command,
                uow,
                password_hash=password_hash,
                registered_by_operator=by_operator,
                operator_id=operator_id,
                now=now(),
            )
            return registration_accepted(account)

        return await run_once(
            self._deps.unit_of_work,
            "identity.RegisterAccount",
            fingerprint,
            pb.RegisterAccountResponse,
            decide,
            key=request.idempotency_key,
        )

    @public
    async def SignIn(
        self, request: pb.SignInRequest, context: grpc.aio.ServicerContext
    ) -> pb.SignInResponse:
        deps = self._deps
        result = await sign_in(
            sign_in_command(request, source_address(context, deps.trusted_proxies)),
            deps.unit_of_work,
            passwords=deps.passwords,
            tokens=deps.tokens,
            throttle=deps.throttle,
            now=now(),
        )
        return pb.SignInResponse(
            tokens=session_tokens_message(result), account=account_message(result.account)
        )

    @public
    async def RefreshSession(
        self, request: pb.RefreshSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RefreshSessionResponse:
        command = refresh_session_command(request)
        for attempt in range(1, _REFRESH_RETRIES + 1):
            try:
                result = await refresh_session(
                    command, self._deps.unit_of_work, tokens=self._deps.tokens, now=now()
                )
                return pb.RefreshSessionResponse(tokens=session_tokens_message(result))
            except ConcurrencyError:
                # Refreshed concurrently: the retry sees a spent token, and ends the session.
                if attempt == _REFRESH_RETRIES:
                    raise
        raise AssertionError("unreachable")

    async def SignOut(
        self, request: pb.SignOutRequest, context: grpc.aio.ServicerContext
    ) -> pb.SignOutResponse:
        caller = require_caller()

        async def decide(uow: SqlIdentityUnitOfWork) -> pb.SignOutResponse:
            session = await sign_out(sign_out_command(request), uow, caller=caller, now=now())
            return pb.SignOutResponse(session_id=session.id)

        return await run_once(
            self._deps.unit_of_work, "identity.SignOut", request, pb.SignOutResponse, decide
        )

    @requires("profile:read")
    async def GetAccount(
        self, request: pb.GetAccountRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAccountResponse:
        caller = require_caller()
        async with self._deps.unit_of_work(read_only=True) as uow:
            account = await get_account(get_account_query(request), uow, caller=caller, now=now())
        return pb.GetAccountResponse(account=account_message(account))
