"""Sellers' payable balances: a table in the service's database, written in the same
transaction as the EscrowReleased and PayoutSent events that change it (so it can always be
rebuilt from them), and its in-memory fake.

Payout runs must never pay a balance twice. On PostgreSQL `lock_due` takes row locks
(SELECT ... FOR UPDATE) on the balances it returns, in seller id order, so a concurrent run
waits and then sees the balances the first one left; releases only add to a balance (an
upsert), so they never lose a concurrent payout's debit. SQLite serialises writers already
(the kit starts every transaction with BEGIN IMMEDIATE). A CHECK constraint keeps every
balance at zero or above whatever the code does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.money import Money

metadata = MetaData()

seller_payables = Table(
    "seller_payables",
    metadata,
    Column("seller_id", String(36), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("balance_minor", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("balance_minor >= 0", name="ck_seller_payables_balance_not_negative"),
    Index("ix_seller_payables_currency_seller", "currency", "seller_id"),
)


class SqlSellerPayables:
    """SellerPayables on the `seller_payables` table, in the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def credit(self, seller_id: str, amount: Money) -> None:
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(seller_payables).values(
            seller_id=seller_id,
            currency=amount.currency,
            balance_minor=amount.minor_units,
            updated_at=datetime.now(UTC),
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[seller_payables.c.seller_id, seller_payables.c.currency],
                set_={
                    "balance_minor": seller_payables.c.balance_minor
                    + statement.excluded.balance_minor,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )

    async def lock_due(self, currency: str, limit: int) -> list[tuple[str, Money]]:
        rows = await self._session.execute(
            select(seller_payables.c.seller_id, seller_payables.c.balance_minor)
            .where(seller_payables.c.currency == currency, seller_payables.c.balance_minor > 0)
            .order_by(seller_payables.c.seller_id)
            .limit(limit)
            .with_for_update()
        )
        return [
            (row.seller_id, Money(minor_units=row.balance_minor, currency=currency)) for row in rows
        ]

    async def debit(self, seller_id: str, amount: Money) -> None:
        debited = await self._session.execute(
            update(seller_payables)
            .where(
                seller_payables.c.seller_id == seller_id,
                seller_payables.c.currency == amount.currency,
                seller_payables.c.balance_minor >= amount.minor_units,
            )
            .values(
                balance_minor=seller_payables.c.balance_minor - amount.minor_units,
                updated_at=datetime.now(UTC),
            )
            .returning(seller_payables.c.seller_id)
        )
        if debited.first() is None:
            raise ValueError(f"seller {seller_id} has less than {amount} payable")

    async def balances(self, seller_id: str) -> list[Money]:
        rows = await self._session.execute(
            select(seller_payables.c.currency, seller_payables.c.balance_minor)
            .where(seller_payables.c.seller_id == seller_id)
            .order_by(seller_payables.c.currency)
        )
        return [Money(minor_units=row.balance_minor, currency=row.currency) for row in rows]


class InMemorySellerPayables:
    """The fake for unit tests: same contract, no transactions, nothing to lock."""

    def __init__(self) -> None:
        self._balances: dict[tuple[str, str], int] = {}

    async def credit(self, seller_id: str, amount: Money) -> None:
        key = (seller_id, amount.currency)
        self._balances[key] = self._balances.get(key, 0) + amount.minor_units

    async def lock_due(self, currency: str, limit: int) -> list[tuple[str, Money]]:
        due = sorted(
            (seller_id, balance)
            for (seller_id, balance_currency), balance in self._balances.items()
            if balance_currency == currency and balance > 0
        )
        return [
            (seller_id, Money(minor_units=balance, currency=currency))
            for seller_id, balance in due[:limit]
        ]

    async def debit(self, seller_id: str, amount: Money) -> None:
        key = (seller_id, amount.currency)
        if self._balances.get(key, 0) < amount.minor_units:
            raise ValueError(f"seller {seller_id} has less than {amount} payable")
        self._balances[key] -= amount.minor_units

    async def balances(self, seller_id: str) -> list[Money]:
        return sorted(
            (
                Money(minor_units=balance, currency=currency)
                for (owner, currency), balance in self._balances.items()
                if owner == seller_id
            ),
            key=lambda money: money.currency,
        )
