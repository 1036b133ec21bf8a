"""The gRPC servicer: translate requests, run handlers in a unit of work, translate responses.

A mutating RPC runs its handler through `run_once(...)`: one unit of work, at most once per
caller and idempotency key (another caller's key neither replays nor blocks it), decided again
when a concurrent update of the same shipment got there first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import grpc

from mercato.logistics.v1 import shipment_pb2 as pb
from mercato.logistics.v1 import shipment_pb2_grpc
from mercato_kit.auth import Caller, require_caller, requires
from mercato_kit.errors import PermissionDenied
from mercato_kit.idempotency import run_once
from mercato_logistics.adapters.translator import (
    cancel_command,
    create_command,
    shipment_message,
    statuses_from,
    summary_message,
    tracking_command,
)
from mercato_logistics.adapters.unit_of_work import SqlLogisticsUnitOfWork
from mercato_logistics.application import (
    cancel_shipment,
    create_shipment,
    get_shipment,
    post_tracking_update,
)
from mercato_logistics.domain import CarrierRules

_CONFLICT_RETRIES = 3
_DEFAULT_PAGE_SIZE = 100
SHIP_SCOPE = "logistics:ship"
TRACKING_SCOPE = "logistics:tracking"
CARRIER_ROLE = "carrier"


class ShipmentService(shipment_pb2_grpc.ShipmentServiceServicer):
    """Requests arrive authenticated and validated (the kit's edge); errors leave as statuses."""

    def __init__(
        self,
        unit_of_work: Callable[..., SqlLogisticsUnitOfWork],
        carriers: CarrierRules,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._unit_of_work = unit_of_work
        self._carriers = carriers
        self._clock = clock

    @requires(SHIP_SCOPE)
    async def CreateShipment(
        self, request: pb.CreateShipmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateShipmentResponse:
        command = create_command(request, at=self._clock())

        async def create(uow: SqlLogisticsUnitOfWork) -> pb.CreateShipmentResponse:
            shipment = await create_shipment(command, uow, carriers=self._carriers)
            return pb.CreateShipmentResponse(shipment=shipment_message(shipment))

        return await run_once(
            self._unit_of_work,
            "logistics.CreateShipment",
            request,
            pb.CreateShipmentResponse,
            create,
            conflict_retries=_CONFLICT_RETRIES,
        )

    @requires(SHIP_SCOPE)
    async def CancelShipment(
        self, request: pb.CancelShipmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelShipmentResponse:
        command = cancel_command(request, at=self._clock())

        async def cancel(uow: SqlLogisticsUnitOfWork) -> pb.CancelShipmentResponse:
            shipment = await cancel_shipment(command, uow)
            return pb.CancelShipmentResponse(shipment=shipment_message(shipment))

        return await run_once(
            self._unit_of_work,
            "logistics.CancelShipment",
            request,
            pb.CancelShipmentResponse,
            cancel,
            conflict_retries=_CONFLICT_RETRIES,
        )

    @requires(TRACKING_SCOPE, roles=[CARRIER_ROLE])
    async def PostTrackingUpdate(
        self, request: pb.PostTrackingUpdateRequest, context: grpc.aio.ServicerContext
    ) -> pb.PostTrackingUpdateResponse:
        command = tracking_command(request, _carrier(require_caller()), at=self._clock())

        async def post(uow: SqlLogisticsUnitOfWork) -> pb.PostTrackingUpdateResponse:
            shipment = await post_tracking_update(command, uow)
            return pb.PostTrackingUpdateResponse(shipment=shipment_message(shipment))

        return await run_once(
            self._unit_of_work,
            "logistics.PostTrackingUpdate",
            request,
            pb.PostTrackingUpdateResponse,
            post,
            conflict_retries=_CONFLICT_RETRIES,
        )

    @requires()
    async def GetShipment(
        self, request: pb.GetShipmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetShipmentResponse:
        viewer = require_caller()
        async with self._unit_of_work(read_only=True) as uow:
            shipment = await get_shipment(request.shipment_id, uow, viewer=viewer)
        return pb.GetShipmentResponse(shipment=shipment_message(shipment))

    @requires(TRACKING_SCOPE, roles=[CARRIER_ROLE])
    async def ListShipments(
        self, request: pb.ListShipmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShipmentsResponse:
        carrier_id = _carrier(require_caller())
        statuses = statuses_from(request.statuses)
        async with self._unit_of_work(read_only=True) as uow:
            page = await uow.summaries.carrier_shipments(
                carrier_id, statuses, request.page_size or _DEFAULT_PAGE_SIZE, request.page_token
            )
        return pb.ListShipmentsResponse(
            shipments=[summary_message(summary) for summary in page.summaries],
            next_page_token=page.next_page_token,
        )


def _carrier(caller: Caller) -> str:
    """The calling carrier's app id (the role is checked by the policy, the kind here)."""
    if caller.kind != "app":
        raise PermissionDenied("this call is for carrier apps")
    return caller.subject
