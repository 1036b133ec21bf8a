"""Clicks (one row per served ad's impression id: a token clicks once) and the traffic flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import ConcurrencyError
from mercato_kit.money import Money
from mercato_kit.storage import AggregateOutbox
from mercato_marketing.adapters.rows import insert_for, moment, ms, unique_as_conflict
from mercato_marketing.adapters.tables import clicks, traffic_flags
from mercato_marketing.domain import Charge, Click, ClickRejection, PricingModel


class SqlClicks:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, click_id: str) -> Click | None:
        row = (
            (await self._session.execute(select(clicks).where(clicks.c.click_id == click_id)))
            .mappings()
            .first()
        )
        return None if row is None else click_of(row)

    async def add(self, click: Click) -> None:
        """Insert the click; its id taken already (the same token clicked concurrently) is a
        ConcurrencyError: the caller decides again and finds a replay."""
        with unique_as_conflict(Click.aggregate_type, click.id):
            await self._session.execute(insert(clicks).values(**_row(click)))
        await self._outbox.record(click)

    async def save(self, click: Click) -> None:
        if not click.pending_events():
            return
        changed = await self._session.execute(
            update(clicks)
            .where(clicks.c.click_id == click.id, clicks.c.version == click.saved_version)
            .values(invalidated=click.invalidated, version=click.version)
            .returning(clicks.c.click_id)
        )
        if changed.first() is None:
            raise ConcurrencyError(Click.aggregate_type, click.id, click.saved_version)
        await self._outbox.record(click)

    async def seen_recently(self, fingerprint: str, campaign_id: str, since: datetime) -> bool:
        found = await self._session.execute(
            select(clicks.c.click_id)
            .where(
                clicks.c.campaign_id == campaign_id,
                clicks.c.fingerprint == fingerprint,
                clicks.c.clicked_at_ms >= ms(since),
                clicks.c.accepted.is_(True),
            )
            .limit(1)
        )
        return found.first() is not None

    async def accepted_in(self, kind: str, key: str, start: datetime, end: datetime) -> list[Click]:
        column = {"fingerprint": clicks.c.fingerprint, "publisher": clicks.c.publisher_id}.get(kind)
        if column is None:
            return []
        rows = await self._session.execute(
            select(clicks)
            .where(
                column == key,
                clicks.c.clicked_at_ms >= ms(start),
                clicks.c.clicked_at_ms < ms(end),
                clicks.c.accepted.is_(True),
                clicks.c.invalidated.is_(False),
            )
            .order_by(clicks.c.clicked_at_ms, clicks.c.click_id)
        )
        return [click_of(row) for row in rows.mappings()]


def _row(click: Click) -> dict[str, object]:
    assert click.clicked_at is not None
    charge = click.charge
    return {
        "click_id": click.id,
        "campaign_id": click.campaign_id,
        "advertiser_id": click.advertiser_id,
        "publisher_id": click.publisher_id,
        "product_id": click.product_id,
        "shop_id": click.shop_id,
        "fingerprint": click.fingerprint,
        "pricing": click.pricing.value,
        "accepted": click.accepted,
        "rejection": click.rejection.value if click.rejection is not None else None,
        "currency": charge.cost.currency if charge is not None else None,
        "cost": charge.cost.minor_units if charge is not None else None,
        "publisher_share": charge.publisher_share.minor_units if charge is not None else None,
        "platform_share": charge.platform_share.minor_units if charge is not None else None,
        "clicked_at_ms": ms(click.clicked_at),
        "invalidated": click.invalidated,
        "version": click.version,
    }


def click_of(row: RowMapping) -> Click:
    click = Click(row["click_id"])
    click.campaign_id, click.advertiser_id = row["campaign_id"], row["advertiser_id"]
    click.publisher_id, click.product_id = row["publisher_id"], row["product_id"]
    click.shop_id, click.fingerprint = row["shop_id"], row["fingerprint"]
    click.pricing = PricingModel(row["pricing"])
    click.accepted = bool(row["accepted"])
    click.rejection = ClickRejection(row["rejection"]) if row["rejection"] else None
    if row["cost"] is not None:
        currency = row["currency"]

        def amount(name: str) -> Money:
            return Money(minor_units=row[name], currency=currency)

        click.charge = Charge(
            cost=amount("cost"),
            publisher_share=amount("publisher_share"),
            platform_share=amount("platform_share"),
        )
    click.clicked_at = moment(row["clicked_at_ms"])
    click.invalidated = bool(row["invalidated"])
    click.version = row["version"]
    return click


class SqlTrafficFlags:
    """The traffic worker's flags: a key (a fingerprint, a publisher, a paced campaign) is
    flagged until its window ends; a later flag of the same key extends it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def flag(self, kind: str, key: str, until: datetime) -> None:
        statement = insert_for(self._session, traffic_flags).values(
            kind=kind, key=key, until_ms=ms(until)
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["kind", "key"],
                set_={"until_ms": _greatest(traffic_flags.c.until_ms, statement.excluded.until_ms)},
            )
        )

    async def flagged(self, kind: str, key: str, at: datetime) -> bool:
        found = await self._session.execute(
            select(traffic_flags.c.key).where(
                traffic_flags.c.kind == kind,
                traffic_flags.c.key == key,
                traffic_flags.c.until_ms > ms(at),
            )
        )
        return found.first() is not None


def _greatest(left: Any, right: Any) -> Any:
    return case((left > right, left), else_=right)
