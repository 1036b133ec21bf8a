"""Handlers: each is load, decide, save, through the caller's unit of work
(`async def verb(command, uow, *, collaborators)`)."""

from __future__ import annotations

from mercato_kit.auth import Caller
from mercato_logistics.application.shipments import LogisticsUnitOfWork, shipment_id_for
from mercato_logistics.domain import (
    CancelShipment,
    CarrierRules,
    ConfirmDelivery,
    CreateShipment,
    DispatchShipment,
    OrderAlreadyShipped,
    OrderNotShipped,
    RecordTransitScan,
    ReportLoss,
    Shipment,
    ShipmentNotFound,
    TrackingUpdate,
)


async def create_shipment(
    command: CreateShipment, uow: LogisticsUnitOfWork, *, carriers: CarrierRules
) -> Shipment:
    shipment_id = shipment_id_for(command.order_id)
    if await uow.shipments.find(shipment_id) is not None:
        raise OrderAlreadyShipped(command.order_id, shipment_id)
    shipment = Shipment.create(
        shipment_id,
        order_id=command.order_id,
        seller_id=command.seller_id,
        buyer_id=command.buyer_id,
        carrier_id=carriers.choose(command.destination.region, command.parcel.weight_grams),
        destination=command.destination,
        parcel=command.parcel,
        at=command.at,
    )
    await uow.shipments.save(shipment)
    return shipment


async def cancel_shipment(command: CancelShipment, uow: LogisticsUnitOfWork) -> Shipment:
    shipment = await uow.shipments.find(shipment_id_for(command.order_id))
    if shipment is None:
        raise OrderNotShipped(command.order_id)
    shipment.cancel(command.reason, command.at)
    await uow.shipments.save(shipment)
    return shipment


async def post_tracking_update(command: TrackingUpdate, uow: LogisticsUnitOfWork) -> Shipment:
    shipment = await uow.shipments.get(command.shipment_id)
    if shipment.carrier_id != command.carrier_id:
        # Not "permission denied": a carrier must not learn that another's shipment exists.
        raise ShipmentNotFound(command.shipment_id)
    where, note, at = command.location, command.note, command.at
    match command:
        case DispatchShipment(tracking_number=tracking_number):
            shipment.dispatch(tracking_number, where, note, at)
        case RecordTransitScan():
            shipment.record_transit_scan(where, note, at)
        case ConfirmDelivery():
            shipment.confirm_delivery(where, note, at)
        case ReportLoss():
            shipment.report_loss(where, note, at)
        case _:
            raise TypeError(f"no handler for {type(command).__name__}")
    await uow.shipments.save(shipment)
    return shipment


async def get_shipment(shipment_id: str, uow: LogisticsUnitOfWork, *, viewer: Caller) -> Shipment:
    shipment = await uow.shipments.get(shipment_id)
    if not may_see(shipment, viewer):
        raise ShipmentNotFound(shipment_id)
    return shipment


SERVICE_READ_SCOPES = frozenset({"logistics:read", "logistics:ship"})


def may_see(shipment: Shipment, viewer: Caller) -> bool:
    """Who may see a shipment (everyone else is told it does not exist).

    - an app acting for an account (a seller's grant): that account is the buyer or seller,
      and the grant has scope `logistics:read`;
    - an account: the buyer, the seller, or an operator;
    - a carrier app: only the shipments handed to it;
    - another app acting as itself (a platform service): scope `logistics:read` or
      `logistics:ship`.
    """
    parties = (shipment.buyer_id, shipment.seller_id)
    if viewer.on_behalf_of is not None:
        return viewer.on_behalf_of in parties and viewer.has_scope("logistics:read")
    if viewer.kind == "account":
        return viewer.subject in parties or "operator" in viewer.roles
    if "carrier" in viewer.roles:
        return viewer.subject == shipment.carrier_id
    return bool(viewer.scopes & SERVICE_READ_SCOPES)
