"""Serving ads: eligible campaigns with budget left, ranked by expected value per impression."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mercato_kit.ids import new_id
from mercato_kit.money import Money
from mercato_marketing.application.policy import Policy
from mercato_marketing.application.ports import MarketingUnitOfWork
from mercato_marketing.domain import (
    Campaign,
    Candidate,
    ClickClaims,
    Observed,
    PricingModel,
    PromotedProduct,
    TokenSigner,
    rank,
)
from mercato_marketing.domain.commands import ServeAds


@dataclass(frozen=True)
class ServedAd:
    campaign: Campaign
    product: PromotedProduct
    click_token: str
    click_url: str
    expires_at: datetime


def cheapest_charge(campaign: Campaign, product: PromotedProduct | None) -> Money:
    """What one more ad of this campaign may cost: the bid (CPC) or one commission (CPS)."""
    terms = campaign.required_terms
    if terms.pricing is PricingModel.CPC:
        assert terms.bid is not None
        return terms.bid
    price = product.price if product is not None and product.price is not None else None
    if price is None or price.currency != terms.currency:
        return Money(minor_units=1, currency=terms.currency)
    return max(
        price.split(terms.commission_bps).share, Money(minor_units=1, currency=price.currency)
    )


async def serve_ads(
    command: ServeAds, uow: MarketingUnitOfWork, *, signer: TokenSigner, policy: Policy
) -> list[ServedAd]:
    live = [
        campaign
        for campaign in await uow.campaigns.live(command.now)
        if not await uow.flags.flagged("campaign", campaign.id, command.now)
    ]
    products = await uow.products.many(
        sorted({product_id for campaign in live for product_id in campaign.product_ids})
    )
    observed = await uow.campaigns.observed([campaign.id for campaign in live])
    candidates: list[Candidate] = []
    for campaign in live:
        for product_id in campaign.product_ids:
            product = products.get(product_id)
            if product is None or not product.listed:
                continue
            if not campaign.targeting.fits(
                product, command.keywords, command.category, command.region
            ):
                continue
            if not await _affordable(uow, campaign, cheapest_charge(campaign, product)):
                continue
            candidates.append(Candidate(campaign, product, observed.get(campaign.id, Observed())))
    chosen = rank(candidates, command.count, policy.priors)
    day = command.now.date().isoformat()
    await uow.stats.impressions([c.campaign.id for c in chosen], command.publisher_id, day)
    issued = int(command.now.timestamp())
    expires = issued + int(policy.click_token_ttl.total_seconds())
    ads = []
    for candidate in chosen:
        token = signer.click_token(
            ClickClaims(
                impression_id=new_id(),
                campaign_id=candidate.campaign.id,
                publisher_id=command.publisher_id,
                product_id=candidate.product.product_id,
                issued_at=issued,
                expires_at=expires,
                requester=command.requester,
            )
        )
        ads.append(
            ServedAd(
                campaign=candidate.campaign,
                product=candidate.product,
                click_token=token,
                click_url=f"{policy.click_base_url.rstrip('/')}/c/{token}",
                expires_at=datetime.fromtimestamp(expires, command.now.tzinfo),
            )
        )
    return ads


async def _affordable(uow: MarketingUnitOfWork, campaign: Campaign, cost: Money) -> bool:
    balance = (await uow.budgets.balances(campaign.advertiser_id)).get(cost.currency)
    if balance is None or cost.exceeds(balance.available):
        return False
    spent = await uow.budgets.campaign_spent(campaign.id)
    return spent is None or not (spent + cost).exceeds(campaign.required_terms.total_cap)
