"""A hand-computed marketing scenario, as published events: an advertiser deposits a budget in
payments, buys clicks (CPC) and sales (CPS) from two publishers, one click is invalidated, the
publishers are paid, and a commission is reversed after its payout. A flagship order pays a
sale commission beside it, so the monthly result has every stream. Publisher share 30%
(rounded down): a click of 250 gives the publisher 75, the platform 175.

    Oct 30  order O captured 20000 (fee 120), paid
    Nov  1  BudgetDeposited 200000 (fee 1200)
    Nov  2  CPC clicks C1 C2 C3 (publisher P1), C4 C5 (P2): 250 each; a CPS click (cost 0) and
            a rejected click post nothing; C5 invalidated (250 back, P2's 75 taken back)
    Nov  3  conversions attributed (holds post nothing), one attribution rejected
    Nov  4  order O released: commission 600 (300 bp), seller net 19400; completed
    Nov  5  CommissionCharged K1 1000 (P1 300, platform 700)
    Nov  7  CommissionCharged K2 2000 (P2 600, platform 1400)
    Nov  8  a conversion lapses (its hold released: nothing)
    Nov 10  PublisherPaidOut P1 525 (3 x 75 + 300), P2 675 (75 + 600); the batch closes
    Dec  2  ConversionReversed K1 after payout (1000: P1 owes its 300 back)
    Dec  3  a reversal that only released a hold (commission 0): nothing
    Dec  4  CPC clicks C8 C9 (P2): 250 each

Expected, in CNY fen (debit positive):
    payment clearing       20000 - 120 + 200000 - 1200 - 525 - 675          = 217480
    payment processing     120 + 1200                                       = 1320
    seller payable         -19400; sale commission -600; escrow O 0
    advertiser budget      -200000 + 5 x 250 - 250 + 1000 + 2000 - 1000 + 2 x 250 = -196500
    advertising            -(5 x 250 - 250 + 2 x 250)                       = -1500
    publisher share        5 x 75 - 75 + 2 x 75                             = 450
    affiliate              -(700 + 1400 - 700)                              = -1400
    publisher payable P1   -225 - 300 + 525 + 300                           = +300 (owed back)
    publisher payable P2   -150 + 75 - 600 + 675 - 150                      = -150
18 entries (5 of payments, 13 of marketing: 7 clicks, 1 invalidation, 2 commissions, 2 payouts,
1 reversal) and 2 order milestones.

The monthly result (revenue shown positive; ratio = advertising x 10000 / expenditure, floor):
    2026-10  revenue 0; expenditure 120 (payment_processing); advertising 0: 0 bp, not covered
    2026-11  advertising 1000, affiliate 2100, sale_commission 600 = 3700; payment_processing
             1200 + publisher_share 300 = 1500; net 2200; 1000 x 10000 / 1500 = 6666 bp: the
             month is in profit, but advertising alone does not cover it
    2026-12  advertising 500, affiliate -700 = -200; publisher_share 150; net -350;
             500 x 10000 / 150 = 33333 bp: covered
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from google.protobuf.message import Message

from mercato.marketing.v1 import events_pb2 as marketing
from mercato.marketing.v1 import marketing_pb2
from mercato.orders.v1 import events_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.events import EventEnvelope

from ._scenario import Published, cny

ADVERTISER, PUBLISHER_1, PUBLISHER_2 = (str(uuid.UUID(int=n)) for n in (0xAD1, 0xB1, 0xB2))
SELLER, BUYER, ORDER = (str(uuid.UUID(int=n)) for n in (0x5E1, 0xB01, 0x0F1))
CPC_CAMPAIGN, CPS_CAMPAIGN = str(uuid.UUID(int=0xCC1)), str(uuid.UUID(int=0xCC2))
BATCH, SHOP = str(uuid.UUID(int=0xBA1)), str(uuid.UUID(int=0x5B1))

BUDGET = f"liability:advertiser_budget:{ADVERTISER}"
PAYABLE_1 = f"liability:publisher_payable:{PUBLISHER_1}"
PAYABLE_2 = f"liability:publisher_payable:{PUBLISHER_2}"

EXPECTED_BALANCES = {
    "asset:payment_clearing": 217480,
    "expense:payment_processing": 1320,
    f"liability:seller_payable:{SELLER}": -19400,
    "revenue:sale_commission": -600,
    f"liability:escrow:{ORDER}": 0,
    BUDGET: -196500,
    "revenue:advertising": -1500,
    "expense:publisher_share": 450,
    "revenue:affiliate": -1400,
    PAYABLE_1: 300,
    PAYABLE_2: -150,
}
ENTRIES, MILESTONES = 18, 2

EXPECTED_REVENUE = [
    ("2026-11", "advertising", 1000),
    ("2026-11", "affiliate", 2100),
    ("2026-11", "sale_commission", 600),
    ("2026-12", "advertising", 500),
    ("2026-12", "affiliate", -700),
]
EXPECTED_EXPENDITURE = [
    ("2026-10", "payment_processing", 120),
    ("2026-11", "payment_processing", 1200),
    ("2026-11", "publisher_share", 300),
    ("2026-12", "publisher_share", 150),
]
# month: (revenue by stream, expenditure by category, net, covered, ratio in bp or None)
EXPECTED_MONTHS = {
    "2026-10": ((), (("payment_processing", 120),), -120, False, 0),
    "2026-11": (
        (("advertising", 1000), ("affiliate", 2100), ("sale_commission", 600)),
        (("payment_processing", 1200), ("publisher_share", 300)),
        2200,
        False,
        6666,
    ),
    "2026-12": (
        (("advertising", 500), ("affiliate", -700)),
        (("publisher_share", 150),),
        -350,
        True,
        33333,
    ),
}

CLICK, SHARE, PLATFORM = 250, 75, 175


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


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


def cpc_click(publisher: str, when: datetime, click_id: str | None = None) -> Published:
    return _event(
        "marketing.click",
        click_id or str(uuid.uuid4()),
        marketing.AdClicked(
            campaign_id=CPC_CAMPAIGN,
            advertiser_id=ADVERTISER,
            publisher_id=publisher,
            product_id=str(uuid.uuid4()),
            shop_id=SHOP,
            pricing=marketing_pb2.PRICING_MODEL_CPC,
            cost=cny(CLICK),
            publisher_share=cny(SHARE),
            platform_share=cny(PLATFORM),
            fingerprint=f"visitor-{uuid.uuid4().hex[:8]}",
        ),
        when,
    )


def _commission(
    payload: type[marketing.CommissionCharged] | type[marketing.ConversionReversed],
    order: str,
    publisher: str,
    commission: int,
    when: datetime,
    **extra: object,
) -> Published:
    share = commission * 3000 // 10000
    return _event(
        "marketing.conversion",
        order,
        payload(
            campaign_id=CPS_CAMPAIGN,
            advertiser_id=ADVERTISER,
            publisher_id=publisher,
            commission=cny(commission),
            publisher_share=cny(share),
            platform_share=cny(commission - share),
            **extra,  # type: ignore[arg-type]
        ),
        when,
    )


def _attributed(order: str, publisher: str, commission: int, when: datetime) -> Published:
    return _event(
        "marketing.conversion",
        order,
        marketing.ConversionAttributed(
            click_id=str(uuid.uuid4()),
            campaign_id=CPS_CAMPAIGN,
            advertiser_id=ADVERTISER,
            publisher_id=publisher,
            shop_id=SHOP,
            pricing=marketing_pb2.PRICING_MODEL_CPS,
            order_value=cny(commission * 10),
            commission=cny(commission),
        ),
        when,
    )


def _paid_out(publisher: str, amount: int, when: datetime) -> Published:
    return _event(
        "marketing.payout",
        BATCH,
        marketing.PublisherPaidOut(publisher_id=publisher, amount=cny(amount)),
        when,
    )


def _order_and_deposit() -> list[Published]:
    """Payments' and orders' part: the flagship order and the budget deposit."""
    return [
        _event(
            "payments.payment",
            ORDER,
            payments.PaymentCaptured(
                order_id=ORDER, buyer_id=BUYER, seller_id=SELLER, amount=cny(20000)
            ),
            at(10, 30, 9),
        ),
        _event(
            "payments.payment",
            ORDER,
            payments.ProcessingFeeCharged(
                purpose=payments.CHARGE_PURPOSE_ORDER_PAYMENT,
                order_id=ORDER,
                gross=cny(20000),
                fee=cny(120),
                net_settled=cny(19880),
                fee_rate_bps=60,
            ),
            at(10, 30, 9),
        ),
        _event(
            "orders.order",
            ORDER,
            orders.OrderPaid(order_id=ORDER, buyer_id=BUYER, seller_id=SELLER, amount=cny(20000)),
            at(10, 30, 9),
        ),
        _event(
            "payments.budget",
            ADVERTISER,
            payments.BudgetDeposited(
                advertiser_id=ADVERTISER, deposit_id=str(uuid.uuid4()), amount=cny(200000)
            ),
            at(11, 1, 8),
        ),
        _event(
            "payments.budget",
            ADVERTISER,
            payments.ProcessingFeeCharged(
                purpose=payments.CHARGE_PURPOSE_BUDGET_DEPOSIT,
                advertiser_id=ADVERTISER,
                gross=cny(200000),
                fee=cny(1200),
                net_settled=cny(198800),
                fee_rate_bps=60,
            ),
            at(11, 1, 8),
        ),
        _event(
            "payments.payment",
            ORDER,
            payments.EscrowReleased(
                order_id=ORDER,
                seller_id=SELLER,
                gross=cny(20000),
                commission=cny(600),
                seller_net=cny(19400),
                commission_rate_bps=300,
            ),
            at(11, 4, 10),
        ),
        _event(
            "orders.order",
            ORDER,
            orders.OrderCompleted(order_id=ORDER, seller_id=SELLER, amount=cny(20000)),
            at(11, 4, 10),
        ),
    ]


def scenario() -> list[Published]:
    """The scenario's events in the order they happened (new event ids on every call)."""
    invalid_click = str(uuid.uuid4())
    k1, k2, k3, k4, k5 = (str(uuid.uuid4()) for _ in range(5))
    clicks = [
        cpc_click(publisher, at(11, 2, 10, minute))
        for minute, publisher in enumerate([PUBLISHER_1, PUBLISHER_1, PUBLISHER_1, PUBLISHER_2])
    ]
    paid = _order_and_deposit()
    return [
        *paid[:5],
        *clicks,
        cpc_click(PUBLISHER_2, at(11, 2, 10, 4), click_id=invalid_click),
        _event(
            "marketing.click",
            str(uuid.uuid4()),
            marketing.AdClicked(
                campaign_id=CPS_CAMPAIGN,
                advertiser_id=ADVERTISER,
                publisher_id=PUBLISHER_1,
                shop_id=SHOP,
                pricing=marketing_pb2.PRICING_MODEL_CPS,
                cost=cny(0),
                publisher_share=cny(0),
                platform_share=cny(0),
            ),
            at(11, 2, 10, 5),
        ),
        _event(
            "marketing.click",
            str(uuid.uuid4()),
            marketing.ClickRejected(
                campaign_id=CPC_CAMPAIGN,
                advertiser_id=ADVERTISER,
                publisher_id=PUBLISHER_2,
                reason=marketing_pb2.CLICK_REJECTION_DUPLICATE,
            ),
            at(11, 2, 10, 6),
        ),
        _event(
            "marketing.click",
            invalid_click,
            marketing.ClickInvalidated(
                campaign_id=CPC_CAMPAIGN,
                advertiser_id=ADVERTISER,
                publisher_id=PUBLISHER_2,
                reason=marketing_pb2.CLICK_REJECTION_FLOOD_FINGERPRINT,
                cost=cny(CLICK),
                publisher_share=cny(SHARE),
                platform_share=cny(PLATFORM),
            ),
            at(11, 2, 11),
        ),
        _attributed(k1, PUBLISHER_1, 1000, at(11, 3, 12)),
        _attributed(k2, PUBLISHER_2, 2000, at(11, 3, 13)),
        _event(
            "marketing.conversion",
            k3,
            marketing.AttributionRejected(reason="expired", click_id=str(uuid.uuid4())),
            at(11, 3, 14),
        ),
        *paid[5:],
        _commission(marketing.CommissionCharged, k1, PUBLISHER_1, 1000, at(11, 5, 9)),
        _commission(marketing.CommissionCharged, k2, PUBLISHER_2, 2000, at(11, 7, 9)),
        _attributed(k4, PUBLISHER_1, 400, at(11, 8, 9)),
        _event(
            "marketing.conversion",
            k4,
            marketing.ConversionLapsed(
                campaign_id=CPS_CAMPAIGN, advertiser_id=ADVERTISER, released=cny(400)
            ),
            at(11, 8, 10),
        ),
        _paid_out(PUBLISHER_1, 3 * SHARE + 300, at(11, 10, 9)),
        _paid_out(PUBLISHER_2, SHARE + 600, at(11, 10, 9)),
        _event(
            "marketing.payout",
            BATCH,
            marketing.PublisherPayoutBatchClosed(currency="CNY", payouts=2, total=cny(1200)),
            at(11, 10, 9),
        ),
        _commission(
            marketing.ConversionReversed,
            k1,
            PUBLISHER_1,
            1000,
            at(12, 2, 9),
            after_payout=True,
            released=cny(0),
        ),
        _event(
            "marketing.conversion",
            k5,
            marketing.ConversionReversed(
                campaign_id=CPS_CAMPAIGN,
                advertiser_id=ADVERTISER,
                publisher_id=PUBLISHER_1,
                commission=cny(0),
                publisher_share=cny(0),
                platform_share=cny(0),
                released=cny(500),
            ),
            at(12, 3, 9),
        ),
        cpc_click(PUBLISHER_2, at(12, 4, 9)),
        cpc_click(PUBLISHER_2, at(12, 4, 10)),
    ]


_POSTING_TYPES = {
    message.DESCRIPTOR.full_name
    for message in (
        payments.PaymentCaptured,
        payments.ProcessingFeeCharged,
        payments.EscrowReleased,
        payments.BudgetDeposited,
        marketing.ClickInvalidated,
        marketing.CommissionCharged,
        marketing.PublisherPaidOut,
    )
}


def posts(event: Published) -> bool:
    """Whether the event moves money (by hand: a CPC click, a reversal of a charged commission,
    and the other money types)."""
    envelope = event.envelope
    envelope_type = envelope.event_type
    if envelope_type == marketing.AdClicked.DESCRIPTOR.full_name:
        clicked = envelope.unpack(marketing.AdClicked)
        return clicked.pricing == marketing_pb2.PRICING_MODEL_CPC
    if envelope_type == marketing.ConversionReversed.DESCRIPTOR.full_name:
        return envelope.unpack(marketing.ConversionReversed).commission.minor_units > 0
    return envelope_type in _POSTING_TYPES
