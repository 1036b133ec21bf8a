"""Payees' payable balances: one table per kind of payee in the service's database (sellers'
`seller_payables`, app vendors' `vendor_payables`), written in the same transaction as the
events that change it (so it can always be rebuilt from them), and the in-memory fake.

    seller_payables   + EscrowReleased seller_net          - PayoutSent
    vendor_payables   + AppCharged vendor_share             - VendorPaidOut
                      - AppChargeRefunded vendor_share (may leave the balance in debit: a
                        refund after a payout; payouts only pay positive balances)

Payout runs must never pay a balance twice. On PostgreSQL `lock_due` takes row locks
(SELECT ... FOR UPDATE) on the balances it returns, in payee id order, so a concurrent run
waits and then sees the balances the first one left; credits and refunds only add to a
balance (an upsert), so they never lose a concurrent payout's debit. SQLite serialises writers
already (the kit starts every transaction with BEGIN IMMEDIATE). A payout's debit never takes a
balance below zero; for sellers (who are never refunded from their payable) a CHECK constraint
keeps every balance at zero or above whatever the code does.
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
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.money import Money

metadata = MetaData()

_DUE = text("balance_minor > 0")
"""The payout selection's indexes hold only payees with money due (migration payments_0003):
a run walks those, never the payees already paid out to zero, however many there are."""

seller_payables = Table(
    "seller_payables",
    metadata,
    Column("seller_id", String(36), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("balance_minor", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("balance_minor >= 0", name="ck_seller_payables_balance_not_negative"),
    Index(
        "ix_seller_payables_due", "currency", "seller_id", postgresql_where=_DUE, sqlite_where=_DUE
    ),
)

vendor_payables = Table(
    "vendor_payables",
    metadata,
    Column("vendor_id", String(36), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("balance_minor", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(
        "ix_vendor_payables_due", "currency", "vendor_id", postgresql_where=_DUE, sqlite_where=_DUE
    ),
)


class SqlPayables:
    """Payables on one payee kind's table (`payee` names its id column), in the caller's
    session."""

    def __init__(self, session: AsyncSession, table: Table, payee: str) -> None:
        self._session = session
        self._table = table
        self._payee = table.c[payee]

    async def _add(self, payee_id: str, currency: str, minor_units: int) -> None:
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = self._table
        statement = insert(table).values(
            {
                self._payee.name: payee_id,
                "currency": currency,
                "balance_minor": minor_units,
                "updated_at": datetime.now(UTC),
            }
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[self._payee, table.c.currency],
                set_={
                    "balance_minor": table.c.balance_minor + statement.excluded.balance_minor,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )

    async def credit(self, payee_id: str, amount: Money) -> None:
        await self._add(payee_id, amount.currency, amount.minor_units)

    async def take_back(self, payee_id: str, amount: Money) -> None:
        await self._add(payee_id, amount.currency, -amount.minor_units)

    async def lock_due(self, currency: str, limit: int) -> list[tuple[str, Money]]:
        table = self._table
        rows = await self._session.execute(
            select(self._payee, table.c.balance_minor)
            # The literal 0 (not a bound parameter) is what lets the planner use the partial
            # index: a generic plan of a prepared statement cannot prove `> $2` implies `> 0`.
            .where(table.c.currency == currency, table.c.balance_minor > literal_column("0"))
            .order_by(self._payee)
            .limit(limit)
            .with_for_update()
        )
        return [(row[0], Money(minor_units=row[1], currency=currency)) for row in rows]

    async def debit(self, payee_id: str, amount: Money) -> None:
        table = self._table
        debited = await self._session.execute(
            update(table)
            .where(
                self._payee == payee_id,
                table.c.currency == amount.currency,
                table.c.balance_minor >= amount.minor_units,
            )
            .values(
                balance_minor=table.c.balance_minor - amount.minor_units,
                updated_at=datetime.now(UTC),
            )
            .returning(self._payee)
        )
        if debited.first() is None:
            raise ValueError(f"payee {payee_id} has less than {amount} payable")

    async def balances(self, payee_id: str) -> list[Money]:
        table = self._table
        rows = await self._session.execute(
            select(table.c.currency, table.c.balance_minor)
            .where(self._payee == payee_id)
            .order_by(table.c.currency)
        )
        return [Money(minor_units=row.balance_minor, currency=row.currency) for row in rows]


class SqlSellerPayables(SqlPayables):
    """Sellers' payables (`seller_payables`)."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, seller_payables, "seller_id")


class SqlVendorPayables(SqlPayables):
    """App vendors' payables (`vendor_payables`)."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, vendor_payables, "vendor_id")


class InMemoryPayables:
    """The fake for unit tests: same contract, no transactions, nothing to lock."""

    def __init__(self) -> None:
        self._balances: dict[tuple[str, str], int] = {}

    async def credit(self, payee_id: str, amount: Money) -> None:
        key = (payee_id, amount.currency)
        self._balances[key] = self._balances.get(key, 0) + amount.minor_units

    async def take_back(self, payee_id: str, amount: Money) -> None:
        await self.credit(payee_id, -amount)

    async def lock_due(self, currency: str, limit: int) -> list[tuple[str, Money]]:
        due = sorted(
            (payee_id, balance)
            for (payee_id, balance_currency), balance in self._balances.items()
            if balance_currency == currency and balance > 0
        )
        return [
            (payee_id, Money(minor_units=balance, currency=currency))
            for payee_id, balance in due[:limit]
        ]

    async def debit(self, payee_id: str, amount: Money) -> None:
        key = (payee_id, amount.currency)
        if self._balances.get(key, 0) < amount.minor_units:
            raise ValueError(f"payee {payee_id} has less than {amount} payable")
        self._balances[key] -= amount.minor_units

    async def balances(self, payee_id: str) -> list[Money]:
        return sorted(
            (
                Money(minor_units=balance, currency=currency)
                for (owner, currency), balance in self._balances.items()
                if owner == payee_id
            ),
            key=lambda money: money.currency,
        )


InMemorySellerPayables = InMemoryPayables
"""The sellers' fake (one fake serves every payee kind)."""
