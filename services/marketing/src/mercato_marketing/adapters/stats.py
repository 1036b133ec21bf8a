"""The reports' counters, per campaign (and per publisher) per UTC day, and the report queries.

Every counter is bumped by one upsert in the transaction of the fact it counts, so a report
never counts what was rolled back. Days are the facts' own (a click's, an order event's time),
except a publisher's money movements, which are counted on the UTC day they were recorded.

"As of" a time reads the days up to and including that time's UTC day: the counters are kept
by day, so a report as of 10:00 includes the rest of that day. That is the granularity the
reports promise; a finer one would need a row per event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Column, ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.money import Money
from mercato_marketing.adapters.rows import bump
from mercato_marketing.adapters.tables import (
    campaign_days,
    campaign_rejections,
    publisher_days,
    publisher_money_days,
    publisher_rejections,
)
from mercato_marketing.domain import Campaign, Charge, Click, ClickRejection, Conversion


class SqlStats:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def impressions(self, campaign_ids: list[str], publisher_id: str, day: str) -> None:
        if not campaign_ids:
            return
        for campaign_id in sorted(campaign_ids):  # one lock order for every writer
            await self._campaign(campaign_id, day, impressions=1)
        await self._publisher(publisher_id, day, impressions=len(campaign_ids))

    async def click(
        self,
        campaign_id: str,
        publisher_id: str,
        day: str,
        rejection: ClickRejection | None,
        spend: Money | None,
    ) -> None:
        if rejection is None:
            cost = spend.minor_units if spend is not None else 0
            await self._campaign(campaign_id, day, clicks_accepted=1, spend=cost)
            await self._publisher(publisher_id, day, clicks_accepted=1)
            return
        reason = {"day": day, "reason": rejection.value}
        await bump(
            self._session, campaign_rejections, {"campaign_id": campaign_id, **reason}, clicks=1
        )
        await bump(
            self._session, publisher_rejections, {"publisher_id": publisher_id, **reason}, clicks=1
        )

    async def invalidated(self, click: Click, day: str) -> None:
        cost = click.charge.cost.minor_units if click.charge is not None else 0
        await self._campaign(click.campaign_id, day, clicks_invalidated=1, spend=-cost)
        await self._publisher(click.publisher_id, day, clicks_invalidated=1)

    async def conversion(self, conversion: Conversion, order_value: Money, day: str) -> None:
        await self._campaign(
            conversion.campaign_id, day, conversions=1, attributed_gmv=order_value.minor_units
        )
        await self._publisher(conversion.publisher_id, day, conversions=1)

    async def commission_charged(self, conversion: Conversion, charge: Charge, day: str) -> None:
        await self._campaign(conversion.campaign_id, day, spend=charge.cost.minor_units)

    async def conversion_reversed(self, conversion: Conversion, charge: Charge, day: str) -> None:
        await self._campaign(conversion.campaign_id, day, spend=-charge.cost.minor_units)
        await self._publisher(conversion.publisher_id, day, reversals=1)

    async def _campaign(self, campaign_id: str, day: str, **increments: int) -> None:
        await bump(
            self._session, campaign_days, {"campaign_id": campaign_id, "day": day}, **increments
        )

    async def _publisher(self, publisher_id: str, day: str, **increments: int) -> None:
        await bump(
            self._session, publisher_days, {"publisher_id": publisher_id, "day": day}, **increments
        )


# -- reports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayWindow:
    """Inclusive UTC days ("" = open) and the moment the figures are as of."""

    from_day: str
    to_day: str
    as_of: datetime

    @property
    def last_day(self) -> str:
        as_of_day = self.as_of.date().isoformat()
        return min(self.to_day, as_of_day) if self.to_day else as_of_day


@dataclass
class CampaignDayFigures:
    campaign_id: str
    day: str
    currency: str
    impressions: int = 0
    clicks_accepted: int = 0
    clicks_rejected: dict[ClickRejection, int] = field(default_factory=dict)
    clicks_invalidated: int = 0
    spend: int = 0
    conversions: int = 0
    attributed_gmv: int = 0

    @property
    def spend_money(self) -> Money:
        return Money(minor_units=self.spend, currency=self.currency)

    @property
    def gmv_money(self) -> Money:
        return Money(minor_units=self.attributed_gmv, currency=self.currency)

    @property
    def return_on_spend_bps(self) -> int:
        if self.spend <= 0:
            return 0
        return self.attributed_gmv * 10_000 // self.spend


@dataclass(frozen=True)
class PublisherMoneyFigures:
    currency: str
    earned: int
    reversed: int
    paid: int

    def of(self, minor_units: int) -> Money:
        return Money(minor_units=minor_units, currency=self.currency)

    @property
    def payable(self) -> int:
        return self.earned - self.reversed - self.paid


@dataclass
class PublisherFigures:
    publisher_id: str
    impressions: int = 0
    clicks_accepted: int = 0
    clicks_rejected: dict[ClickRejection, int] = field(default_factory=dict)
    clicks_invalidated: int = 0
    conversions: int = 0
    reversals: int = 0
    money: list[PublisherMoneyFigures] = field(default_factory=list)


class SqlReports:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def campaign_days(
        self, campaigns: list[Campaign], window: DayWindow
    ) -> list[CampaignDayFigures]:
        """Each campaign's days in the window (days with any counter), by campaign then day."""
        if not campaigns:
            return []
        currency = {campaign.id: campaign.currency for campaign in campaigns}
        ids = sorted(currency)
        figures: dict[tuple[str, str], CampaignDayFigures] = {}

        def day_of(campaign_id: str, day: str) -> CampaignDayFigures:
            key = (campaign_id, day)
            if key not in figures:
                figures[key] = CampaignDayFigures(campaign_id, day, currency[campaign_id])
            return figures[key]

        counters = select(campaign_days).where(
            campaign_days.c.campaign_id.in_(ids),
            *_days(campaign_days.c.day, window),
        )
        for row in (await self._session.execute(counters)).mappings():
            figure = day_of(row["campaign_id"], row["day"])
            figure.impressions = row["impressions"]
            figure.clicks_accepted = row["clicks_accepted"]
            figure.clicks_invalidated = row["clicks_invalidated"]
            figure.spend = row["spend"]
            figure.conversions = row["conversions"]
            figure.attributed_gmv = row["attributed_gmv"]
        rejections = select(campaign_rejections).where(
            campaign_rejections.c.campaign_id.in_(ids),
            *_days(campaign_rejections.c.day, window),
        )
        for row in (await self._session.execute(rejections)).mappings():
            figure = day_of(row["campaign_id"], row["day"])
            figure.clicks_rejected[ClickRejection(row["reason"])] = row["clicks"]
        return [figures[key] for key in sorted(figures)]

    async def publisher(self, publisher_id: str, as_of: datetime) -> PublisherFigures:
        last_day = as_of.date().isoformat()
        figures = PublisherFigures(publisher_id)
        totals = (
            await self._session.execute(
                select(
                    func.coalesce(func.sum(publisher_days.c.impressions), 0),
                    func.coalesce(func.sum(publisher_days.c.clicks_accepted), 0),
                    func.coalesce(func.sum(publisher_days.c.clicks_invalidated), 0),
                    func.coalesce(func.sum(publisher_days.c.conversions), 0),
                    func.coalesce(func.sum(publisher_days.c.reversals), 0),
                ).where(
                    publisher_days.c.publisher_id == publisher_id,
                    publisher_days.c.day <= last_day,
                )
            )
        ).one()
        (
            figures.impressions,
            figures.clicks_accepted,
            figures.clicks_invalidated,
            figures.conversions,
            figures.reversals,
        ) = (int(value) for value in totals)
        rejected: dict[ClickRejection, int] = defaultdict(int)
        rows = await self._session.execute(
            select(publisher_rejections.c.reason, func.sum(publisher_rejections.c.clicks))
            .where(
                publisher_rejections.c.publisher_id == publisher_id,
                publisher_rejections.c.day <= last_day,
            )
            .group_by(publisher_rejections.c.reason)
        )
        for reason, clicks in rows.tuples():
            rejected[ClickRejection(reason)] += int(clicks)
        figures.clicks_rejected = dict(rejected)
        money = await self._session.execute(
            select(
                publisher_money_days.c.currency,
                func.sum(publisher_money_days.c.earned),
                func.sum(publisher_money_days.c.reversed),
                func.sum(publisher_money_days.c.paid),
            )
            .where(
                publisher_money_days.c.publisher_id == publisher_id,
                publisher_money_days.c.day <= last_day,
            )
            .group_by(publisher_money_days.c.currency)
            .order_by(publisher_money_days.c.currency)
        )
        figures.money = [
            PublisherMoneyFigures(currency, int(earned), int(reversed_), int(paid))
            for currency, earned, reversed_, paid in money.tuples()
        ]
        return figures


def _days(column: Column[str], window: DayWindow) -> list[ColumnElement[bool]]:
    conditions = [column <= window.last_day]
    if window.from_day:
        conditions.append(column >= window.from_day)
    return conditions
