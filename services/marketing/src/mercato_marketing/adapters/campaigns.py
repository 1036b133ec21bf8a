"""Campaigns: rows at their version, events through the outbox; the serving queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import ConcurrencyError
from mercato_kit.money import Money
from mercato_kit.storage import AggregateOutbox
from mercato_marketing.adapters.rows import moment, ms, of_json, to_json, unique_as_conflict
from mercato_marketing.adapters.tables import budgets, campaign_day_spend, campaign_days, campaigns
from mercato_marketing.domain import (
    Campaign,
    CampaignStatus,
    CampaignTerms,
    Observed,
    PricingModel,
    Targeting,
)


class SqlCampaigns:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, campaign_id: str) -> Campaign | None:
        row = (
            (
                await self._session.execute(
                    select(campaigns).where(campaigns.c.campaign_id == campaign_id)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else campaign_of(row)

    async def add(self, campaign: Campaign) -> None:
        with unique_as_conflict(Campaign.aggregate_type, campaign.id):
            await self._session.execute(insert(campaigns).values(**_row(campaign)))
        await self._outbox.record(campaign)

    async def save(self, campaign: Campaign) -> None:
        if not campaign.pending_events():
            return
        changed = await self._session.execute(
            update(campaigns)
            .where(
                campaigns.c.campaign_id == campaign.id,
                campaigns.c.version == campaign.saved_version,
            )
            .values(status=campaign.status.value, version=campaign.version)
            .returning(campaigns.c.campaign_id)
        )
        if changed.first() is None:
            raise ConcurrencyError(Campaign.aggregate_type, campaign.id, campaign.saved_version)
        await self._outbox.record(campaign)

    async def of_advertiser(self, advertiser_id: str) -> list[Campaign]:
        rows = (
            await self._session.execute(
                select(campaigns)
                .where(campaigns.c.advertiser_id == advertiser_id)
                .order_by(campaigns.c.starts_at_ms, campaigns.c.campaign_id)
            )
        ).mappings()
        return [campaign_of(row) for row in rows]

    async def live(self, now: datetime) -> list[Campaign]:
        """Active campaigns within their dates, whose advertiser's budget in the campaign's
        currency is not exhausted and whose day's cap has room for one more charge (a bid, or
        at least one minor unit of commission)."""
        at, day = ms(now), now.date().isoformat()
        charged_today = (
            select(campaign_day_spend.c.charged)
            .where(
                campaign_day_spend.c.campaign_id == campaigns.c.campaign_id,
                campaign_day_spend.c.day == day,
            )
            .scalar_subquery()
        )
        query = (
            select(campaigns, budgets.c.exhausted)
            .outerjoin(budgets, budgets.c.advertiser_id == campaigns.c.advertiser_id)
            .where(
                campaigns.c.status == CampaignStatus.ACTIVE.value,
                campaigns.c.starts_at_ms <= at,
                or_(campaigns.c.ends_at_ms.is_(None), campaigns.c.ends_at_ms > at),
                func.coalesce(charged_today, 0) + func.coalesce(campaigns.c.bid, 1)
                <= campaigns.c.daily_cap,
            )
            .order_by(campaigns.c.campaign_id)
        )
        live = []
        for row in (await self._session.execute(query)).mappings():
            exhausted = (row["exhausted"] or "").split(",")
            if row["currency"] not in exhausted:
                live.append(campaign_of(row))
        return live

    async def observed(self, campaign_ids: list[str]) -> dict[str, Observed]:
        if not campaign_ids:
            return {}
        rows = await self._session.execute(
            select(
                campaign_days.c.campaign_id,
                func.sum(campaign_days.c.impressions),
                func.sum(campaign_days.c.clicks_accepted - campaign_days.c.clicks_invalidated),
                func.sum(campaign_days.c.conversions),
            )
            .where(campaign_days.c.campaign_id.in_(campaign_ids))
            .group_by(campaign_days.c.campaign_id)
        )
        return {
            campaign_id: Observed(
                impressions=int(impressions or 0),
                clicks=max(0, int(clicks or 0)),
                conversions=int(conversions or 0),
            )
            for campaign_id, impressions, clicks, conversions in rows.tuples()
        }


def _row(campaign: Campaign) -> dict[str, object]:
    terms = campaign.required_terms
    assert campaign.starts_at is not None
    targeting = campaign.targeting
    return {
        "campaign_id": campaign.id,
        "advertiser_id": campaign.advertiser_id,
        "shop_id": campaign.shop_id,
        "name": campaign.name,
        "product_ids": to_json(list(campaign.product_ids)),
        "pricing": terms.pricing.value,
        "currency": terms.currency,
        "bid": terms.bid.minor_units if terms.bid is not None else None,
        "commission_bps": terms.commission_bps,
        "total_cap": terms.total_cap.minor_units,
        "daily_cap": terms.daily_cap.minor_units,
        "targeting": to_json(
            {
                "keywords": sorted(targeting.keywords),
                "categories": sorted(targeting.categories),
                "regions": sorted(targeting.regions),
            }
        ),
        "starts_at_ms": ms(campaign.starts_at),
        "ends_at_ms": ms(campaign.ends_at) if campaign.ends_at is not None else None,
        "status": campaign.status.value,
        "version": campaign.version,
    }


def campaign_of(row: RowMapping) -> Campaign:
    """A campaign as stored (its state is its row; its history went out as events)."""
    currency = row["currency"]

    def amount(minor_units: int) -> Money:
        return Money(minor_units=minor_units, currency=currency)

    targeting = of_json(row["targeting"])
    campaign = Campaign(row["campaign_id"])
    campaign.advertiser_id = row["advertiser_id"]
    campaign.shop_id = row["shop_id"]
    campaign.name = row["name"]
    campaign.product_ids = tuple(of_json(row["product_ids"]))
    campaign.terms = CampaignTerms(
        pricing=PricingModel(row["pricing"]),
        bid=amount(row["bid"]) if row["bid"] is not None else None,
        commission_bps=row["commission_bps"],
        total_cap=amount(row["total_cap"]),
        daily_cap=amount(row["daily_cap"]),
    )
    campaign.targeting = Targeting(
        keywords=frozenset(targeting["keywords"]),
        categories=frozenset(targeting["categories"]),
        regions=frozenset(targeting["regions"]),
    )
    campaign.starts_at = moment(row["starts_at_ms"])
    campaign.ends_at = moment(row["ends_at_ms"]) if row["ends_at_ms"] is not None else None
    campaign.status = CampaignStatus(row["status"])
    campaign.version = row["version"]
    return campaign
