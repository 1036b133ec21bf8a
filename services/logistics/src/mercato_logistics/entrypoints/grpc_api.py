"""The gRPC servicer: translate requests, run handlers in a unit of work, translate responses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from mercato.logistics.v1 import shipment_pb2 as pb
from mercato.logistics.v1 import shipment_pb2_grpc
from mercato_kit.auth import Caller, require_caller, requires
from mercato_kit.errors import PermissionDenied
from mercato_kit.idempotency import run_once
from mercato_kit.store import SqlUnitOfWork
from mercato_logistics.adapters.index import SqlShipmentIndex, carrier_shipments
from mercato_logistics.adapters.translator import (
    ShipmentTranslator,
    cancel_command,
    create_command,
    shipment_message,
    statuses_from,
    summary_message,
    tracking_command,
)
from mercato_logistics.application import (
    Shipments,
    cancel_shipment,
    create_shipment,
    get_shipment,
    post_tracking_update,
)
from mercato_logistics.domain import CarrierRules

R = TypeVar("R", bound=Message)

_CONFLICT_RETRIES = 3
_DEFAULT_PAGE_SIZE = 100
SHIP_SCOPE = "logistics:ship"
TRACKING_SCOPE = "logistics:tracking"
CARRIER_ROLE = "carrier"


class ShipmentService(shipment_pb2_grpc.ShipmentServiceServicer):
    """Requests arrive authenticated and validated (the kit's edge); errors leave as statuses."""

    def __init__(
        self,
        unit_of_work: Callable[[], SqlUnitOfWork],
        carriers: CarrierRules,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._unit_of_work = unit_of_work
        self._carriers = carriers
        self._clock = clock
        self._translator = ShipmentTranslator()

    @requires(SHIP_SCOPE)
    async def CreateShipment(
        self, request: pb.CreateShipmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateShipmentResponse:
        command = create_command(request, at=self._clock())

        async def create(shipments: Shipments) -> pb.CreateShipmentResponse:
            shipment = await create_shipment(shipments, self._carriers, command)
            return pb.CreateShipmentResponse(shipment=shipment_message(shipment))

        return await self._once("CreateShipment", request, pb.CreateShipmentResponse, create)

    @requires(SHIP_SCOPE)
    async def CancelShipment(
        self, request: pb.CancelShipmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelShipmentResponse:
        command = cancel_command(request, at=self._clock())

        async def cancel(shipments: Shipments) -> pb.CancelShipmentResponse:
            shipment = await cancel_shipment(shipments, command)
            return pb.CancelShipmentResponse(shipment=shipment_message(shipment))

        return await self._once("CancelShipment", request, pb.CancelShipmentResponse, cancel)

    @requires(TRACKING_SCOPE, roles=[CARRIER_ROLE])
    async def PostTrackingUpdate(
        self, request: pb.PostTrackingUpdateRequest, context: grpc.aio.ServicerContext
    ) -> pb.PostTrackingUpdateResponse:
        command = tracking_command(request, _carrier(require_caller()), at=self._clock())

        async def post(shipments: Shipments) -> pb.PostTrackingUpdateResponse:
            shipment = await post_tracking_update(shipments, command)
            return pb.PostTrackingUpdateResponse(shipment=shipment_message(shipment))

        return await self._once("PostTrackingUpdate", request, pb.PostTrackingUpdateResponse, post)

    @requires()
    async def GetShipment(
        self, request: pb.GetShipmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetShipmentResponse:
        viewer = require_caller()
        async with self._unit_of_work() as uow:
            shipment = await get_shipment(self._shipments(uow), request.shipment_id, viewer)
        return pb.GetShipmentResponse(shipment=shipment_message(shipment))

    @requires(TRACKING_SCOPE, roles=[CARRIER_ROLE])
    async def ListShipments(
        self, request: pb.ListShipmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShipmentsResponse:
        carrier_id = _carrier(require_caller())
        statuses = statuses_from(request.statuses)
        async with self._unit_of_work() as uow:
            page = await carrier_shipments(
                uow.session,
                carrier_id,
                statuses,
                request.page_size or _DEFAULT_PAGE_SIZE,
                request.page_token,
            )
        return pb.ListShipmentsResponse(
            shipments=[summary_message(summary) for summary in page.summaries],
            next_page_token=page.next_page_token,
        )

    def _shipments(self, uow: SqlUnitOfWork) -> Shipments:
        return Shipments(uow.events, self._translator, SqlShipmentIndex(uow.session))

    async def _once(
        self,
        command: str,
        request: pb.CreateShipmentRequest | pb.CancelShipmentRequest | pb.PostTrackingUpdateRequest,
        response_type: type[R],
        decide: Callable[[Shipments], Awaitable[R]],
    ) -> R:
        """Run `decide` in a unit of work at most once per (caller, idempotency key).

        Keys are the caller's own: another caller's key neither replays nor blocks it. A
        version conflict (a concurrent update of the same shipment) is decided again.
        """

        async def in_unit(uow: SqlUnitOfWork) -> R:
            return await decide(self._shipments(uow))

        return await run_once(
            self._unit_of_work,
            f"logistics.{command}",
            request,
            response_type,
            in_unit,
            conflict_retries=_CONFLICT_RETRIES,
        )


def _carrier(caller: Caller) -> str:
    """The calling carrier's app id (the role is checked by the policy, the kind here)."""
    if caller.kind != "app":
        raise PermissionDenied("this call is for carrier apps")
    return caller.subject
