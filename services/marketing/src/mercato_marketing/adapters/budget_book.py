"""The budget book: what each advertiser may still spend, and what each campaign has spent.

Marketing owns the spendable balance (see marketing.proto): payments' deposits are credited
once each, and every charge is debited in the transaction that records it. A charge or a hold
is three conditional UPDATEs in one savepoint, never a read followed by a write:

    UPDATE budget_balances SET spent = spent + :x
     WHERE advertiser_id = :a AND currency = :c AND deposited - spent - held >= :x
    UPDATE campaign_spend SET spent = spent + :x
     WHERE campaign_id = :id AND spent + held + :x <= total_cap
    UPDATE campaign_day_spend SET charged = charged + :x
     WHERE campaign_id = :id AND day = :day AND charged + :x <= :daily_cap

The first UPDATE that matches no row names the limit that refused (budget, campaign total,
the day's cap), and the savepoint is rolled back, so a refused charge moves nothing. Under
concurrency the condition is checked on the current row: SQLite serialises writers (every
write transaction begins IMMEDIATE); PostgreSQL (READ COMMITTED) makes a second UPDATE of the
same row wait for the first transaction and then evaluates its WHERE again on the row that
transaction committed. Every transaction locks the rows in the same order (the advertiser's
balance, then the campaign's, then its day), so writers queue rather than deadlock. CHECK
constraints on the tables are the last line of defence.

The Budget aggregate (the rare facts worth publishing: credited, exhausted, replenished) is
its own row, saved at its version.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import ConcurrencyError
from mercato_kit.money import Money
from mercato_kit.storage import AggregateOutbox
from mercato_marketing.adapters.rows import insert_for, unique_as_conflict
from mercato_marketing.adapters.tables import (
    budget_balances,
    budgets,
    campaign_day_spend,
    campaign_spend,
)
from mercato_marketing.domain import Balance, Budget, Campaign, ChargeRefusal


class _Refused(Exception):
    def __init__(self, refusal: ChargeRefusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


class SqlBudgetBook:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    # -- the aggregate --------------------------------------------------------------------

    async def budget(self, advertiser_id: str) -> Budget:
        row = (
            (
                await self._session.execute(
                    select(budgets).where(budgets.c.advertiser_id == advertiser_id)
                )
            )
            .mappings()
            .first()
        )
        budget = Budget(advertiser_id)
        if row is not None:
            budget.exhausted = {currency for currency in row["exhausted"].split(",") if currency}
            budget.version = row["version"]
        return budget

    async def save(self, budget: Budget) -> None:
        if not budget.pending_events():
            return
        exhausted = ",".join(sorted(budget.exhausted))
        if budget.saved_version == 0:
            with unique_as_conflict(Budget.aggregate_type, budget.id):
                await self._session.execute(
                    insert(budgets).values(
                        advertiser_id=budget.id, exhausted=exhausted, version=budget.version
                    )
                )
        else:
            changed = await self._session.execute(
                update(budgets)
                .where(
                    budgets.c.advertiser_id == budget.id,
                    budgets.c.version == budget.saved_version,
                )
                .values(exhausted=exhausted, version=budget.version)
                .returning(budgets.c.advertiser_id)
            )
            if changed.first() is None:
                raise ConcurrencyError(Budget.aggregate_type, budget.id, budget.saved_version)
        await self._outbox.record(budget)

    # -- balances -------------------------------------------------------------------------

    async def balances(self, advertiser_id: str) -> dict[str, Balance]:
        rows = await self._session.execute(
            select(budget_balances)
            .where(budget_balances.c.advertiser_id == advertiser_id)
            .order_by(budget_balances.c.currency)
        )
        return {row["currency"]: _balance(row) for row in rows.mappings()}

    async def credit(self, advertiser_id: str, amount: Money) -> Balance:
        statement = insert_for(self._session, budget_balances).values(
            advertiser_id=advertiser_id,
            currency=amount.currency,
            deposited=amount.minor_units,
            spent=0,
            held=0,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["advertiser_id", "currency"],
            set_={"deposited": budget_balances.c.deposited + amount.minor_units},
        ).returning(*budget_balances.c)
        row = (await self._session.execute(statement)).mappings().one()
        return _balance(row)

    async def charge(self, campaign: Campaign, amount: Money, day: str) -> ChargeRefusal | Balance:
        return await self._take(campaign, amount, day, "spent")

    async def hold(self, campaign: Campaign, amount: Money, day: str) -> ChargeRefusal | Balance:
        return await self._take(campaign, amount, day, "held")

    async def _take(
        self, campaign: Campaign, amount: Money, day: str, column: str
    ) -> ChargeRefusal | Balance:
        terms = campaign.required_terms
        x = amount.minor_units
        try:
            async with self._session.begin_nested():
                taken = (
                    (
                        await self._session.execute(
                            update(budget_balances)
                            .where(
                                budget_balances.c.advertiser_id == campaign.advertiser_id,
                                budget_balances.c.currency == amount.currency,
                                budget_balances.c.deposited
                                - budget_balances.c.spent
                                - budget_balances.c.held
                                >= x,
                            )
                            .values({column: budget_balances.c[column] + x})
                            .returning(*budget_balances.c)
                        )
                    )
                    .mappings()
                    .first()
                )
                if taken is None:
                    raise _Refused(ChargeRefusal.BUDGET_EXHAUSTED)
                await self._ensure_campaign_rows(campaign, day)
                within_total = await self._session.execute(
                    update(campaign_spend)
                    .where(
                        campaign_spend.c.campaign_id == campaign.id,
                        campaign_spend.c.spent + campaign_spend.c.held + x
                        <= campaign_spend.c.total_cap,
                    )
                    .values({column: campaign_spend.c[column] + x})
                    .returning(campaign_spend.c.campaign_id)
                )
                if within_total.first() is None:
                    raise _Refused(ChargeRefusal.CAMPAIGN_EXHAUSTED)
                within_day = await self._session.execute(
                    update(campaign_day_spend)
                    .where(
                        campaign_day_spend.c.campaign_id == campaign.id,
                        campaign_day_spend.c.day == day,
                        campaign_day_spend.c.charged + x <= terms.daily_cap.minor_units,
                    )
                    .values(charged=campaign_day_spend.c.charged + x)
                    .returning(campaign_day_spend.c.campaign_id)
                )
                if within_day.first() is None:
                    raise _Refused(ChargeRefusal.DAILY_CAP_REACHED)
        except _Refused as refused:
            return refused.refusal
        return _balance(taken)

    async def _ensure_campaign_rows(self, campaign: Campaign, day: str) -> None:
        """The campaign's total and day rows, created at zero by its first charge (after the
        advertiser's balance row is locked, so the lock order stays the same)."""
        terms = campaign.required_terms
        await self._session.execute(
            insert_for(self._session, campaign_spend)
            .values(
                campaign_id=campaign.id,
                advertiser_id=campaign.advertiser_id,
                currency=terms.currency,
                total_cap=terms.total_cap.minor_units,
                spent=0,
                held=0,
            )
            .on_conflict_do_nothing(index_elements=["campaign_id"])
        )
        await self._session.execute(
            insert_for(self._session, campaign_day_spend)
            .values(campaign_id=campaign.id, day=day, charged=0)
            .on_conflict_do_nothing(index_elements=["campaign_id", "day"])
        )

    async def settle(self, campaign_id: str, advertiser_id: str, amount: Money) -> None:
        await self._move(campaign_id, advertiser_id, amount, spent=+1, held=-1)

    async def release(self, campaign_id: str, advertiser_id: str, amount: Money) -> None:
        await self._move(campaign_id, advertiser_id, amount, spent=0, held=-1)

    async def refund(self, campaign_id: str, advertiser_id: str, amount: Money) -> None:
        await self._move(campaign_id, advertiser_id, amount, spent=-1, held=0)

    async def _move(
        self, campaign_id: str, advertiser_id: str, amount: Money, *, spent: int, held: int
    ) -> None:
        """Move an amount taken before between spent, held and available (the CHECK
        constraints refuse anything that would go below zero: a bug, never a caller's input)."""
        x = amount.minor_units
        if x == 0:
            return
        moved = await self._session.execute(
            update(budget_balances)
            .where(
                budget_balances.c.advertiser_id == advertiser_id,
                budget_balances.c.currency == amount.currency,
            )
            .values(
                spent=budget_balances.c.spent + spent * x,
                held=budget_balances.c.held + held * x,
            )
            .returning(budget_balances.c.advertiser_id)
        )
        if moved.first() is None:
            raise RuntimeError(f"advertiser {advertiser_id} has no {amount.currency} balance")
        await self._session.execute(
            update(campaign_spend)
            .where(campaign_spend.c.campaign_id == campaign_id)
            .values(
                spent=campaign_spend.c.spent + spent * x,
                held=campaign_spend.c.held + held * x,
            )
        )

    async def campaign_spent(self, campaign_id: str) -> Money | None:
        row = (
            await self._session.execute(
                select(
                    campaign_spend.c.spent, campaign_spend.c.held, campaign_spend.c.currency
                ).where(campaign_spend.c.campaign_id == campaign_id)
            )
        ).first()
        if row is None:
            return None
        return Money(minor_units=row.spent + row.held, currency=row.currency)


def _balance(row: object) -> Balance:
    values = dict(row)  # type: ignore[call-overload]
    currency = values["currency"]

    def amount(name: str) -> Money:
        return Money(minor_units=values[name], currency=currency)

    return Balance(deposited=amount("deposited"), spent=amount("spent"), held=amount("held"))
