"""The app store's posting rules and their translation from payments' published events,
without I/O: exact amounts, by hand; who may read a vendor's payable account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.message import Message

from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.auth import Caller
from mercato_kit.errors import PermissionDenied
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money
from mercato_ledger.adapters.translator import fact_from_event
from mercato_ledger.domain import (
    AppCharged,
    AppChargeRefunded,
    InvalidMoneyFact,
    Line,
    VendorPaidOut,
    lines_for,
)
from mercato_ledger.entrypoints.access import require_account_reader

from ._scenario import cny as cny_message

VENDOR = "vendor-1"
PAYABLE = f"liability:vendor_payable:{VENDOR}"
CLEARING, SHARE = "asset:payment_clearing", "revenue:app_store_share"


def cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency="CNY")


def test_a_charge_is_cash_in_split_between_app_store_revenue_and_the_vendors_payable() -> None:
    assert lines_for(AppCharged(VENDOR, cny(10_001), cny(3_000), cny(7_001))) == (
        Line(CLEARING, "CNY", 10_001),
        Line(SHARE, "CNY", -3_000),
        Line(PAYABLE, "CNY", -7_001),
    )


def test_a_refund_reverses_its_own_split_and_a_payout_clears_the_payable() -> None:
    assert lines_for(AppChargeRefunded(VENDOR, cny(5_000), cny(1_500), cny(3_500))) == (
        Line(CLEARING, "CNY", -5_000),
        Line(SHARE, "CNY", 1_500),
        Line(PAYABLE, "CNY", 3_500),
    )
    assert lines_for(VendorPaidOut(VENDOR, cny(7_001))) == (
        Line(PAYABLE, "CNY", 7_001),
        Line(CLEARING, "CNY", -7_001),
    )


def test_a_charge_with_no_platform_share_posts_no_revenue_line() -> None:
    assert lines_for(AppCharged(VENDOR, cny(1), cny(0), cny(1))) == (
        Line(CLEARING, "CNY", 1),
        Line(PAYABLE, "CNY", -1),
    )


@pytest.mark.parametrize(
    "fact",
    [
        AppCharged(VENDOR, cny(10_000), cny(3_000), cny(6_999)),
        AppChargeRefunded(VENDOR, cny(100), cny(30), cny(71)),
        AppCharged(VENDOR, cny(100), cny(-1), cny(101)),
        AppCharged(VENDOR, cny(100), cny(30), Money(minor_units=70, currency="USD")),
    ],
)
def test_a_split_that_does_not_add_up_is_poison(fact: AppCharged | AppChargeRefunded) -> None:
    with pytest.raises(InvalidMoneyFact):
        lines_for(fact)


def _envelope(payload: Message, kind: str = "payments.app_charge") -> EventEnvelope:
    return EventEnvelope.new(
        payload, aggregate_type=kind, aggregate_id="key", aggregate_version=1, producer="tests"
    )


def test_payments_events_translate_to_the_facts_with_every_amount() -> None:
    split = {
        "vendor_id": VENDOR,
        "amount": cny_message(10_001),
        "platform_share": cny_message(3_000),
        "vendor_share": cny_message(7_001),
    }
    assert fact_from_event(_envelope(payments.AppCharged(charge_id="c:1", **split))) == (
        AppCharged(VENDOR, cny(10_001), cny(3_000), cny(7_001))
    )
    assert fact_from_event(_envelope(payments.AppChargeRefunded(charge_id="c:1", **split))) == (
        AppChargeRefunded(VENDOR, cny(10_001), cny(3_000), cny(7_001))
    )
    paid = payments.VendorPaidOut(batch_id="b", vendor_id=VENDOR, amount=cny_message(7_001))
    assert fact_from_event(_envelope(paid, "payments.vendor_payout")) == VendorPaidOut(
        VENDOR, cny(7_001)
    )
    for nothing_to_post in (
        payments.AppChargeDeclined(charge_id="c:1", amount=cny_message(10_001)),
        payments.VendorPayoutBatchClosed(batch_id="b", currency="CNY"),
    ):
        assert fact_from_event(_envelope(nothing_to_post)) is None


def _caller(subject: str, kind: str, roles: str) -> Caller:
    return Caller(
        subject=subject,
        kind=kind,  # type: ignore[arg-type]
        roles=frozenset({roles}),
        scopes=frozenset(),
        token_id="t",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


def test_a_vendor_app_reads_its_own_payable_account_and_no_other() -> None:
    require_account_reader(_caller(VENDOR, "app", "vendor_app"), PAYABLE)
    for stranger in (
        _caller("vendor-2", "app", "vendor_app"),
        _caller(VENDOR, "account", "seller"),  # an account is not the vendor app
    ):
        with pytest.raises(PermissionDenied):
            require_account_reader(stranger, PAYABLE)
    with pytest.raises(PermissionDenied):
        require_account_reader(_caller(VENDOR, "app", "vendor_app"), SHARE)
