"""The translator: every domain event survives the trip to its published payload and back."""

from __future__ import annotations

import pytest

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money
from mercato_payments.adapters.translator import PaymentsTranslator
from mercato_payments.domain import AdvertiserBudget, DeclineReason, Payment, PayoutBatch

CNY = Money(minor_units=10_019, currency="CNY")
EVENTS: list[tuple[type[Aggregate], DomainEvent]] = [
    (
        Payment,
        Payment.Captured("o", "b", "s", "shop", "flagship", CNY, "ch", 300, 2),
    ),
    (
        Payment,
        Payment.ProcessingFeeCharged(
            "o",
            "ch",
            CNY,
            Money(minor_units=60, currency="CNY"),
            Money(minor_units=9_959, currency="CNY"),
            60,
        ),
    ),
    (
        Payment,
        Payment.Declined("o", "b", "s", "shop", "standard", CNY, DeclineReason.PROVIDER_TIMEOUT, 1),
    ),
    (Payment, Payment.Voided("o", "r", "order cancelled", "b", "s", 2)),
    (
        Payment,
        Payment.RefundIssued(
            "o",
            "b",
            "s",
            "r",
            Money(minor_units=19, currency="CNY"),
            Money(minor_units=19, currency="CNY"),
            Money(minor_units=10_000, currency="CNY"),
            False,
            "ribbon",
        ),
    ),
    (
        Payment,
        Payment.EscrowReleased(
            "o",
            "s",
            "shop",
            "standard",
            Money(minor_units=10_000, currency="CNY"),
            Money(minor_units=500, currency="CNY"),
            Money(minor_units=9_500, currency="CNY"),
            500,
            CNY,
            Money(minor_units=19, currency="CNY"),
        ),
    ),
    (
        PayoutBatch,
        PayoutBatch.PayoutSent("batch", "payout", "s", Money(minor_units=9_500, currency="EUR")),
    ),
    (PayoutBatch, PayoutBatch.Closed("batch", "EUR", 1, Money(minor_units=9_500, currency="EUR"))),
    (AdvertiserBudget, AdvertiserBudget.Deposited("a", "d", CNY, "ch", CNY)),
    (
        AdvertiserBudget,
        AdvertiserBudget.ProcessingFeeCharged(
            "a",
            "d",
            "ch",
            CNY,
            Money(minor_units=60, currency="CNY"),
            Money(minor_units=9_959, currency="CNY"),
            60,
        ),
    ),
]


@pytest.mark.parametrize(
    ("aggregate", "event"), EVENTS, ids=[type(event).__qualname__ for _, event in EVENTS]
)
def test_an_event_reads_back_as_itself_from_its_envelope(
    aggregate: type[Aggregate], event: DomainEvent
) -> None:
    translator = PaymentsTranslator()
    envelope = EventEnvelope.new(
        translator.to_payload(event),
        aggregate_type=aggregate.aggregate_type,
        aggregate_id="id-1",
        aggregate_version=1,
        producer="payments",
    )

    assert translator.from_envelope(EventEnvelope.from_bytes(envelope.to_bytes())) == event
