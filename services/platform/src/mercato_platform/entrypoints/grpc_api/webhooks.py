"""WebhookService: a partner app's endpoints, their delivery log, and redelivery.

A new secret is shown once, in the answer of the call that made it: the stored idempotent
answer has no secret, so a repeat of the request answers without one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from google.protobuf.message import Message

from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_kit.auth import requires
from mercato_kit.idempotency import run_once
from mercato_platform.adapters import translator as tr
from mercato_platform.adapters.unit_of_work import PlatformUnitOfWork
from mercato_platform.application.webhooks import (
    delete_endpoint,
    delivery_log,
    enable_endpoint,
    endpoints_of,
    get_endpoint,
    redeliver,
    register_endpoint,
    rotate_endpoint_secret,
    vet_endpoint_url,
)
from mercato_platform.domain import new_endpoint_secret
from mercato_platform.entrypoints.grpc_api._edge import Edge, now

R = TypeVar("R", bound=Message)

_DEFAULT_LOG_LIMIT = 100


class WebhookService(platform_pb2_grpc.WebhookServiceServicer):
    def __init__(self, edge: Edge) -> None:
        self._edge = edge

    @requires("events:subscribe")
    async def RegisterEndpoint(
        self, request: pb.RegisterEndpointRequest, context: Any
    ) -> pb.RegisterEndpointResponse:
        app = self._edge.partner_app()
        command = tr.register_endpoint_command(request)
        await vet_endpoint_url(
            command.url, allow_private=self._edge.allow_private, resolve=self._edge.resolve
        )
        secret = new_endpoint_secret()

        async def decide(uow: PlatformUnitOfWork) -> pb.RegisterEndpointResponse:
            endpoint = await register_endpoint(
                command, uow, app_id=app.subject, app_scopes=app.scopes, secret=secret, now=now()
            )
            return pb.RegisterEndpointResponse(endpoint=tr.endpoint_message(endpoint))

        response, fresh = await self._run_once(
            "platform.RegisterEndpoint", request, pb.RegisterEndpointResponse, decide
        )
        if fresh:
            response.secret = secret
        return response

    @requires("events:subscribe")
    async def RotateEndpointSecret(
        self, request: pb.RotateEndpointSecretRequest, context: Any
    ) -> pb.RotateEndpointSecretResponse:
        app = self._edge.partner_app()
        command = tr.rotate_secret_command(request)
        secret = new_endpoint_secret()

        async def decide(uow: PlatformUnitOfWork) -> pb.RotateEndpointSecretResponse:
            endpoint = await rotate_endpoint_secret(
                command, uow, app_id=app.subject, secret=secret, now=now()
            )
            return pb.RotateEndpointSecretResponse(endpoint=tr.endpoint_message(endpoint))

        response, fresh = await self._run_once(
            "platform.RotateEndpointSecret", request, pb.RotateEndpointSecretResponse, decide
        )
        if fresh:
            response.secret = secret
        return response

    @requires("events:subscribe")
    async def GetEndpoint(
        self, request: pb.GetEndpointRequest, context: Any
    ) -> pb.GetEndpointResponse:
        app = self._edge.partner_app()
        async with self._edge.unit_of_work(read_only=True) as uow:
            endpoint, counts = await get_endpoint(request.endpoint_id, uow, app_id=app.subject)
        return pb.GetEndpointResponse(endpoint=tr.endpoint_message(endpoint, counts))

    @requires("events:subscribe")
    async def ListEndpoints(
        self, request: pb.ListEndpointsRequest, context: Any
    ) -> pb.ListEndpointsResponse:
        app = self._edge.partner_app()
        async with self._edge.unit_of_work(read_only=True) as uow:
            found = await endpoints_of(app.subject, uow)
        return pb.ListEndpointsResponse(endpoints=[tr.endpoint_message(e, c) for e, c in found])

    @requires("events:subscribe")
    async def EnableEndpoint(
        self, request: pb.EnableEndpointRequest, context: Any
    ) -> pb.EnableEndpointResponse:
        app = self._edge.partner_app()
        command = tr.enable_endpoint_command(request)

        async def decide(uow: PlatformUnitOfWork) -> pb.EnableEndpointResponse:
            endpoint = await enable_endpoint(command, uow, app_id=app.subject)
            return pb.EnableEndpointResponse(endpoint=tr.endpoint_message(endpoint))

        response, _ = await self._run_once(
            "platform.EnableEndpoint", request, pb.EnableEndpointResponse, decide
        )
        self._edge.on_redeliver()
        return response

    @requires("events:subscribe")
    async def DeleteEndpoint(
        self, request: pb.DeleteEndpointRequest, context: Any
    ) -> pb.DeleteEndpointResponse:
        app = self._edge.partner_app()
        command = tr.delete_endpoint_command(request)

        async def decide(uow: PlatformUnitOfWork) -> pb.DeleteEndpointResponse:
            await delete_endpoint(command, uow, app_id=app.subject)
            return pb.DeleteEndpointResponse()

        response, _ = await self._run_once(
            "platform.DeleteEndpoint", request, pb.DeleteEndpointResponse, decide
        )
        return response

    @requires("events:subscribe")
    async def ListDeliveries(
        self, request: pb.ListDeliveriesRequest, context: Any
    ) -> pb.ListDeliveriesResponse:
        app = self._edge.partner_app()
        async with self._edge.unit_of_work(read_only=True) as uow:
            attempts = await delivery_log(
                request.endpoint_id,
                uow,
                app_id=app.subject,
                message_id=request.message_id,
                limit=request.limit or _DEFAULT_LOG_LIMIT,
            )
        return pb.ListDeliveriesResponse(attempts=[tr.attempt_message(a) for a in attempts])

    @requires("events:subscribe")
    async def Redeliver(self, request: pb.RedeliverRequest, context: Any) -> pb.RedeliverResponse:
        app = self._edge.partner_app()
        command = tr.redeliver_command(request)

        async def decide(uow: PlatformUnitOfWork) -> pb.RedeliverResponse:
            count = await redeliver(command, uow, app_id=app.subject, now=now())
            return pb.RedeliverResponse(messages=count)

        response, _ = await self._run_once(
            "platform.Redeliver", request, pb.RedeliverResponse, decide
        )
        self._edge.on_redeliver()
        return response

    async def _run_once(
        self,
        command: str,
        request: Message,
        response_type: type[R],
        decide: Callable[[PlatformUnitOfWork], Awaitable[R]],
    ) -> tuple[R, bool]:
        """`run_once`, and whether this call decided the answer (False: a stored repeat)."""
        decided: R | None = None

        async def decide_and_keep(uow: PlatformUnitOfWork) -> R:
            nonlocal decided
            decided = await decide(uow)
            return decided

        response = await run_once(
            self._edge.unit_of_work, command, request, response_type, decide_and_keep
        )
        return response, response is decided
