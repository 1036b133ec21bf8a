"""Conversions: an order that arrived through an accepted click, and its commission's life.

    ATTRIBUTED (CPS: commission held) --order completed--> CHARGED --refunded--> REVERSED
      |--order cancelled before completing--> LAPSED (hold released)
      '--order refunded before completing--> REVERSED (hold released)

A CPC conversion holds and charges nothing (the clicks paid); it is counted for reports.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.money import Money
from mercato_marketing.domain.campaign import Campaign, PricingModel
from mercato_marketing.domain.clicks import Charge, Click


class ConversionStatus(enum.Enum):
    ATTRIBUTED = "attributed"
    CHARGED = "charged"
    LAPSED = "lapsed"
    REVERSED = "reversed"


class AttributionRefusal(enum.Enum):
    """Why an order's attribution token does not attribute it."""

    FORGED = "forged"
    UNKNOWN_CLICK = "unknown_click"
    CLICK_NOT_ACCEPTED = "click_not_accepted"
    OUTSIDE_WINDOW = "outside_window"
    OTHER_SHOP = "other_shop"
    CURRENCY = "currency"
    BUDGET_EXHAUSTED = "budget_exhausted"


@dataclass(frozen=True)
class AttributedOrder:
    """What marketing needs of an order placed with an attribution token."""

    order_id: str
    shop_id: str
    goods_value: Money
    placed_at: datetime


def refusal(
    order: AttributedOrder, click: Click, campaign: Campaign | None, window: timedelta
) -> AttributionRefusal | None:
    """Why the order cannot be attributed to this click, or None when it can."""
    if not click.accepted or click.invalidated or click.clicked_at is None or campaign is None:
        return AttributionRefusal.CLICK_NOT_ACCEPTED
    if not click.clicked_at <= order.placed_at <= click.clicked_at + window:
        return AttributionRefusal.OUTSIDE_WINDOW
    if campaign.shop_id != order.shop_id:
        return AttributionRefusal.OTHER_SHOP
    if campaign.currency != order.goods_value.currency:
        return AttributionRefusal.CURRENCY
    return None


def commission_for(campaign: Campaign, order: AttributedOrder) -> Money:
    """CPS: rate x goods value, rounded down (the advertiser keeps the remainder); CPC: zero."""
    terms = campaign.required_terms
    if terms.pricing is not PricingModel.CPS:
        return Money.zero(order.goods_value.currency)
    return order.goods_value.split(terms.commission_bps).share


class Conversion(Aggregate):
    """An attributed order (id: the order id)."""

    aggregate_type = "marketing.conversion"

    @dataclass(frozen=True)
    class Attributed(DomainEvent):
        click_id: str
        campaign_id: str
        advertiser_id: str
        publisher_id: str
        shop_id: str
        pricing: PricingModel
        order_value: Money
        commission: Money
        attributed_at: datetime

    @dataclass(frozen=True)
    class Refused(DomainEvent):
        reason: AttributionRefusal
        click_id: str

    @dataclass(frozen=True)
    class CommissionCharged(DomainEvent):
        campaign_id: str
        advertiser_id: str
        publisher_id: str
        charge: Charge

    @dataclass(frozen=True)
    class Lapsed(DomainEvent):
        campaign_id: str
        advertiser_id: str
        released: Money

    @dataclass(frozen=True)
    class Reversed(DomainEvent):
        campaign_id: str
        advertiser_id: str
        publisher_id: str
        charge: Charge
        after_payout: bool
        released: Money

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.status = ConversionStatus.ATTRIBUTED
        self.refused = False
        self.click_id = ""
        self.campaign_id = ""
        self.advertiser_id = ""
        self.publisher_id = ""
        self.pricing = PricingModel.CPC
        self.commission: Money | None = None
        self.charge: Charge | None = None
        self.order_value: Money | None = None

    @classmethod
    def attribute(
        cls,
        order: AttributedOrder,
        click: Click,
        campaign: Campaign,
        commission: Money,
        now: datetime,
    ) -> Conversion:
        conversion = cls(order.order_id)
        conversion._trigger(
            Conversion.Attributed(
                click_id=click.id,
                campaign_id=campaign.id,
                advertiser_id=campaign.advertiser_id,
                publisher_id=click.publisher_id,
                shop_id=order.shop_id,
                pricing=campaign.required_terms.pricing,
                order_value=order.goods_value,
                commission=commission,
                attributed_at=now,
            )
        )
        return conversion

    @classmethod
    def refuse(cls, order_id: str, click_id: str, reason: AttributionRefusal) -> Conversion:
        conversion = cls(order_id)
        conversion._trigger(Conversion.Refused(reason=reason, click_id=click_id))
        return conversion

    @property
    def held(self) -> Money | None:
        """The commission held from the budget while the order is open (CPS only)."""
        if self.status is ConversionStatus.ATTRIBUTED and self.commission is not None:
            return None if self.commission.is_zero else self.commission
        return None

    def complete(self, publisher_share_bps: int) -> Charge | None:
        """The order completed: charge what was held (CPS); None when nothing is charged."""
        if self.refused or self.status is not ConversionStatus.ATTRIBUTED:
            return None
        held = self.held
        if held is None:
            return None
        charge = Charge.of(held, publisher_share_bps)
        self._trigger(
            Conversion.CommissionCharged(
                campaign_id=self.campaign_id,
                advertiser_id=self.advertiser_id,
                publisher_id=self.publisher_id,
                charge=charge,
            )
        )
        return charge

    def lapse(self) -> Money | None:
        """The order was cancelled before completing: release the hold."""
        if self.refused or self.status is not ConversionStatus.ATTRIBUTED:
            return None
        released = self.held
        self._trigger(
            Conversion.Lapsed(
                campaign_id=self.campaign_id,
                advertiser_id=self.advertiser_id,
                released=released or Money.zero(self._currency),
            )
        )
        return released

    def reverse(self, after_payout: bool) -> Conversion.Reversed | None:
        """The order was refunded: take back a charged commission, or release a hold."""
        if self.refused or self.status in (ConversionStatus.LAPSED, ConversionStatus.REVERSED):
            return None
        released = self.held or Money.zero(self._currency)
        charge = self.charge or Charge.nothing(self._currency)
        event = Conversion.Reversed(
            campaign_id=self.campaign_id,
            advertiser_id=self.advertiser_id,
            publisher_id=self.publisher_id,
            charge=charge,
            after_payout=after_payout and not charge.cost.is_zero,
            released=released,
        )
        self._trigger(event)
        return event

    @property
    def _currency(self) -> str:
        assert self.order_value is not None
        return self.order_value.currency

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Conversion.Attributed():
                self.click_id, self.campaign_id = event.click_id, event.campaign_id
                self.advertiser_id, self.publisher_id = event.advertiser_id, event.publisher_id
                self.pricing, self.commission = event.pricing, event.commission
                self.order_value = event.order_value
                self.status = ConversionStatus.ATTRIBUTED
            case Conversion.Refused():
                self.refused, self.click_id = True, event.click_id
            case Conversion.CommissionCharged():
                self.charge, self.status = event.charge, ConversionStatus.CHARGED
            case Conversion.Lapsed():
                self.status = ConversionStatus.LAPSED
            case Conversion.Reversed():
                self.status = ConversionStatus.REVERSED
            case _:
                raise TypeError(f"Conversion cannot apply {type(event).__name__}")
