"""The logistics handlers against logistics' in-memory unit of work and a fake index."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mercato.logistics.v1 import events_pb2
from mercato_kit.auth import Caller, CallerKind
from mercato_kit.money import Money
from mercato_kit.store import InMemoryEventStore
from mercato_logistics.adapters.unit_of_work import InMemoryLogisticsUnitOfWork
from mercato_logistics.application import (
    LogisticsUnitOfWork,
    cancel_shipment,
    create_shipment,
    get_shipment,
    may_see,
    post_tracking_update,
    shipment_id_for,
)
from mercato_logistics.domain import (
    CancelShipment,
    CarrierRule,
    CarrierRules,
    ConfirmDelivery,
    CreateShipment,
    Destination,
    DispatchShipment,
    IllegalTransition,
    NoCarrier,
    OrderAlreadyShipped,
    OrderNotShipped,
    Parcel,
    RecordTransitScan,
    Shipment,
    ShipmentNotFound,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CARRIERS = CarrierRules(
    [CarrierRule("carrier-a", frozenset({"CN"})), CarrierRule("carrier-b", frozenset({"JP"}))]
)
CREATE = CreateShipment(
    order_id="order-1",
    seller_id="seller-1",
    buyer_id="buyer-1",
    destination=Destination("CN-ZJ", "Hangzhou", "310000", "1 West Lake Road", "Li Lei"),
    parcel=Parcel(1200, Money(minor_units=19900, currency="CNY")),
    at=T0,
)


class FakeIndex:
    """Records what the handlers asked to index (a fake of the SQL index)."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, str, bool]] = []

    async def record(self, shipment: Shipment, *, created: bool) -> None:
        self.recorded.append((shipment.id, shipment.status.value, created))


class World:
    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.index = FakeIndex()

    async def run(self, action: Callable[[LogisticsUnitOfWork], Awaitable[Shipment]]) -> Shipment:
        async with InMemoryLogisticsUnitOfWork(self.store, self.index) as uow:
            result = await action(uow)
            await uow.commit()
        return result

    def published(self) -> list[str]:
        return [envelope.event_type.rsplit(".", 1)[-1] for envelope in self.store.published]


def dispatch(shipment_id: str, carrier: str = "carrier-a") -> DispatchShipment:
    return DispatchShipment(shipment_id, carrier, "Hangzhou", "", T0, "SF1234")


async def test_creating_a_shipment_hands_it_to_the_carrier_the_rules_choose() -> None:
    world = World()

    shipment = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))
    in_japan = replace(
        CREATE, order_id="order-2", destination=replace(CREATE.destination, region="JP-13")
    )
    other = await world.run(lambda u: create_shipment(in_japan, u, carriers=CARRIERS))

    assert (shipment.id, shipment.carrier_id) == (shipment_id_for("order-1"), "carrier-a")
    assert other.carrier_id == "carrier-b"
    assert world.published() == ["ShipmentCreated", "ShipmentCreated"]
    assert world.index.recorded[0] == (shipment.id, "created", True)
    created = world.store.published[0].unpack(events_pb2.ShipmentCreated)
    assert (created.order_id, created.parcel.declared_value.minor_units) == ("order-1", 19900)


async def test_a_second_shipment_for_one_order_is_refused() -> None:
    world = World()
    first = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))

    with pytest.raises(OrderAlreadyShipped) as refused:
        await world.run(lambda u: create_shipment(replace(CREATE, at=T0), u, carriers=CARRIERS))

    assert first.id in refused.value.message
    assert world.published() == ["ShipmentCreated"]


async def test_a_destination_no_carrier_serves_creates_nothing() -> None:
    world = World()
    nowhere = replace(CREATE, destination=replace(CREATE.destination, region="FR"))

    with pytest.raises(NoCarrier):
        await world.run(lambda u: create_shipment(nowhere, u, carriers=CARRIERS))

    assert world.published() == []
    assert world.index.recorded == []


async def test_the_carrier_posts_updates_that_are_saved_and_indexed() -> None:
    world = World()
    shipment = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))

    await world.run(lambda u: post_tracking_update(dispatch(shipment.id), u))
    scan = RecordTransitScan(shipment.id, "carrier-a", "Shanghai", "", T0 + timedelta(hours=2))
    await world.run(lambda u: post_tracking_update(scan, u))
    done = ConfirmDelivery(shipment.id, "carrier-a", "CN-ZJ", "", T0 + timedelta(hours=9))
    delivered = await world.run(lambda u: post_tracking_update(done, u))

    assert delivered.version == 4
    assert world.published() == [
        "ShipmentCreated",
        "ShipmentDispatched",
        "ShipmentInTransit",
        "ShipmentDelivered",
    ]
    assert world.index.recorded[-1] == (shipment.id, "delivered", False)


async def test_another_carrier_is_told_the_shipment_does_not_exist() -> None:
    world = World()
    shipment = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))

    with pytest.raises(ShipmentNotFound) as refused:
        await world.run(lambda u: post_tracking_update(dispatch(shipment.id, "carrier-b"), u))
    with pytest.raises(ShipmentNotFound) as missing:
        await world.run(lambda u: post_tracking_update(dispatch("no-such-shipment"), u))

    assert refused.value.message == f"shipment {shipment.id} does not exist"
    assert missing.value.message == "shipment no-such-shipment does not exist"
    assert world.published() == ["ShipmentCreated"]


async def test_an_illegal_update_publishes_nothing() -> None:
    world = World()
    shipment = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))
    early = ConfirmDelivery(shipment.id, "carrier-a", "", "", T0)

    with pytest.raises(IllegalTransition):
        await world.run(lambda u: post_tracking_update(early, u))

    assert world.published() == ["ShipmentCreated"]


async def test_cancelling_a_shipment_publishes_it_once_and_ends_the_carriers_updates() -> None:
    world = World()
    shipment = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))
    cancel = CancelShipment("order-1", "payment refunded", T0 + timedelta(minutes=5))

    cancelled = await world.run(lambda u: cancel_shipment(cancel, u))
    again = await world.run(lambda u: cancel_shipment(replace(cancel, reason="again"), u))
    with pytest.raises(IllegalTransition):
        await world.run(lambda u: post_tracking_update(dispatch(shipment.id), u))

    assert (cancelled.id, cancelled.version) == (shipment.id, 2)
    assert again.version == 2
    assert world.published() == ["ShipmentCreated", "ShipmentCancelled"]
    assert world.index.recorded == [
        (shipment.id, "created", True),
        (shipment.id, "cancelled", False),
    ]
    payload = world.store.published[-1].unpack(events_pb2.ShipmentCancelled)
    assert (payload.order_id, payload.shipment_id, payload.carrier_id, payload.reason) == (
        "order-1",
        shipment.id,
        "carrier-a",
        "payment refunded",
    )
    assert payload.cancelled_at.ToDatetime(tzinfo=UTC) == T0 + timedelta(minutes=5)


async def test_a_dispatched_shipment_stays_and_an_order_without_one_is_not_found() -> None:
    world = World()
    shipment = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))
    await world.run(lambda u: post_tracking_update(dispatch(shipment.id), u))

    with pytest.raises(IllegalTransition):
        await world.run(lambda u: cancel_shipment(CancelShipment("order-1", "late", T0), u))
    with pytest.raises(OrderNotShipped) as missing:
        await world.run(lambda u: cancel_shipment(CancelShipment("order-9", "late", T0), u))

    assert missing.value.message == "order order-9 has no shipment"
    assert world.published() == ["ShipmentCreated", "ShipmentDispatched"]


async def test_a_cancelled_shipment_rebuilt_from_its_stored_events_is_cancelled() -> None:
    world = World()
    shipment = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))
    await world.run(lambda u: cancel_shipment(CancelShipment("order-1", "refunded", T0), u))

    reloaded = await world.run(lambda u: u.shipments.get(shipment.id))

    assert (reloaded.status.value, reloaded.version) == ("cancelled", 2)
    assert reloaded.tracking[-1].note == "refunded"


def caller(
    subject: str,
    kind: CallerKind = "account",
    roles: Iterable[str] = (),
    scopes: Iterable[str] = (),
    on_behalf_of: str | None = None,
) -> Caller:
    return Caller(
        subject=subject,
        kind=kind,
        roles=frozenset(roles),
        scopes=frozenset(scopes),
        token_id="t",
        expires_at=T0,
        on_behalf_of=on_behalf_of,
    )


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        (caller("buyer-1", roles=["buyer"]), True),
        (caller("seller-1", roles=["seller"]), True),
        (caller("buyer-2", roles=["buyer"]), False),
        (caller("buyer-2", roles=["buyer"], scopes=["logistics:read"]), False),
        (caller("op-1", roles=["operator"]), True),
        (caller("carrier-a", "app", roles=["carrier"]), True),
        (caller("carrier-b", "app", roles=["carrier"]), False),
        (caller("carrier-b", "app", roles=["carrier"], scopes=["logistics:read"]), False),
        (caller("orders", "app", scopes=["logistics:ship"]), True),
        (caller("platform", "app", scopes=["logistics:read"]), True),
        (caller("some-app", "app"), False),
        (caller("isv", "app", scopes=["logistics:read"], on_behalf_of="seller-1"), True),
        (caller("isv", "app", on_behalf_of="seller-1"), False),
        (caller("isv", "app", scopes=["logistics:read"], on_behalf_of="seller-2"), False),
    ],
)
async def test_who_may_see_a_shipment(viewer: Caller, sees: bool) -> None:
    world = World()
    shipment = await world.run(lambda u: create_shipment(CREATE, u, carriers=CARRIERS))

    assert may_see(shipment, viewer) is sees
    if not sees:
        with pytest.raises(ShipmentNotFound):
            await world.run(lambda u: get_shipment(shipment.id, u, viewer=viewer))
