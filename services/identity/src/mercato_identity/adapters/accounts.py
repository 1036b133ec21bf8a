"""Accounts, one row each; the e-mail address is unique."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from mercato_identity.adapters.rows import VersionedRows, utc
from mercato_identity.adapters.tables import accounts
from mercato_identity.domain import Account, Role
from mercato_identity.domain.errors import EmailTaken


class SqlAccounts(VersionedRows):
    async def add(self, account: Account) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(accounts).values(
                        account_id=account.id,
                        email=account.email,
                        role=str(account.role),
                        password_hash=account.password_hash,
                        registered_at=account.registered_at,
                        version=account.version,
                    )
                )
        except IntegrityError:
            # `from None`: the driver's message would quote the row, hash included.
            raise EmailTaken() from None
        await self._written(account)

    async def save(self, account: Account) -> None:
        await self._update(accounts, accounts.c.account_id, account)

    async def get(self, account_id: str) -> Account | None:
        return await self._one(accounts.c.account_id == account_id)

    async def with_email(self, email: str) -> Account | None:
        return await self._one(accounts.c.email == email)

    async def _one(self, condition: Any) -> Account | None:
        row = (await self._session.execute(select(accounts).where(condition))).first()
        if row is None:
            return None
        account = Account(row.account_id)
        account.email, account.role = row.email, Role(row.role)
        account.password_hash = row.password_hash
        account.registered_at = utc(row.registered_at)
        self._remember(account, row.version)
        return account
