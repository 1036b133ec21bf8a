"""The Shipment aggregate and the carrier rules, with no infrastructure at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mercato_kit.errors import InvalidArgument
from mercato_logistics.domain import (
    CarrierRule,
    CarrierRules,
    Destination,
    IllegalTransition,
    NoCarrier,
    Parcel,
    Shipment,
    ShipmentStatus,
    TrackingEntry,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HANGZHOU = Destination("CN-ZJ", "Hangzhou", "310000", "1 West Lake Road", "Li Lei")


def new_shipment() -> Shipment:
    return Shipment.create(
        "s-1",
        order_id="o-1",
        seller_id="seller-1",
        buyer_id="buyer-1",
        carrier_id="carrier-a",
        destination=HANGZHOU,
        parcel=Parcel(1200),
        at=T0,
    )


def dispatched() -> Shipment:
    shipment = new_shipment()
    shipment.dispatch("SF1234", "Hangzhou", "", T0 + timedelta(hours=1))
    return shipment


def test_a_new_shipment_is_created_and_handed_to_its_carrier() -> None:
    shipment = new_shipment()

    assert shipment.pending_events() == [
        Shipment.Created("o-1", "seller-1", "buyer-1", "carrier-a", HANGZHOU, Parcel(1200), T0)
    ]
    assert (shipment.status, shipment.carrier_id, shipment.version) == (
        ShipmentStatus.CREATED,
        "carrier-a",
        1,
    )


def test_a_shipment_goes_from_dispatched_through_scans_to_delivered() -> None:
    shipment = dispatched()
    shipment.record_transit_scan("Shanghai hub", "scanned", T0 + timedelta(hours=5))
    shipment.record_transit_scan("Hangzhou hub", "scanned", T0 + timedelta(hours=9))
    shipment.confirm_delivery("CN-ZJ", "signed by Li Lei", T0 + timedelta(hours=12))

    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.tracking_number == "SF1234"
    assert shipment.transit_scans == 2
    assert [entry.status for entry in shipment.tracking] == [
        ShipmentStatus.CREATED,
        ShipmentStatus.DISPATCHED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.DELIVERED,
    ]
    assert shipment.updated_at == T0 + timedelta(hours=12)
    assert [type(event) for event in shipment.pending_events()] == [
        Shipment.Created,
        Shipment.Dispatched,
        Shipment.InTransit,
        Shipment.InTransit,
        Shipment.Delivered,
    ]


def test_every_tracking_event_names_the_order_and_the_carrier() -> None:
    shipment = dispatched()
    shipment.report_loss("Shanghai hub", "not found", T0 + timedelta(days=3))

    lost = shipment.pending_events()[-1]

    assert lost == Shipment.Lost(
        "o-1", "carrier-a", "Shanghai hub", "not found", T0 + timedelta(days=3)
    )
    assert shipment.status == ShipmentStatus.LOST


def test_a_shipment_may_be_delivered_straight_after_dispatch() -> None:
    shipment = dispatched()

    shipment.confirm_delivery("CN-ZJ", "", T0 + timedelta(hours=3))

    assert shipment.status == ShipmentStatus.DELIVERED


@pytest.mark.parametrize(
    ("setup", "update"),
    [
        ("created", "scan"),
        ("created", "deliver"),
        ("created", "lose"),
        ("dispatched", "dispatch"),
        ("delivered", "dispatch"),
        ("delivered", "scan"),
        ("delivered", "deliver"),
        ("delivered", "lose"),
        ("lost", "scan"),
        ("lost", "deliver"),
    ],
)
def test_an_update_the_status_does_not_allow_is_refused_and_changes_nothing(
    setup: str, update: str
) -> None:
    shipment = new_shipment() if setup == "created" else dispatched()
    if setup == "delivered":
        shipment.confirm_delivery("", "", T0)
    if setup == "lost":
        shipment.report_loss("", "", T0)
    before = (shipment.status, shipment.version, list(shipment.tracking))
    at = T0 + timedelta(days=1)
    attempts = {
        "dispatch": lambda: shipment.dispatch("SF9999", "", "", at),
        "scan": lambda: shipment.record_transit_scan("", "", at),
        "deliver": lambda: shipment.confirm_delivery("", "", at),
        "lose": lambda: shipment.report_loss("", "", at),
    }

    with pytest.raises(IllegalTransition) as refused:
        attempts[update]()

    assert "s-1" in refused.value.message
    assert (shipment.status, shipment.version, list(shipment.tracking)) == before


def test_a_shipment_not_yet_picked_up_is_cancelled_once_with_its_reason() -> None:
    shipment = new_shipment()
    shipment.mark_saved()

    shipment.cancel("payment refunded", T0 + timedelta(hours=1))
    shipment.cancel("asked again", T0 + timedelta(hours=2))

    assert shipment.pending_events() == [
        Shipment.Cancelled("o-1", "s-1", "carrier-a", "payment refunded", T0 + timedelta(hours=1))
    ]
    assert (shipment.status, shipment.version) == (ShipmentStatus.CANCELLED, 2)
    assert shipment.tracking[-1] == TrackingEntry(
        ShipmentStatus.CANCELLED, "", "payment refunded", T0 + timedelta(hours=1)
    )
    assert shipment.status.is_final


@pytest.mark.parametrize("setup", ["dispatched", "in transit", "delivered", "lost"])
def test_a_shipment_the_carrier_picked_up_cannot_be_cancelled(setup: str) -> None:
    shipment = dispatched()
    if setup == "in transit":
        shipment.record_transit_scan("Shanghai hub", "", T0)
    if setup == "delivered":
        shipment.confirm_delivery("", "", T0)
    if setup == "lost":
        shipment.report_loss("", "", T0)
    before = (shipment.status, shipment.version)

    with pytest.raises(IllegalTransition) as refused:
        shipment.cancel("payment refunded", T0 + timedelta(days=1))

    assert refused.value.message.endswith("it cannot be cancelled")
    assert (shipment.status, shipment.version) == before


@pytest.mark.parametrize("update", ["dispatch", "scan", "deliver", "lose"])
def test_the_carrier_can_post_nothing_for_a_cancelled_shipment(update: str) -> None:
    shipment = new_shipment()
    shipment.cancel("payment refunded", T0)
    at = T0 + timedelta(hours=1)
    attempts = {
        "dispatch": lambda: shipment.dispatch("SF9999", "", "", at),
        "scan": lambda: shipment.record_transit_scan("", "", at),
        "deliver": lambda: shipment.confirm_delivery("", "", at),
        "lose": lambda: shipment.report_loss("", "", at),
    }

    with pytest.raises(IllegalTransition):
        attempts[update]()

    assert (shipment.status, shipment.version) == (ShipmentStatus.CANCELLED, 2)


def test_a_cancellation_needs_a_reason() -> None:
    shipment = new_shipment()

    with pytest.raises(InvalidArgument) as refused:
        shipment.cancel("  ", T0)

    assert refused.value.field == "reason"
    assert shipment.status == ShipmentStatus.CREATED


def test_rehydrating_from_history_gives_the_same_state() -> None:
    original = dispatched()
    original.record_transit_scan("Shanghai hub", "", T0 + timedelta(hours=4))

    rebuilt = Shipment.rehydrate("s-1", original.pending_events())

    assert rebuilt.status == ShipmentStatus.IN_TRANSIT
    assert (rebuilt.order_id, rebuilt.carrier_id, rebuilt.tracking_number) == (
        "o-1",
        "carrier-a",
        "SF1234",
    )
    assert rebuilt.tracking == original.tracking
    assert (rebuilt.version, rebuilt.pending_events()) == (3, [])


RULES = CarrierRules(
    [
        CarrierRule("zhejiang-local", frozenset({"CN-ZJ"}), max_weight_grams=5000),
        CarrierRule("china-post", frozenset({"CN"}), max_weight_grams=30000),
        CarrierRule("freight", frozenset({"CN"}), min_weight_grams=30001),
        CarrierRule("japan-express", frozenset({"JP"})),
    ]
)


@pytest.mark.parametrize(
    ("region", "weight", "carrier"),
    [
        ("CN-ZJ", 5000, "zhejiang-local"),
        ("CN-ZJ", 5001, "china-post"),
        ("CN-SH", 100, "china-post"),
        ("CN", 30000, "china-post"),
        ("CN-SH", 30001, "freight"),
        ("JP-13", 80000, "japan-express"),
    ],
)
def test_the_first_rule_matching_region_and_weight_chooses_the_carrier(
    region: str, weight: int, carrier: str
) -> None:
    assert RULES.choose(region, weight) == carrier


def test_a_destination_no_rule_serves_has_no_carrier() -> None:
    with pytest.raises(NoCarrier) as refused:
        RULES.choose("FR-75", 1000)

    assert refused.value.message == "no carrier serves region FR-75 for a parcel of 1000 g"


def test_a_rule_without_regions_serves_anywhere() -> None:
    rules = CarrierRules([CarrierRule("anywhere", max_weight_grams=2000)])

    assert rules.choose("BR-SP", 2000) == "anywhere"
    with pytest.raises(NoCarrier):
        rules.choose("BR-SP", 2001)
