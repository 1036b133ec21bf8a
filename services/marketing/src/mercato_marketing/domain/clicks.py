"""Clicks: judged once, charged once, and sometimes found invalid later.

`judge_click` applies the rules a click must pass before any money moves; the budget book then
charges it or rejects it as exhausted (charging is a conditional update, so concurrency never
overspends). The Click aggregate records the outcome and publishes it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.money import Money
from mercato_marketing.domain.campaign import Campaign, CampaignStatus, PricingModel
from mercato_marketing.domain.tokens import ClickClaims


class ClickRejection(enum.Enum):
    REPLAYED = "replayed"
    EXPIRED = "expired"
    FORGED = "forged"
    DUPLICATE = "duplicate"
    FLOOD_FINGERPRINT = "flood_fingerprint"
    FLOOD_PUBLISHER = "flood_publisher"
    SELF_CLICK = "self_click"
    CAMPAIGN_INACTIVE = "campaign_inactive"
    CAMPAIGN_EXHAUSTED = "campaign_exhausted"
    BUDGET_EXHAUSTED = "budget_exhausted"


@dataclass(frozen=True)
class Visitor:
    """Who clicked, as far as marketing can tell."""

    fingerprint: str
    account_id: str = ""
    region: str = ""


@dataclass(frozen=True)
class Publisher:
    """A partner site (an identity app of kind publisher_site) and the account that owns it."""

    publisher_id: str
    owner_account_id: str


@dataclass(frozen=True)
class ClickContext:
    """What the store knows about a click's circumstances when it is judged."""

    campaign: Campaign | None
    publisher: Publisher | None
    duplicate: bool
    fingerprint_flagged: bool
    publisher_flagged: bool


def judge_click(
    claims: ClickClaims, visitor: Visitor, now: datetime, context: ClickContext
) -> ClickRejection | None:
    """The first rule a click breaks, or None when it may be charged. Replays are found
    before (the click id exists), forgeries before that (no claims)."""
    if claims.expired(now):
        return ClickRejection.EXPIRED
    publisher = context.publisher
    if publisher is None or publisher.publisher_id != claims.publisher_id:
        return ClickRejection.FORGED
    if visitor.account_id and visitor.account_id == publisher.owner_account_id:
        return ClickRejection.SELF_CLICK
    if claims.requester and visitor.fingerprint == claims.requester:
        return ClickRejection.SELF_CLICK
    if context.publisher_flagged:
        return ClickRejection.FLOOD_PUBLISHER
    if context.fingerprint_flagged:
        return ClickRejection.FLOOD_FINGERPRINT
    if context.duplicate:
        return ClickRejection.DUPLICATE
    campaign = context.campaign
    if campaign is not None and campaign.status is CampaignStatus.EXHAUSTED:
        return ClickRejection.CAMPAIGN_EXHAUSTED
    if (
        campaign is None
        or not campaign.is_live(now)
        or claims.product_id not in campaign.product_ids
    ):
        return ClickRejection.CAMPAIGN_INACTIVE
    return None


@dataclass(frozen=True)
class Charge:
    """What one charge moves: the cost to the advertiser, split between publisher and platform
    (the publisher's share rounds down; the platform keeps the remainder)."""

    cost: Money
    publisher_share: Money
    platform_share: Money

    @classmethod
    def of(cls, cost: Money, publisher_share_bps: int) -> Charge:
        split = cost.split(publisher_share_bps)
        return cls(cost=cost, publisher_share=split.share, platform_share=split.rest)

    @classmethod
    def nothing(cls, currency: str) -> Charge:
        zero = Money.zero(currency)
        return cls(cost=zero, publisher_share=zero, platform_share=zero)


class Click(Aggregate):
    """One click on one served ad (id: the ad's impression id, so a token clicks once)."""

    aggregate_type = "marketing.click"

    @dataclass(frozen=True)
    class Accepted(DomainEvent):
        campaign_id: str
        advertiser_id: str
        publisher_id: str
        product_id: str
        shop_id: str
        pricing: PricingModel
        charge: Charge
        fingerprint: str
        clicked_at: datetime

    @dataclass(frozen=True)
    class Rejected(DomainEvent):
        campaign_id: str
        advertiser_id: str
        publisher_id: str
        reason: ClickRejection
        fingerprint: str
        clicked_at: datetime

    @dataclass(frozen=True)
    class Invalidated(DomainEvent):
        campaign_id: str
        advertiser_id: str
        publisher_id: str
        reason: ClickRejection
        charge: Charge

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.campaign_id = ""
        self.advertiser_id = ""
        self.publisher_id = ""
        self.product_id = ""
        self.shop_id = ""
        self.fingerprint = ""
        self.pricing = PricingModel.CPC
        self.accepted = False
        self.rejection: ClickRejection | None = None
        self.charge: Charge | None = None
        self.clicked_at: datetime | None = None
        self.invalidated = False

    @classmethod
    def accept(
        cls,
        claims: ClickClaims,
        campaign: Campaign,
        visitor: Visitor,
        charge: Charge,
        now: datetime,
    ) -> Click:
        click = cls(claims.impression_id)
        click._trigger(
            Click.Accepted(
                campaign_id=campaign.id,
                advertiser_id=campaign.advertiser_id,
                publisher_id=claims.publisher_id,
                product_id=claims.product_id,
                shop_id=campaign.shop_id,
                pricing=campaign.required_terms.pricing,
                charge=charge,
                fingerprint=visitor.fingerprint,
                clicked_at=now,
            )
        )
        return click

    @classmethod
    def reject(
        cls,
        claims: ClickClaims,
        advertiser_id: str,
        reason: ClickRejection,
        visitor: Visitor,
        now: datetime,
    ) -> Click:
        click = cls(claims.impression_id)
        click.product_id = claims.product_id
        click._trigger(
            Click.Rejected(
                campaign_id=claims.campaign_id,
                advertiser_id=advertiser_id,
                publisher_id=claims.publisher_id,
                reason=reason,
                fingerprint=visitor.fingerprint,
                clicked_at=now,
            )
        )
        return click

    def invalidate(self, reason: ClickRejection) -> Charge | None:
        """Take back an accepted click's charge (a flood found later); None when there is
        nothing to take back (rejected, or invalidated already)."""
        if not self.accepted or self.invalidated or self.charge is None:
            return None
        self._trigger(
            Click.Invalidated(
                campaign_id=self.campaign_id,
                advertiser_id=self.advertiser_id,
                publisher_id=self.publisher_id,
                reason=reason,
                charge=self.charge,
            )
        )
        return self.charge

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Click.Accepted():
                self.campaign_id, self.advertiser_id = event.campaign_id, event.advertiser_id
                self.publisher_id, self.product_id = event.publisher_id, event.product_id
                self.shop_id, self.pricing = event.shop_id, event.pricing
                self.fingerprint, self.clicked_at = event.fingerprint, event.clicked_at
                self.charge, self.accepted = event.charge, True
            case Click.Rejected():
                self.campaign_id, self.advertiser_id = event.campaign_id, event.advertiser_id
                self.publisher_id, self.rejection = event.publisher_id, event.reason
                self.fingerprint, self.clicked_at = event.fingerprint, event.clicked_at
            case Click.Invalidated():
                self.invalidated = True
            case _:
                raise TypeError(f"Click cannot apply {type(event).__name__}")
