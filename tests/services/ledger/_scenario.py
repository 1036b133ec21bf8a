"""A hand-computed scenario: three orders, a payout and a budget deposit, as published events.

    A  captured 10019 (fee 60: 10019 x 60 bps, rounded down), released: commission 500
       (5% of 10019 = 500.95, rounded down), seller net 9519; completed
    B  captured 20000 (fee 120), refunded 5000, released 15000: commission 750, net 14250;
       completed
    C  captured 3000 (fee 18), refunded 3000 in full; refunded
    D  declined (posts nothing)
    payout of 23769 (9519 + 14250) to seller S; a budget deposit of 50000 (fee 300)

Expected, in CNY fen (debit positive): payment clearing 10019 - 60 + 20000 - 120 + 3000 - 18
- 5000 - 3000 - 23769 + 50000 - 300 = 50752; payment processing 498; sale commission -1250;
seller payable 0; every escrow 0; advertiser budget -50000. 13 entries, 6 order milestones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from google.protobuf.wrappers_pb2 import StringValue

from mercato.common.v1.money_pb2 import Money
from mercato.orders.v1 import events_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.events import EventEnvelope, topic_for

ORDER_A, ORDER_B, ORDER_C, ORDER_D = (str(uuid.UUID(int=n)) for n in (0xA, 0xB, 0xC, 0xD))
SELLER, BUYER = str(uuid.UUID(int=0x5E)), str(uuid.UUID(int=0xB0))
ADVERTISER, BATCH = str(uuid.UUID(int=0xAD)), str(uuid.UUID(int=0xBA))

EXPECTED_BALANCES = {
    "asset:payment_clearing": 50752,
    "expense:payment_processing": 498,
    "revenue:sale_commission": -1250,
    f"liability:seller_payable:{SELLER}": 0,
    f"liability:escrow:{ORDER_A}": 0,
    f"liability:escrow:{ORDER_B}": 0,
    f"liability:escrow:{ORDER_C}": 0,
    f"liability:advertiser_budget:{ADVERTISER}": -50000,
}
ENTRIES, MILESTONES = 13, 6


def cny(minor_units: int) -> Money:
    return Money(currency="CNY", minor_units=minor_units)


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass(frozen=True)
class Published:
    """An event and the aggregate kind whose topic carries it."""

    kind: str
    envelope: EventEnvelope


def _event(kind: str, key: str, payload: Message, when: datetime) -> Published:
    envelope = EventEnvelope.new(
        payload,
        aggregate_type=kind,
        aggregate_id=key,
        aggregate_version=1,
        producer="tests",
        occurred_at=when,
    )
    return Published(kind, envelope)


def _capture(order: str, amount: int, fee: int, when: datetime) -> list[Published]:
    kind = "payments.payment"
    return [
        _event(
            kind,
            order,
            payments.PaymentCaptured(
                order_id=order,
                buyer_id=BUYER,
                seller_id=SELLER,
                amount=cny(amount),
                commission_rate_bps=500,
                attempt=1,
            ),
            when,
        ),
        _event(
            kind,
            order,
            payments.ProcessingFeeCharged(
                purpose=payments.CHARGE_PURPOSE_ORDER_PAYMENT,
                order_id=order,
                gross=cny(amount),
                fee=cny(fee),
                net_settled=cny(amount - fee),
                fee_rate_bps=60,
            ),
            when,
        ),
        _event(
            "orders.order",
            order,
            orders.OrderPaid(order_id=order, buyer_id=BUYER, seller_id=SELLER, amount=cny(amount)),
            when,
        ),
    ]


def _refund(order: str, amount: int, left: int, when: datetime) -> Published:
    return _event(
        "payments.payment",
        order,
        payments.RefundIssued(
            order_id=order,
            buyer_id=BUYER,
            seller_id=SELLER,
            refund_id=str(uuid.uuid4()),
            amount=cny(amount),
            remaining_in_escrow=cny(left),
            full=left == 0,
        ),
        when,
    )


def _release(order: str, gross: int, commission: int, when: datetime) -> list[Published]:
    return [
        _event(
            "payments.payment",
            order,
            payments.EscrowReleased(
                order_id=order,
                seller_id=SELLER,
                gross=cny(gross),
                commission=cny(commission),
                seller_net=cny(gross - commission),
                commission_rate_bps=500,
            ),
            when,
        ),
        _event(
            "orders.order",
            order,
            orders.OrderCompleted(order_id=order, seller_id=SELLER, amount=cny(gross)),
            when,
        ),
    ]


def scenario() -> list[Published]:
    """The scenario's events in the order they happened (new event ids on every call)."""
    return [
        *_capture(ORDER_A, 10019, 60, at(30, 9, month=10)),
        *_capture(ORDER_B, 20000, 120, at(31, 12, month=10)),
        *_capture(ORDER_C, 3000, 18, at(1, 8)),
        _event(
            "payments.payment",
            ORDER_D,
            payments.PaymentDeclined(order_id=ORDER_D, amount=cny(999), attempt=1),
            at(1, 8),
        ),
        _refund(ORDER_B, 5000, 15000, at(1, 9)),
        _refund(ORDER_C, 3000, 0, at(2, 10)),
        _event(
            "orders.order",
            ORDER_C,
            orders.OrderRefunded(order_id=ORDER_C, amount=cny(3000), reason="lost"),
            at(2, 10),
        ),
        *_release(ORDER_A, 10019, 500, at(3, 10)),
        *_release(ORDER_B, 15000, 750, at(4, 10)),
        _event(
            "payments.payout",
            BATCH,
            payments.PayoutSent(
                batch_id=BATCH, payout_id=str(uuid.uuid4()), seller_id=SELLER, amount=cny(23769)
            ),
            at(5, 10),
        ),
        _event(
            "payments.payout",
            BATCH,
            payments.PayoutBatchClosed(batch_id=BATCH, currency="CNY", payout_count=1),
            at(5, 10),
        ),
        _event(
            "payments.budget",
            ADVERTISER,
            payments.BudgetDeposited(
                advertiser_id=ADVERTISER, deposit_id=str(uuid.uuid4()), amount=cny(50000)
            ),
            at(5, 11),
        ),
        _event(
            "payments.budget",
            ADVERTISER,
            payments.ProcessingFeeCharged(
                purpose=payments.CHARGE_PURPOSE_BUDGET_DEPOSIT,
                advertiser_id=ADVERTISER,
                gross=cny(50000),
                fee=cny(300),
                net_settled=cny(49700),
                fee_rate_bps=60,
            ),
            at(5, 11),
        ),
        _event(
            "payments.budget", ADVERTISER, StringValue(value="a type it does not know"), at(5, 12)
        ),
    ]


def default_topics() -> dict[str, str]:
    kinds = (
        "payments.payment",
        "payments.payout",
        "payments.budget",
        "payments.app_charge",
        "payments.vendor_payout",
        "orders.order",
        "marketing.click",
        "marketing.conversion",
        "marketing.payout",
    )
    return {kind: topic_for(kind) for kind in kinds}
