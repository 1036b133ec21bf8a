"""SubscriptionService: the event types an app receives."""

from __future__ import annotations

from typing import Any

from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_kit.auth import public, requires
from mercato_kit.idempotency import run_once
from mercato_platform.adapters import translator as tr
from mercato_platform.adapters.unit_of_work import PlatformUnitOfWork
from mercato_platform.application.subscriptions import (
    event_types,
    subscribe,
    subscription_of,
    unsubscribe,
)
from mercato_platform.entrypoints.grpc_api._edge import Edge, now


class SubscriptionService(platform_pb2_grpc.SubscriptionServiceServicer):
    def __init__(self, edge: Edge) -> None:
        self._edge = edge

    @requires("events:subscribe")
    async def Subscribe(self, request: pb.SubscribeRequest, context: Any) -> pb.SubscribeResponse:
        app = self._edge.partner_app()
        command = tr.subscribe_command(request)

        async def decide(uow: PlatformUnitOfWork) -> pb.SubscribeResponse:
            subscription = await subscribe(command, uow, app_id=app.subject, now=now())
            return pb.SubscribeResponse(subscription=tr.subscription_message(subscription))

        return await run_once(
            self._edge.unit_of_work, "platform.Subscribe", request, pb.SubscribeResponse, decide
        )

    @requires("events:subscribe")
    async def Unsubscribe(
        self, request: pb.UnsubscribeRequest, context: Any
    ) -> pb.UnsubscribeResponse:
        app = self._edge.partner_app()
        command = tr.unsubscribe_command(request)

        async def decide(uow: PlatformUnitOfWork) -> pb.UnsubscribeResponse:
            subscription = await unsubscribe(command, uow, app_id=app.subject, now=now())
            return pb.UnsubscribeResponse(subscription=tr.subscription_message(subscription))

        return await run_once(
            self._edge.unit_of_work, "platform.Unsubscribe", request, pb.UnsubscribeResponse, decide
        )

    @requires("events:subscribe")
    async def ListSubscriptions(
        self, request: pb.ListSubscriptionsRequest, context: Any
    ) -> pb.ListSubscriptionsResponse:
        app = self._edge.partner_app()
        async with self._edge.unit_of_work(read_only=True) as uow:
            subscription = await subscription_of(app.subject, uow)
        found = [tr.subscription_message(subscription)] if subscription.types else []
        return pb.ListSubscriptionsResponse(subscriptions=found)

    @public
    async def ListEventTypes(
        self, request: pb.ListEventTypesRequest, context: Any
    ) -> pb.ListEventTypesResponse:
        self._edge.admitted()
        return pb.ListEventTypesResponse(types=tr.event_type_messages(event_types()))
