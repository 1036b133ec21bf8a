"""The Payment aggregate: capture into escrow, release less commission, refunds (no I/O)."""

from __future__ import annotations

import pytest

from mercato_kit.errors import FailedPrecondition, InvalidArgument
from mercato_kit.money import Money
from mercato_payments.domain import (
    ChargeOutcome,
    DeclineReason,
    OrderCancelled,
    OrderTerms,
    Payment,
    PaymentStatus,
    Tariff,
)

TARIFF = Tariff({"standard": 500, "flagship": 300}, processing_fee_bps=60)
TERMS = OrderTerms(
    "buyer-1", "seller-1", "shop-1", "standard", Money(minor_units=10_019, currency="CNY")
)
APPROVED = ChargeOutcome.approved("ch_1")
DECLINED = ChargeOutcome.declined(DeclineReason.CARD_DECLINED)


def captured(terms: OrderTerms = TERMS) -> Payment:
    payment = Payment("order-1")
    payment.record_charge(terms, APPROVED, TARIFF)
    return Payment.rehydrate("order-1", payment.pending_events())


def test_a_capture_holds_the_money_in_escrow_and_charges_the_processing_fee() -> None:
    payment = Payment("order-1")

    surplus = payment.record_charge(TERMS, APPROVED, TARIFF)

    assert not surplus
    assert payment.pending_events() == [
        Payment.Captured(
            order_id="order-1",
            buyer_id="buyer-1",
            seller_id="seller-1",
            shop_id="shop-1",
            shop_tier="standard",
            amount=Money(minor_units=10_019, currency="CNY"),
            charge_id="ch_1",
            commission_rate_bps=500,
            attempt=1,
        ),
        Payment.ProcessingFeeCharged(
            order_id="order-1",
            charge_id="ch_1",
            gross=Money(minor_units=10_019, currency="CNY"),
            fee=Money(minor_units=60, currency="CNY"),
            net_settled=Money(minor_units=9_959, currency="CNY"),
            fee_rate_bps=60,
        ),
    ]
    assert (payment.status, payment.in_escrow) == (
        PaymentStatus.CAPTURED,
        Money(minor_units=10_019, currency="CNY"),
    )


def test_a_declined_attempt_records_the_reason_and_a_later_attempt_may_capture() -> None:
    payment = Payment("order-1")
    payment.record_charge(TERMS, DECLINED, TARIFF)
    assert (payment.status, payment.decline_reason) == (
        PaymentStatus.DECLINED,
        DeclineReason.CARD_DECLINED,
    )

    payment.record_charge(TERMS, APPROVED, TARIFF)

    assert payment.status == PaymentStatus.CAPTURED
    assert payment.attempts == 2
    assert payment.decline_reason is None


def test_a_captured_order_is_never_charged_again_and_a_second_charge_is_surplus() -> None:
    payment = captured()

    same_charge = payment.record_charge(TERMS, APPROVED, TARIFF)
    another_charge = payment.record_charge(TERMS, ChargeOutcome.approved("ch_2"), TARIFF)
    a_decline = payment.record_charge(TERMS, DECLINED, TARIFF)

    assert (same_charge, another_charge, a_decline) == (False, True, False)
    assert payment.pending_events() == []
    assert not payment.needs_charge


def test_a_capture_on_other_terms_than_the_first_attempt_is_refused() -> None:
    payment = Payment("order-1")
    payment.record_charge(TERMS, DECLINED, TARIFF)
    other = OrderTerms(
        "buyer-1", "seller-1", "shop-1", "standard", Money(minor_units=1, currency="CNY")
    )

    with pytest.raises(FailedPrecondition, match="amount"):
        payment.record_charge(other, APPROVED, TARIFF)
    assert payment.status == PaymentStatus.DECLINED


def test_the_commission_rate_is_fixed_by_the_tier_at_capture() -> None:
    flagship = OrderTerms(
        "buyer-1", "seller-1", "shop-1", "flagship", Money(minor_units=10_019, currency="CNY")
    )
    payment = captured(flagship)

    payment.release_escrow()

    assert payment.released is not None
    assert payment.released.commission == Money(
        minor_units=300, currency="CNY"
    )  # 3% of 100.19, rounded down
    assert payment.released.seller_net == Money(
        minor_units=9_719, currency="CNY"
    )  # the seller keeps the remainder


def test_release_pays_the_seller_what_is_left_after_partial_refunds_less_commission() -> None:
    payment = captured()
    payment.refund("refund-1", Money(minor_units=19, currency="CNY"), "a missing ribbon")

    payment.release_escrow()

    released = payment.pending_events()[-1]
    assert released == Payment.EscrowReleased(
        order_id="order-1",
        seller_id="seller-1",
        shop_id="shop-1",
        shop_tier="standard",
        gross=Money(minor_units=10_000, currency="CNY"),
        commission=Money(minor_units=500, currency="CNY"),
        seller_net=Money(minor_units=9_500, currency="CNY"),
        commission_rate_bps=500,
        captured=Money(minor_units=10_019, currency="CNY"),
        refunded=Money(minor_units=19, currency="CNY"),
    )
    assert (payment.status, payment.in_escrow) == (
        PaymentStatus.RELEASED,
        Money(minor_units=0, currency="CNY"),
    )


def test_releasing_twice_releases_once() -> None:
    payment = captured()
    payment.release_escrow()

    payment.release_escrow()

    assert len(payment.pending_events()) == 1


def test_a_release_after_a_full_refund_is_refused() -> None:
    payment = captured()
    payment.refund("refund-1", None, "cancelled")

    with pytest.raises(FailedPrecondition, match="refunded in full"):
        payment.release_escrow()
    assert payment.status == PaymentStatus.REFUNDED


def test_a_release_before_a_capture_is_refused() -> None:
    payment = Payment("order-1")
    payment.record_charge(TERMS, DECLINED, TARIFF)

    with pytest.raises(FailedPrecondition, match="not captured"):
        payment.release_escrow()


def test_partial_refunds_add_up_and_the_last_one_empties_the_escrow() -> None:
    payment = captured()

    payment.refund("refund-1", Money(minor_units=10_000, currency="CNY"), "")
    payment.refund("refund-2", Money(minor_units=19, currency="CNY"), "")

    first, second = payment.pending_events()
    assert isinstance(first, Payment.RefundIssued)
    assert isinstance(second, Payment.RefundIssued)
    assert (first.remaining_in_escrow, first.full) == (Money(minor_units=19, currency="CNY"), False)
    assert (second.refunded_total, second.full) == (Money(minor_units=10_019, currency="CNY"), True)
    assert payment.status == PaymentStatus.REFUNDED


def test_a_refund_never_exceeds_what_is_left_in_escrow() -> None:
    payment = captured()
    payment.refund("refund-1", Money(minor_units=10_000, currency="CNY"), "")

    with pytest.raises(FailedPrecondition, match="exceeds"):
        payment.refund("refund-2", Money(minor_units=20, currency="CNY"), "")
    assert payment.in_escrow == Money(minor_units=19, currency="CNY")


def test_a_refund_is_applied_once_per_refund_id() -> None:
    payment = captured()
    first = payment.refund("refund-1", Money(minor_units=100, currency="CNY"), "")

    again = payment.refund("refund-1", Money(minor_units=100, currency="CNY"), "")
    unstated = payment.refund("refund-1", None, "")

    assert first == again == unstated
    assert payment.refunded == Money(minor_units=100, currency="CNY")
    with pytest.raises(FailedPrecondition, match="refund-1"):
        payment.refund("refund-1", Money(minor_units=200, currency="CNY"), "")


def test_a_refund_in_another_currency_names_the_field() -> None:
    payment = captured()

    with pytest.raises(InvalidArgument) as refused:
        payment.refund("refund-1", Money(minor_units=100, currency="USD"), "")

    assert refused.value.field == "amount.currency"


def test_a_refund_after_the_release_is_refused() -> None:
    payment = captured()
    payment.release_escrow()

    with pytest.raises(FailedPrecondition, match="released"):
        payment.refund("refund-1", Money(minor_units=1, currency="CNY"), "")


def test_a_refund_before_any_capture_voids_the_payment_once_and_gives_back_nothing() -> None:
    payment = Payment("order-1")

    refund = payment.refund("refund-1", None, "order cancelled")
    again = payment.refund("refund-2", Money(minor_units=5, currency="CNY"), "asked again")

    assert (refund, again) == (None, None)
    assert payment.pending_events() == [
        Payment.Voided("order-1", "refund-1", "order cancelled", "", "", declined_attempts=0)
    ]
    assert (payment.status, payment.needs_charge) == (PaymentStatus.VOIDED, False)
    assert (payment.captured, payment.refunded, payment.in_escrow) == (Money.zero(""),) * 3


def test_a_voided_payment_refuses_every_capture_approved_or_not() -> None:
    payment = Payment("order-1")
    payment.refund("refund-1", None, "order cancelled")

    for outcome in (APPROVED, DECLINED):
        with pytest.raises(OrderCancelled, match="order order-1 was cancelled"):
            payment.record_charge(TERMS, outcome, TARIFF)
    with pytest.raises(OrderCancelled):
        payment.check_capture(TERMS)
    assert [type(event) for event in payment.pending_events()] == [Payment.Voided]


def test_a_refund_after_only_declined_attempts_voids_the_payment_with_its_parties() -> None:
    payment = Payment("order-1")
    payment.record_charge(TERMS, DECLINED, TARIFF)
    payment.mark_saved()

    assert payment.refund("refund-1", None, "payment failed") is None

    assert payment.pending_events() == [
        Payment.Voided("order-1", "refund-1", "payment failed", "buyer-1", "seller-1", 1)
    ]
    assert payment.captured == Money.zero("CNY")
    with pytest.raises(OrderCancelled):
        payment.record_charge(TERMS, APPROVED, TARIFF)


def test_a_capture_after_a_full_refund_is_refused_and_after_a_partial_one_is_surplus() -> None:
    refunded, partly = captured(), captured()
    refunded.refund("refund-1", None, "cancelled")
    partly.refund("refund-1", Money(minor_units=19, currency="CNY"), "ribbon")

    with pytest.raises(OrderCancelled, match="refunded in full"):
        refunded.record_charge(TERMS, APPROVED, TARIFF)
    surplus = partly.record_charge(TERMS, ChargeOutcome.approved("ch_2"), TARIFF)

    assert surplus
    partly.check_capture(TERMS)


def test_a_voided_payment_rebuilt_from_its_history_stays_void() -> None:
    original = Payment("order-1")
    original.record_charge(TERMS, DECLINED, TARIFF)
    original.refund("refund-1", None, "payment failed")

    rebuilt = Payment.rehydrate("order-1", original.pending_events())

    assert (rebuilt.status, rebuilt.attempts, rebuilt.version) == (PaymentStatus.VOIDED, 1, 2)
    with pytest.raises(FailedPrecondition, match="not captured"):
        rebuilt.release_escrow()


def test_rehydrating_from_history_gives_the_same_state() -> None:
    original = Payment("order-1")
    original.record_charge(TERMS, DECLINED, TARIFF)
    original.record_charge(TERMS, APPROVED, TARIFF)
    original.refund("refund-1", Money(minor_units=19, currency="CNY"), "ribbon")
    original.release_escrow()

    rebuilt = Payment.rehydrate("order-1", original.pending_events())

    assert (rebuilt.status, rebuilt.attempts, rebuilt.charge_id) == (
        PaymentStatus.RELEASED,
        2,
        "ch_1",
    )
    assert (rebuilt.refunded, rebuilt.processing_fee) == (
        Money(minor_units=19, currency="CNY"),
        Money(minor_units=60, currency="CNY"),
    )
    assert rebuilt.released == original.released
    assert rebuilt.version == 5


def test_no_processing_fee_event_when_the_fee_rounds_to_nothing() -> None:
    payment = Payment("order-1")
    small = OrderTerms(
        "buyer-1", "seller-1", "shop-1", "standard", Money(minor_units=100, currency="CNY")
    )

    payment.record_charge(small, APPROVED, TARIFF)  # 0.6% of 1.00 is 0.6 fen: rounds to 0

    assert [type(event) for event in payment.pending_events()] == [Payment.Captured]
