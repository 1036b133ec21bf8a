"""The translator: every domain event survives the trip to its published payload and back."""

from __future__ import annotations

import pytest

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.events import EventEnvelope
from mercato_payments.adapters.translator import PaymentsTranslator
from mercato_payments.domain import (
    AdvertiserBudget,
    DeclineReason,
    Money,
    Payment,
    PayoutBatch,
)

CNY = Money(10_019, "CNY")
EVENTS: list[tuple[type[Aggregate], DomainEvent]] = [
    (
        Payment,
        Payment.Captured("o", "b", "s", "shop", "flagship", CNY, "ch", 300, 2),
    ),
    (
        Payment,
        Payment.ProcessingFeeCharged("o", "ch", CNY, Money(60, "CNY"), Money(9_959, "CNY"), 60),
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
            Money(19, "CNY"),
            Money(19, "CNY"),
            Money(10_000, "CNY"),
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
            Money(10_000, "CNY"),
            Money(500, "CNY"),
            Money(9_500, "CNY"),
            500,
            CNY,
            Money(19, "CNY"),
        ),
    ),
    (PayoutBatch, PayoutBatch.PayoutSent("batch", "payout", "s", Money(9_500, "EUR"))),
    (PayoutBatch, PayoutBatch.Closed("batch", "EUR", 1, Money(9_500, "EUR"))),
    (AdvertiserBudget, AdvertiserBudget.Deposited("a", "d", CNY, "ch", CNY)),
    (
        AdvertiserBudget,
        AdvertiserBudget.ProcessingFeeCharged(
            "a", "d", "ch", CNY, Money(60, "CNY"), Money(9_959, "CNY"), 60
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
