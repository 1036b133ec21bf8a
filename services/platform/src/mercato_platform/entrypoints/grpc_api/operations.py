"""PlatformOperationsService: operators' views of every app's subscriptions, endpoints and
failing deliveries, and redelivery on a partner's behalf."""

from __future__ import annotations

from typing import Any

from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_kit.auth import requires
from mercato_kit.idempotency import run_once
from mercato_platform.adapters import translator as tr
from mercato_platform.adapters.unit_of_work import PlatformUnitOfWork
from mercato_platform.application.subscriptions import all_subscriptions
from mercato_platform.application.webhooks import all_endpoints, failing_deliveries, redeliver
from mercato_platform.entrypoints.grpc_api._edge import Edge, now

_OPERATOR = ("operator",)
_DEFAULT_LIMIT = 100


class PlatformOperationsService(platform_pb2_grpc.PlatformOperationsServiceServicer):
    def __init__(self, edge: Edge) -> None:
        self._edge = edge

    @requires(roles=_OPERATOR)
    async def ListAllSubscriptions(
        self, request: pb.ListAllSubscriptionsRequest, context: Any
    ) -> pb.ListAllSubscriptionsResponse:
        self._edge.admitted()
        async with self._edge.unit_of_work(read_only=True) as uow:
            found = await all_subscriptions(uow)
        return pb.ListAllSubscriptionsResponse(
            subscriptions=[tr.subscription_message(s) for s in found]
        )

    @requires(roles=_OPERATOR)
    async def ListAllEndpoints(
        self, request: pb.ListAllEndpointsRequest, context: Any
    ) -> pb.ListAllEndpointsResponse:
        self._edge.admitted()
        async with self._edge.unit_of_work(read_only=True) as uow:
            found = await all_endpoints(uow)
        return pb.ListAllEndpointsResponse(endpoints=[tr.endpoint_message(e, c) for e, c in found])

    @requires(roles=_OPERATOR)
    async def ListFailingDeliveries(
        self, request: pb.ListFailingDeliveriesRequest, context: Any
    ) -> pb.ListFailingDeliveriesResponse:
        self._edge.admitted()
        async with self._edge.unit_of_work(read_only=True) as uow:
            attempts = await failing_deliveries(uow, limit=request.limit or _DEFAULT_LIMIT)
        return pb.ListFailingDeliveriesResponse(attempts=[tr.attempt_message(a) for a in attempts])

    @requires(roles=_OPERATOR)
    async def Redrive(self, request: pb.RedriveRequest, context: Any) -> pb.RedriveResponse:
        self._edge.admitted()
        command = tr.redeliver_command(request)

        async def decide(uow: PlatformUnitOfWork) -> pb.RedriveResponse:
            return pb.RedriveResponse(
                messages=await redeliver(command, uow, app_id=None, now=now())
            )

        response = await run_once(
            self._edge.unit_of_work, "platform.Redrive", request, pb.RedriveResponse, decide
        )
        self._edge.on_redeliver()
        return response
