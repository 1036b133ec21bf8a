"""Conversions (one row per attributed or refused order) and publisher payout batches."""

from __future__ import annotations

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import ConcurrencyError
from mercato_kit.money import Money
from mercato_kit.storage import AggregateOutbox
from mercato_marketing.adapters.rows import of_json, to_json, unique_as_conflict
from mercato_marketing.adapters.tables import conversions, payout_batches
from mercato_marketing.domain import (
    Charge,
    Conversion,
    ConversionStatus,
    PricingModel,
    PublisherPayoutBatch,
)


class SqlConversions:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, order_id: str) -> Conversion | None:
        row = (
            (
                await self._session.execute(
                    select(conversions).where(conversions.c.order_id == order_id)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else conversion_of(row)

    async def add(self, conversion: Conversion) -> None:
        with unique_as_conflict(Conversion.aggregate_type, conversion.id):
            await self._session.execute(
                insert(conversions).values(
                    order_id=conversion.id, refusal=_refusal(conversion), **_state(conversion)
                )
            )
        await self._outbox.record(conversion)

    async def save(self, conversion: Conversion) -> None:
        if not conversion.pending_events():
            return
        changed = await self._session.execute(
            update(conversions)
            .where(
                conversions.c.order_id == conversion.id,
                conversions.c.version == conversion.saved_version,
            )
            .values(**_state(conversion))
            .returning(conversions.c.order_id)
        )
        if changed.first() is None:
            raise ConcurrencyError(
                Conversion.aggregate_type, conversion.id, conversion.saved_version
            )
        await self._outbox.record(conversion)


def _state(conversion: Conversion) -> dict[str, object]:
    value, charge = conversion.order_value, conversion.charge
    return {
        "refused": conversion.refused,
        "click_id": conversion.click_id,
        "campaign_id": conversion.campaign_id,
        "advertiser_id": conversion.advertiser_id,
        "publisher_id": conversion.publisher_id,
        "pricing": conversion.pricing.value,
        "status": conversion.status.value,
        "currency": value.currency if value is not None else None,
        "order_value": value.minor_units if value is not None else None,
        "commission": conversion.commission.minor_units if conversion.commission else None,
        "charge_cost": charge.cost.minor_units if charge else None,
        "charge_publisher_share": charge.publisher_share.minor_units if charge else None,
        "charge_platform_share": charge.platform_share.minor_units if charge else None,
        "version": conversion.version,
    }


def _refusal(conversion: Conversion) -> str | None:
    for event in conversion.pending_events():
        if isinstance(event, Conversion.Refused):
            return event.reason.value
    return None


def conversion_of(row: RowMapping) -> Conversion:
    conversion = Conversion(row["order_id"])
    conversion.refused = bool(row["refused"])
    conversion.click_id, conversion.campaign_id = row["click_id"], row["campaign_id"]
    conversion.advertiser_id, conversion.publisher_id = row["advertiser_id"], row["publisher_id"]
    conversion.pricing = PricingModel(row["pricing"])
    conversion.status = ConversionStatus(row["status"])
    currency = row["currency"]
    if currency:

        def amount(name: str) -> Money:
            return Money(minor_units=row[name], currency=currency)

        conversion.order_value = amount("order_value")
        if row["commission"] is not None:
            conversion.commission = amount("commission")
        if row["charge_cost"] is not None:
            conversion.charge = Charge(
                cost=amount("charge_cost"),
                publisher_share=amount("charge_publisher_share"),
                platform_share=amount("charge_platform_share"),
            )
    conversion.version = row["version"]
    return conversion


class SqlPayouts:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, batch_id: str) -> PublisherPayoutBatch | None:
        row = (
            (
                await self._session.execute(
                    select(payout_batches).where(payout_batches.c.batch_id == batch_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        batch = PublisherPayoutBatch(row["batch_id"])
        batch.payouts = [
            (publisher_id, Money(minor_units=minor_units, currency=row["currency"]))
            for publisher_id, minor_units in of_json(row["payouts"])
        ]
        batch.closed = bool(row["closed"])
        batch.version = row["version"]
        return batch

    async def add(self, batch: PublisherPayoutBatch) -> None:
        closed = [
            event
            for event in batch.pending_events()
            if isinstance(event, PublisherPayoutBatch.Closed)
        ]
        currency = closed[0].currency if closed else ""
        with unique_as_conflict(PublisherPayoutBatch.aggregate_type, batch.id):
            await self._session.execute(
                insert(payout_batches).values(
                    batch_id=batch.id,
                    currency=currency,
                    payouts=to_json([[p, amount.minor_units] for p, amount in batch.payouts]),
                    closed=batch.closed,
                    version=batch.version,
                )
            )
        await self._outbox.record(batch)
