"""The carrier simulator's schedule and losses: what it does next, decided without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mercato_logistics.simulator import Observed, Plan, Step
from mercato_logistics.simulator.plan import tracking_number_for

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
# An hour a second: dispatch after 2 s, a scan every 12 s, delivery 8 s after the last scan.
PLAN = Plan(
    dispatch_after=2 * 3600,
    scan_every=12 * 3600,
    hubs=("Shanghai hub", "Hangzhou hub"),
    deliver_after=8 * 3600,
    time_scale=3600,
)
NEW = Observed("s-1", "created", "CN-ZJ", transit_scans=0, updated_at=T0, version=1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_nothing_is_due_before_its_time() -> None:
    assert PLAN.next_step(NEW, at(1.9)) is None


def test_a_new_shipment_is_dispatched_with_a_waybill_number_when_due() -> None:
    step = PLAN.next_step(NEW, at(2))

    assert step == Step(
        "dispatched", "pick-up", "collected from the seller", tracking_number_for("s-1")
    )
    assert step.tracking_number.startswith("SIM")


def test_a_dispatched_shipment_is_scanned_at_each_hub_in_turn() -> None:
    dispatched = replace(NEW, status="dispatched", version=2)
    scanned = replace(NEW, status="in_transit", transit_scans=1, version=3)

    assert PLAN.next_step(dispatched, at(11)) is None
    assert PLAN.next_step(dispatched, at(12)) == Step("in_transit", "Shanghai hub", "scanned")
    assert PLAN.next_step(scanned, at(12)) == Step("in_transit", "Hangzhou hub", "scanned")


def test_after_the_last_hub_the_parcel_is_delivered_when_due() -> None:
    last_scan = replace(NEW, status="in_transit", transit_scans=2, version=4)

    assert PLAN.next_step(last_scan, at(7)) is None
    assert PLAN.next_step(last_scan, at(8)) == Step("delivered", "CN-ZJ", "handed to the recipient")


def test_without_hubs_a_dispatched_parcel_goes_straight_to_delivery() -> None:
    plan = replace(PLAN, hubs=())
    dispatched = replace(NEW, status="dispatched", version=2)

    step = plan.next_step(dispatched, at(8))

    assert step is not None
    assert step.kind == "delivered"


@pytest.mark.parametrize("status", ["delivered", "lost", "cancelled"])
def test_a_final_shipment_has_no_next_step(status: str) -> None:
    final = replace(NEW, status=status, transit_scans=2)  # type: ignore[arg-type]

    assert PLAN.next_step(final, at(10**6)) is None


def test_a_lost_parcel_is_reported_lost_instead_of_delivered() -> None:
    plan = replace(PLAN, loss_rate=1.0)
    last_scan = replace(NEW, status="in_transit", transit_scans=2, version=4)

    assert plan.next_step(last_scan, at(8)) == Step("lost", "CN-ZJ", "the parcel cannot be found")


def test_which_parcels_are_lost_depends_only_on_the_seed_and_the_shipment() -> None:
    ids = [f"shipment-{n}" for n in range(2000)]
    plan = replace(PLAN, loss_rate=0.25, seed=7)

    lost = {shipment for shipment in ids if plan.loses(shipment)}
    again = {shipment for shipment in reversed(ids) if replace(plan).loses(shipment)}
    other_seed = {shipment for shipment in ids if replace(plan, seed=8).loses(shipment)}

    assert lost == again
    assert lost != other_seed
    assert 400 <= len(lost) <= 600  # the configured share, give or take chance


def test_no_parcel_is_lost_at_rate_zero_and_every_one_at_rate_one() -> None:
    ids = [f"shipment-{n}" for n in range(200)]

    assert not any(replace(PLAN, loss_rate=0.0).loses(s) for s in ids)
    assert all(replace(PLAN, loss_rate=1.0).loses(s) for s in ids)
