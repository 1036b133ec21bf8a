"""Commands: what callers and other services' events ask marketing to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mercato_kit.money import Money
from mercato_marketing.domain.campaign import CampaignTerms, Targeting
from mercato_marketing.domain.clicks import Visitor
from mercato_marketing.domain.conversion import AttributedOrder


@dataclass(frozen=True)
class LaunchCampaign:
    campaign_id: str
    advertiser_id: str
    shop_id: str
    name: str
    product_ids: tuple[str, ...]
    terms: CampaignTerms
    targeting: Targeting
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True)
class PauseCampaign:
    campaign_id: str
    advertiser_id: str


@dataclass(frozen=True)
class ResumeCampaign:
    campaign_id: str
    advertiser_id: str


@dataclass(frozen=True)
class EndCampaign:
    campaign_id: str
    advertiser_id: str


@dataclass(frozen=True)
class ServeAds:
    publisher_id: str
    slot: str
    keywords: frozenset[str]
    category: str
    region: str
    count: int
    requester: str
    now: datetime


@dataclass(frozen=True)
class RecordClick:
    click_token: str
    visitor: Visitor
    now: datetime


@dataclass(frozen=True)
class CreditDeposit:
    """payments' BudgetDeposited: the deposit becomes spendable (once per event)."""

    deposit_event_id: str
    advertiser_id: str
    amount: Money


@dataclass(frozen=True)
class AttributeOrder:
    order: AttributedOrder
    attribution_token: str
    now: datetime


@dataclass(frozen=True)
class CompleteOrder:
    order_id: str
    at: datetime


@dataclass(frozen=True)
class CancelOrder:
    order_id: str


@dataclass(frozen=True)
class RefundOrder:
    order_id: str
    at: datetime


@dataclass(frozen=True)
class FlagTraffic:
    """The traffic worker found `key` (a fingerprint or a publisher) over its rate."""

    kind: str
    key: str
    window_start: datetime
    window_end: datetime
    limit: int


@dataclass(frozen=True)
class RunPublisherPayoutBatch:
    batch_id: str
    currency: str
    max_payouts: int


@dataclass(frozen=True)
class RegisterPublisher:
    """identity's AppRegistered of kind publisher_site."""

    publisher_id: str
    owner_account_id: str


@dataclass(frozen=True)
class ListProduct:
    """catalog's product events, projected for ads."""

    product_id: str
    shop_id: str
    seller_id: str
    title: str
    attribute_values: tuple[tuple[str, str], ...]
    lowest_price: Money | None
    listed: bool
