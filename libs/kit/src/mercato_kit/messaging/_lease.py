"""The relay's lease: a row in `relay_leases` that at most one relay instance holds at a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Update,
    any_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    extract,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.storage import outbox, relay_leases

_UNIX_EPOCH_JULIAN_DAY = 2440587.5
_MS_PER_DAY = 86_400_000.0


class Lease:
    """One relay instance's claim on the lease called `name` in its database.

    Time is the database's clock, so instances on hosts with skewed clocks agree on expiry.
    Each takeover by a new owner increments the fencing token; work done under a token is
    committed only in a transaction that still finds that token (`confirm`), so an instance
    that lost the lease while it was busy cannot complete stale work.

    A holder need not ask the database whether the lease is still its own until it nears
    expiry: a lease taken or renewed by a statement sent at (local, monotonic) time t expires
    no earlier than t + ttl, and until then no other instance can take it. The relay keeps
    that bound and renews only past half of it.
    """

    def __init__(self, name: str, owner: str, ttl: float, dialect: str) -> None:
        self.name = name
        self.owner = owner
        self.ttl = ttl
        self._ttl_ms = int(ttl * 1000)
        self._now_ms = _now_ms(dialect)
        self._dialect = dialect
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    async def acquire(self, session: AsyncSession) -> int | None:
        """Take the lease (when free or expired) or renew it; the fencing token if ours.

        One statement: an upsert that creates the row, renews our own lease or takes over an
        expired one (the token goes up by one on a change of owner) and leaves a live lease
        of another owner alone.
        """
        leases = relay_leases.c
        statement = self._insert(relay_leases).values(
            name=self.name,
            owner=self.owner,
            expires_at_ms=self._now_ms + self._ttl_ms,
            fencing_token=1,
        )
        token = await session.scalar(
            statement.on_conflict_do_update(
                index_elements=[leases.name],
                set_={
                    "fencing_token": case(
                        (leases.owner == self.owner, leases.fencing_token),
                        else_=leases.fencing_token + 1,
                    ),
                    "owner": self.owner,
                    "expires_at_ms": self._now_ms + self._ttl_ms,
                },
                where=or_(leases.owner == self.owner, leases.expires_at_ms <= self._now_ms),
            ).returning(leases.fencing_token)
        )
        return None if token is None else int(token)

    async def confirm(self, session: AsyncSession, token: int) -> bool:
        """Whether the lease is still ours under `token`; extends it when it is.

        The row stays locked until `session` ends, so no one can take the lease over
        before the work that depends on it commits.
        """
        return await self._update_own(session, token, self._now_ms + self._ttl_ms)

    async def retire(self, session: AsyncSession, token: int, ids: Sequence[int]) -> bool:
        """Delete the outbox rows `ids` if the lease is still ours under `token` (extending it,
        as `confirm`); whether it was. On PostgreSQL one statement (the lease's UPDATE and the
        DELETE that depends on it: atomic even in autocommit); on SQLite `confirm`, then the
        DELETE, in the caller's transaction."""
        if self._dialect != "postgresql":
            if not await self.confirm(session, token):
                return False
            await session.execute(delete(outbox).where(outbox.c.id.in_(ids)))
            return True
        confirmed = (
            self._own(token).values(expires_at_ms=self._now_ms + self._ttl_ms).cte("confirmed")
        )
        retired = (
            delete(outbox)
            .where(outbox.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger))))
            .where(exists(select(confirmed.c.name)))
            .cte("retired")
        )
        statement = select(func.count()).select_from(confirmed).add_cte(retired)
        return bool(await session.scalar(statement, {"ids": list(ids)}))

    async def release(self, session: AsyncSession, token: int) -> bool:
        """Give the lease up (expire it now) if it is still ours under `token`."""
        return await self._update_own(session, token, 0)

    async def _update_own(
        self, session: AsyncSession, token: int, expires_at_ms: ColumnElement[int] | int
    ) -> bool:
        name = await session.scalar(self._own(token).values(expires_at_ms=expires_at_ms))
        return name is not None

    def _own(self, token: int) -> Update:
        """The UPDATE of the lease row when it is ours under `token` (returning its name)."""
        leases = relay_leases.c
        return (
            update(relay_leases)
            .where(leases.name == self.name)
            .where(leases.owner == self.owner)
            .where(leases.fencing_token == token)
            .returning(leases.name)
        )


def _now_ms(dialect: str) -> ColumnElement[int]:
    if dialect == "postgresql":
        return cast(extract("epoch", func.clock_timestamp()) * 1000, BigInteger)
    return cast((func.julianday("now") - _UNIX_EPOCH_JULIAN_DAY) * _MS_PER_DAY, BigInteger)
