"""The simulated carrier's loop: list my shipments, post the steps that are due, repeat."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import grpc

from mercato.logistics.v1 import shipment_pb2 as pb
from mercato.logistics.v1 import shipment_pb2_grpc
from mercato_kit.logging import get_logger
from mercato_logistics.simulator.plan import Observed, Plan, Status, Step

log = get_logger(__name__)

_STATUSES: dict[int, Status] = {
    pb.SHIPMENT_STATUS_CREATED: "created",
    pb.SHIPMENT_STATUS_DISPATCHED: "dispatched",
    pb.SHIPMENT_STATUS_IN_TRANSIT: "in_transit",
    pb.SHIPMENT_STATUS_DELIVERED: "delivered",
    pb.SHIPMENT_STATUS_LOST: "lost",
    pb.SHIPMENT_STATUS_CANCELLED: "cancelled",
}
# What the carrier still moves: a cancelled shipment is not collected (nor anything final).
_ACTIVE = [
    pb.SHIPMENT_STATUS_CREATED,
    pb.SHIPMENT_STATUS_DISPATCHED,
    pb.SHIPMENT_STATUS_IN_TRANSIT,
]
_FATAL = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
_CALL_TIMEOUT = 10.0
_PAGE_SIZE = 200


class FatalCarrierError(RuntimeError):
    """The service refuses the carrier's credentials: retrying cannot help."""


class CarrierSimulator:
    """One carrier app, posting through `channel` with `token`."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        token: str,
        plan: Plan,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._stub = shipment_pb2_grpc.ShipmentServiceStub(channel)
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._plan = plan
        self._clock = clock

    async def run(self, stop: asyncio.Event, poll_interval: float) -> None:
        """Poll until `stop` is set; raise FatalCarrierError when the credentials are refused."""
        log.info("carrier simulator started", plan=repr(self._plan))
        while not stop.is_set():
            try:
                await self.tick()
            except grpc.aio.AioRpcError as error:
                if error.code() in _FATAL:
                    raise FatalCarrierError(f"{error.code().name}: {error.details()}") from None
                log.warning("poll failed", code=error.code().name, details=error.details())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_interval)
        log.info("carrier simulator stopped")

    async def tick(self) -> int:
        """Post every step that is due now; return how many were posted."""
        posted = 0
        now = self._clock()
        async for shipment in self._active_shipments():
            step = self._plan.next_step(shipment, now)
            if step is not None and await self._post(shipment, step):
                posted += 1
        return posted

    async def _active_shipments(self) -> AsyncIterator[Observed]:
        token = ""
        while True:
            page = await self._stub.ListShipments(
                pb.ListShipmentsRequest(statuses=_ACTIVE, page_size=_PAGE_SIZE, page_token=token),
                metadata=self._metadata,
                timeout=_CALL_TIMEOUT,
            )
            for summary in page.shipments:
                yield Observed(
                    shipment_id=summary.shipment_id,
                    status=_STATUSES[summary.status],
                    region=summary.region,
                    transit_scans=summary.transit_scans,
                    updated_at=summary.updated_at.ToDatetime(tzinfo=UTC),
                    version=summary.version,
                )
            token = page.next_page_token
            if not token:
                return

    async def _post(self, shipment: Observed, step: Step) -> bool:
        request = pb.PostTrackingUpdateRequest(
            # One key per shipment version: a retried post never moves a shipment twice.
            idempotency_key=f"sim-{shipment.shipment_id}-v{shipment.version}",
            shipment_id=shipment.shipment_id,
            location=step.location,
            note=step.note,
        )
        match step.kind:
            case "dispatched":
                request.dispatched.tracking_number = step.tracking_number
            case "in_transit":
                request.in_transit.SetInParent()
            case "delivered":
                request.delivered.SetInParent()
            case "lost":
                request.lost.SetInParent()
        try:
            await self._stub.PostTrackingUpdate(
                request, metadata=self._metadata, timeout=_CALL_TIMEOUT
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in _FATAL:
                raise
            # Someone else moved it meanwhile (or the order's shipment was cancelled), or the
            # service is away: look again next poll.
            log.warning(
                "tracking update not posted",
                shipment_id=shipment.shipment_id,
                step=step.kind,
                code=error.code().name,
                details=error.details(),
            )
            return False
        log.info("tracking update posted", shipment_id=shipment.shipment_id, step=step.kind)
        return True
