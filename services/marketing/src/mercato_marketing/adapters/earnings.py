"""Publishers' earnings: earned, reversed and paid per currency (payable = earned - reversed -
paid, negative while a reversal after payout is recovered), and the same per UTC day for the
reports (the day the movement was recorded)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.money import Money
from mercato_marketing.adapters.rows import bump
from mercato_marketing.adapters.tables import publisher_earnings, publisher_money_days

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlEarnings:
    def __init__(self, session: AsyncSession, clock: Clock = utc_now) -> None:
        self._session = session
        self._clock = clock

    async def earn(self, publisher_id: str, amount: Money) -> None:
        await self._add(publisher_id, amount, "earned")

    async def take_back(self, publisher_id: str, amount: Money) -> bool:
        await self._add(publisher_id, amount, "reversed")
        row = (
            await self._session.execute(
                select(publisher_earnings).where(
                    publisher_earnings.c.publisher_id == publisher_id,
                    publisher_earnings.c.currency == amount.currency,
                )
            )
        ).first()
        return row is not None and row.paid > row.earned - row.reversed

    async def payables(self, currency: str) -> list[tuple[str, Money]]:
        payable = (
            publisher_earnings.c.earned - publisher_earnings.c.reversed - publisher_earnings.c.paid
        )
        rows = await self._session.execute(
            select(publisher_earnings.c.publisher_id, payable.label("payable"))
            .where(publisher_earnings.c.currency == currency, payable > 0)
            .order_by(publisher_earnings.c.publisher_id)
        )
        return [
            (publisher_id, Money(minor_units=int(amount), currency=currency))
            for publisher_id, amount in rows.tuples()
        ]

    async def paid(self, publisher_id: str, amount: Money) -> None:
        await self._add(publisher_id, amount, "paid")

    async def _add(self, publisher_id: str, amount: Money, column: str) -> None:
        if amount.is_zero:
            return
        keys = {"publisher_id": publisher_id, "currency": amount.currency}
        increments = {"earned": 0, "reversed": 0, "paid": 0, column: amount.minor_units}
        await bump(self._session, publisher_earnings, keys, **increments)
        day = self._clock().date().isoformat()
        await bump(
            self._session,
            publisher_money_days,
            {**keys, "day": day},
            **{column: amount.minor_units},
        )
