"""AppService: register apps, rotate their secret, look one up, client-credentials tokens.

A new secret is shown once, in the answer of the call that made it: the stored idempotent
answer has no secret, so a repeat of the request answers without one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from mercato.identity.v1 import apps_pb2 as pb
from mercato.identity.v1 import apps_pb2_grpc
from mercato_identity.adapters.translator import (
    access_token_message,
    app_message,
    issue_app_token_command,
    register_app_command,
    rotate_app_secret_command,
)
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from mercato_identity.application.apps import (
    get_app,
    issue_app_token,
    new_app_secret,
    register_app,
    rotate_app_secret,
)
from mercato_identity.entrypoints.grpc_api._edge import Dependencies, now
from mercato_kit.auth import public, require_caller
from mercato_kit.idempotency import run_once

R = TypeVar("R", bound=Message)


class AppService(apps_pb2_grpc.AppServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def RegisterApp(
        self, request: pb.RegisterAppRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterAppResponse:
        caller = require_caller()
        command = register_app_command(request)
        secret = new_app_secret()

        async def decide(uow: SqlIdentityUnitOfWork) -> pb.RegisterAppResponse:
            app = await register_app(command, uow, caller=caller, secret=secret, now=now())
            return pb.RegisterAppResponse(app=app_message(app))

        response, fresh = await self._run_once(
            "identity.RegisterApp", request, pb.RegisterAppResponse, decide
        )
        if fresh:
            response.app_secret = secret
        return response

    async def RotateAppSecret(
        self, request: pb.RotateAppSecretRequest, context: grpc.aio.ServicerContext
    ) -> pb.RotateAppSecretResponse:
        caller = require_caller()
        command = rotate_app_secret_command(request)
        secret = new_app_secret()

        async def decide(uow: SqlIdentityUnitOfWork) -> pb.RotateAppSecretResponse:
            await rotate_app_secret(command, uow, caller=caller, secret=secret, now=now())
            return pb.RotateAppSecretResponse()

        response, fresh = await self._run_once(
            "identity.RotateAppSecret", request, pb.RotateAppSecretResponse, decide
        )
        if fresh:
            response.app_secret = secret
        return response

    @public
    async def GetApp(
        self, request: pb.GetAppRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAppResponse:
        async with self._deps.unit_of_work(read_only=True) as uow:
            app = await get_app(request.app_id, uow)
        return pb.GetAppResponse(app=app_message(app))

    @public
    async def IssueAppToken(
        self, request: pb.IssueAppTokenRequest, context: grpc.aio.ServicerContext
    ) -> pb.IssueAppTokenResponse:
        command = issue_app_token_command(request)
        async with self._deps.unit_of_work(read_only=True) as uow:
            token, scopes, on_behalf_of = await issue_app_token(
                command, uow, tokens=self._deps.tokens
            )
        return pb.IssueAppTokenResponse(
            access_token=access_token_message(token, scopes), on_behalf_of=on_behalf_of or ""
        )

    async def _run_once(
        self,
        command: str,
        request: Message,
        response_type: type[R],
        decide: Callable[[SqlIdentityUnitOfWork], Awaitable[R]],
    ) -> tuple[R, bool]:
        """`run_once`, and whether this call decided the answer (False: a stored repeat).

        The answer is fresh only if it is the very one `decide` returned last: an attempt
        decided and then lost to a conflict does not count when the retry finds a stored one.
        """
        decided: R | None = None

        async def decide_and_keep(uow: SqlIdentityUnitOfWork) -> R:
            nonlocal decided
            decided = await decide(uow)
            return decided

        response = await run_once(
            self._deps.unit_of_work, command, request, response_type, decide_and_keep
        )
        return response, response is decided
