"""Launching and steering campaigns."""

from __future__ import annotations

from mercato_kit.errors import FailedPrecondition, NotFound
from mercato_marketing.application.ports import MarketingUnitOfWork, ProductLookup
from mercato_marketing.domain import Campaign
from mercato_marketing.domain.commands import (
    EndCampaign,
    LaunchCampaign,
    PauseCampaign,
    ResumeCampaign,
)


async def launch_campaign(
    command: LaunchCampaign, uow: MarketingUnitOfWork, *, catalog: ProductLookup
) -> Campaign:
    for index, product_id in enumerate(command.product_ids):
        product = await catalog.product(product_id)
        if product is None or product.shop_id != command.shop_id:
            raise FailedPrecondition(f"product_ids[{index}] is not a listed product of the shop")
        if product.seller_id != command.advertiser_id:
            raise NotFound(f"shop {command.shop_id} does not exist")
        await uow.products.put(product)
    campaign = Campaign.launch(
        command.campaign_id,
        advertiser_id=command.advertiser_id,
        shop_id=command.shop_id,
        name=command.name,
        product_ids=command.product_ids,
        terms=command.terms,
        targeting=command.targeting,
        starts_at=command.starts_at,
        ends_at=command.ends_at,
    )
    await uow.campaigns.add(campaign)
    return campaign


async def _own_campaign(uow: MarketingUnitOfWork, campaign_id: str, advertiser_id: str) -> Campaign:
    campaign = await uow.campaigns.get(campaign_id)
    if campaign is None or campaign.advertiser_id != advertiser_id:
        raise NotFound(f"campaign {campaign_id} does not exist")
    return campaign


async def pause_campaign(command: PauseCampaign, uow: MarketingUnitOfWork) -> Campaign:
    campaign = await _own_campaign(uow, command.campaign_id, command.advertiser_id)
    campaign.pause()
    await uow.campaigns.save(campaign)
    return campaign


async def resume_campaign(command: ResumeCampaign, uow: MarketingUnitOfWork) -> Campaign:
    campaign = await _own_campaign(uow, command.campaign_id, command.advertiser_id)
    campaign.resume()
    await uow.campaigns.save(campaign)
    return campaign


async def end_campaign(command: EndCampaign, uow: MarketingUnitOfWork) -> Campaign:
    campaign = await _own_campaign(uow, command.campaign_id, command.advertiser_id)
    campaign.end()
    await uow.campaigns.save(campaign)
    return campaign
