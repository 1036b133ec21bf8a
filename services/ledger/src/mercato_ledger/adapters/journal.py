"""SqlJournal: the journal and its projections in the service's database (SQLite, PostgreSQL).

Appends are serialised per database, so sequences have no gaps and each entry's previous hash
is the hash of the entry before: SQLite write transactions start with `BEGIN IMMEDIATE` (the
kit's Database), PostgreSQL takes a transaction-scoped advisory lock before reading the head.

Within one transaction (the consumer applies a partition's batch in one) the entries are
chained in memory and written just before the commit, in one executemany per table handed
straight to the driver (a `before_commit` listener on the session): the consumer's handler is
called per event, and one statement per row through the async session, then SQLAlchemy's
binding of each row, is what cost (docs/benchmarks.md §6). A failed insert still fails the
commit, so the effect and the consumer's tracking stay together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Dialect, Table, and_, event, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from mercato_kit.money import Money
from mercato_ledger.adapters.tables import entries, lines, milestones
from mercato_ledger.domain import (
    FINAL_WITH_EMPTY_ESCROW,
    GENESIS,
    AsOf,
    JournalEntry,
    Line,
    OrderFact,
    OrderMilestone,
    Posting,
    Source,
    Violation,
)
from mercato_ledger.domain.accounts import ADVERTISER_BUDGET_PREFIX, ESCROW_PREFIX
from mercato_ledger.domain.projections import (
    AccountBalance,
    EscrowFloat,
    Period,
    PeriodAmount,
    StatementLine,
    TrialBalance,
)
from mercato_ledger.domain.replay import JournalSnapshot

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "APPEND_LOCK_KEY",
    "BulkJournal",
    "Row",
    "Rows",
    "SqlJournal",
    "from_us",
    "to_us",
    "write_rows",
]

APPEND_LOCK_KEY = 0x6C6564676572
"""The PostgreSQL advisory lock key that serialises journal appends ("ledger" in ASCII)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_PENDING = "mercato_ledger.pending"
_LIMIT = 20


def to_us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def from_us(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


class SqlJournal:
    """The journal in the transaction of `session` (build one per transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- writing -------------------------------------------------------------------------

    async def append(self, posting: Posting) -> JournalEntry:
        return await (await self._buffer()).append(posting)

    async def record_milestone(self, source: Source, fact: OrderFact) -> None:
        await (await self._buffer()).record_milestone(source, fact)

    async def _buffer(self) -> BulkJournal:
        """This transaction's pending rows, chained from the locked head (written on commit)."""
        buffer = self._session.info.get(_PENDING)
        if buffer is not None:
            return cast(BulkJournal, buffer)
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK_KEY)))
        buffer = BulkJournal(await self.head())
        sync = self._session.sync_session
        sync.info[_PENDING] = buffer

        def write(session: Session) -> None:
            session.info.pop(_PENDING, None)
            _write_rows_sync(session, buffer.pending())

        def forget(session: Session, *_: object) -> None:
            session.info.pop(_PENDING, None)

        event.listen(sync, "before_commit", write, once=True)
        event.listen(sync, "after_rollback", forget, once=True)
        return buffer

    async def head(self) -> tuple[int, str]:
        """The last entry's sequence and hash ((0, GENESIS) for an empty journal)."""
        row = (
            await self._session.execute(
                select(entries.c.sequence, entries.c.hash)
                .order_by(entries.c.sequence.desc())
                .limit(1)
            )
        ).first()
        return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))

    # --- projections ---------------------------------------------------------------------

    async def has_account(self, account: str) -> bool:
        found = await self._session.scalar(
            select(lines.c.sequence).where(lines.c.account == account).limit(1)
        )
        return found is not None

    async def balances(self, account: str, as_of: AsOf) -> list[AccountBalance]:
        rows = await self._session.execute(
            select(lines.c.currency, func.sum(lines.c.amount))
            .where(lines.c.account == account, *_lines_as_of(as_of))
            .group_by(lines.c.currency)
            .order_by(lines.c.currency)
        )
        return [AccountBalance(account, currency, int(total)) for currency, total in rows]

    async def statement(self, account: str, as_of: AsOf, limit: int) -> list[StatementLine]:
        """The account's last `limit` lines up to `as_of`, oldest first, with running balances."""
        window = list(
            await self._session.execute(
                select(
                    lines.c.sequence,
                    lines.c.occurred_at_us,
                    entries.c.event_id,
                    entries.c.event_type,
                    lines.c.currency,
                    lines.c.amount,
                )
                .join(entries, entries.c.sequence == lines.c.sequence)
                .where(lines.c.account == account, *_lines_as_of(as_of))
                .order_by(lines.c.sequence.desc(), lines.c.line_no.desc())
                .limit(limit)
            )
        )
        window.reverse()
        running: dict[str, int] = defaultdict(int)
        if window:
            opening = await self._session.execute(
                select(lines.c.currency, func.sum(lines.c.amount))
                .where(
                    lines.c.account == account,
                    lines.c.sequence < window[0][0],
                    *_lines_as_of(as_of),
                )
                .group_by(lines.c.currency)
            )
            running.update({currency: int(total) for currency, total in opening})
        statement = []
        for sequence, occurred, event_id, event_type, currency, amount in window:
            running[currency] += amount
            statement.append(
                StatementLine(
                    int(sequence),
                    from_us(occurred),
                    event_id,
                    event_type,
                    currency,
                    int(amount),
                    running[currency],
                )
            )
        return statement

    async def amounts_by_period(
        self, kind: str, period: Period, as_of: AsOf, *, credit_normal: bool
    ) -> list[PeriodAmount]:
        """Per period and account (e.g. kind "revenue"): the movement, shown positive for a
        credit-normal kind (revenue) when `credit_normal`."""
        when = _period(lines.c.day, period)
        rows = await self._session.execute(
            select(when, lines.c.account, lines.c.currency, func.sum(lines.c.amount))
            .where(lines.c.account.startswith(f"{kind}:", autoescape=True), *_lines_as_of(as_of))
            .group_by(when, lines.c.account, lines.c.currency)
            .order_by(when, lines.c.account, lines.c.currency)
        )
        sign = -1 if credit_normal else 1
        return [
            PeriodAmount(str(at), account.split(":", 1)[1], currency, sign * int(total))
            for at, account, currency, total in rows
        ]

    async def gross_merchandise_volume(self, period: Period, as_of: AsOf) -> list[PeriodAmount]:
        when = _period(milestones.c.day, period)
        rows = await self._session.execute(
            select(when, milestones.c.currency, func.sum(milestones.c.amount), func.count())
            .where(
                milestones.c.milestone == OrderMilestone.PAID.value,
                *_milestones_as_of(as_of),
            )
            .group_by(when, milestones.c.currency)
            .order_by(when, milestones.c.currency)
        )
        return [
            PeriodAmount(str(at), "gmv", currency, int(total), int(count))
            for at, currency, total, count in rows
        ]

    async def escrow_float(self, as_of: AsOf) -> list[EscrowFloat]:
        per_order = (
            select(
                lines.c.account,
                lines.c.currency,
                func.sum(lines.c.amount).label("balance"),
            )
            .where(lines.c.account.startswith(ESCROW_PREFIX, autoescape=True), *_lines_as_of(as_of))
            .group_by(lines.c.account, lines.c.currency)
            .having(func.sum(lines.c.amount) != 0)
            .subquery()
        )
        rows = await self._session.execute(
            select(per_order.c.currency, func.sum(per_order.c.balance), func.count())
            .group_by(per_order.c.currency)
            .order_by(per_order.c.currency)
        )
        return [EscrowFloat(currency, -int(total), int(count)) for currency, total, count in rows]

    async def trial_balance(self, as_of: AsOf) -> TrialBalance:
        rows = await self._session.execute(
            select(lines.c.account, lines.c.currency, func.sum(lines.c.amount))
            .where(*_lines_as_of(as_of))
            .group_by(lines.c.account, lines.c.currency)
            .having(func.sum(lines.c.amount) != 0)
            .order_by(lines.c.account, lines.c.currency)
        )
        balances = tuple(AccountBalance(a, c, int(total)) for a, c, total in rows)
        debits: dict[str, int] = defaultdict(int)
        credits: dict[str, int] = defaultdict(int)
        for balance in balances:
            side = debits if balance.balance > 0 else credits
            side[balance.currency] += balance.balance
        return TrialBalance(balances, dict(debits), dict(credits))

    # --- invariants ----------------------------------------------------------------------

    async def violations(self) -> list[Violation]:
        """Every invariant that does not hold now (at most a few examples of each)."""
        found: list[Violation] = []
        unbalanced = await self._session.execute(
            select(lines.c.sequence, lines.c.currency, func.sum(lines.c.amount))
            .group_by(lines.c.sequence, lines.c.currency)
            .having(func.sum(lines.c.amount) != 0)
            .order_by(lines.c.sequence)
            .limit(_LIMIT)
        )
        found += [
            Violation("entry balances", f"entry {s} is off by {int(t):+d} {c}")
            for s, c, t in unbalanced
        ]
        totals = await self._session.execute(
            select(lines.c.currency, func.sum(lines.c.amount))
            .group_by(lines.c.currency)
            .having(func.sum(lines.c.amount) != 0)
        )
        found += [
            Violation("trial balance is zero", f"the trial balance is {int(t):+d} {c}")
            for c, t in totals
        ]
        final = (
            select(milestones.c.order_id)
            .where(milestones.c.milestone.in_([m.value for m in FINAL_WITH_EMPTY_ESCROW]))
            .distinct()
            .subquery()
        )
        escrows = await self._session.execute(
            select(final.c.order_id, lines.c.currency, func.sum(lines.c.amount))
            .join(lines, lines.c.account == literal(ESCROW_PREFIX) + final.c.order_id)
            .group_by(final.c.order_id, lines.c.currency)
            .having(func.sum(lines.c.amount) != 0)
            .order_by(final.c.order_id)
            .limit(_LIMIT)
        )
        found += [
            Violation(
                "final orders leave nothing in escrow",
                f"order {o} is completed or refunded but holds {-int(t)} {c} in escrow",
            )
            for o, c, t in escrows
        ]
        overspent = await self._session.execute(
            select(lines.c.account, lines.c.currency, func.sum(lines.c.amount))
            .where(lines.c.account.startswith(ADVERTISER_BUDGET_PREFIX, autoescape=True))
            .group_by(lines.c.account, lines.c.currency)
            .having(func.sum(lines.c.amount) > 0)
            .order_by(lines.c.account, lines.c.currency)
            .limit(_LIMIT)
        )
        found += [
            Violation(
                "advertiser budgets are never overspent",
                f"{a} is in debit: {int(t)} {c} spent beyond what was deposited",
            )
            for a, c, t in overspent
        ]
        for table, what in ((entries, "entry"), (milestones, "milestone")):
            twice = await self._session.execute(
                select(table.c.event_id, func.count())
                .group_by(table.c.event_id)
                .having(func.count() > 1)
                .limit(_LIMIT)
            )
            found += [
                Violation("each event posts at most once", f"event {e} has {n} {what} rows")
                for e, n in twice
            ]
        sourceless = await self._session.execute(
            select(entries.c.sequence)
            .where((entries.c.event_id == "") | (entries.c.topic == ""))
            .limit(_LIMIT)
        )
        found += [
            Violation("every entry names its source", f"entry {s} names no source event")
            for (s,) in sourceless
        ]
        orphans = await self._session.execute(
            select(lines.c.sequence)
            .outerjoin(entries, entries.c.sequence == lines.c.sequence)
            .where(entries.c.sequence.is_(None))
            .distinct()
            .limit(_LIMIT)
        )
        found += [
            Violation("every entry names its source", f"lines of {s} belong to no entry")
            for (s,) in orphans
        ]
        return found

    async def entries_after(self, sequence: int, limit: int) -> list[JournalEntry]:
        """Up to `limit` entries after `sequence`, in order, with their lines."""
        heads = (
            await self._session.execute(
                select(entries)
                .where(entries.c.sequence > sequence)
                .order_by(entries.c.sequence)
                .limit(limit)
            )
        ).all()
        if not heads:
            return []
        legs: dict[int, list[Line]] = defaultdict(list)
        rows = await self._session.execute(
            select(lines.c.sequence, lines.c.account, lines.c.currency, lines.c.amount)
            .where(lines.c.sequence > sequence, lines.c.sequence <= heads[-1].sequence)
            .order_by(lines.c.sequence, lines.c.line_no)
        )
        for seq, account, currency, amount in rows:
            legs[int(seq)].append(Line(account, currency, int(amount)))
        return [
            JournalEntry(
                int(row.sequence),
                _source(row),
                tuple(legs.get(int(row.sequence), ())),
                row.previous_hash,
                row.hash,
            )
            for row in heads
        ]

    async def snapshot(self) -> JournalSnapshot:
        legs: dict[int, list[Line]] = defaultdict(list)
        rows = await self._session.execute(
            select(lines.c.sequence, lines.c.account, lines.c.currency, lines.c.amount).order_by(
                lines.c.sequence, lines.c.line_no
            )
        )
        for seq, account, currency, amount in rows:
            legs[int(seq)].append(Line(account, currency, int(amount)))
        found = {
            row.event_id: (_source(row), tuple(sorted(legs.get(int(row.sequence), ()), key=_key)))
            for row in await self._session.execute(select(entries))
        }
        facts = {
            row.event_id: (
                _source(row, "orders"),
                OrderFact(
                    row.order_id,
                    OrderMilestone(row.milestone),
                    Money(minor_units=row.amount, currency=row.currency),
                ),
            )
            for row in await self._session.execute(select(milestones))
        }
        return JournalSnapshot(found, facts)


Row = tuple[Any, ...]
"""A row in its table's column order (tables.py), as the driver takes it."""

Rows = list[tuple[Table, list[Row]]]


def _entry_row(entry: JournalEntry, occurred: int) -> Row:
    source = entry.source
    return (
        entry.sequence,
        source.event_id,
        source.event_type,
        source.topic,
        source.partition,
        source.offset,
        occurred,
        datetime.now(UTC),
        entry.previous_hash,
        entry.hash,
    )


def _line_rows(entry: JournalEntry, occurred: int) -> list[Row]:
    sequence, day = entry.sequence, _day_of(occurred)
    return [
        (sequence, number, line.account, line.currency, line.amount, occurred, day)
        for number, line in enumerate(entry.lines, start=1)
    ]


def _milestone_row(source: Source, fact: OrderFact, sequence: int) -> Row:
    occurred = to_us(source.occurred_at)
    return (
        source.event_id,
        fact.order_id,
        fact.milestone.value,
        fact.amount.currency,
        fact.amount.minor_units,
        occurred,
        _day_of(occurred),
        sequence,
        source.topic,
        source.partition,
        source.offset,
    )


_US_PER_DAY = 86_400_000_000


def _day_of(micros: int) -> str:
    """The UTC day (ISO) of a moment in microseconds since the epoch."""
    return _day_named(micros // _US_PER_DAY)


@lru_cache(maxsize=64)
def _day_named(days: int) -> str:
    return (_EPOCH + timedelta(days=days)).date().isoformat()


def _key(line: Line) -> tuple[str, str, int]:
    return (line.account, line.currency, line.amount)


def _source(row: Any, event_type: str | None = None) -> Source:
    return Source(
        row.event_id,
        event_type or row.event_type,
        row.topic,
        int(row.partition),
        int(row.offset),
        from_us(int(row.occurred_at_us)),
    )


def _period(day: Any, period: Period) -> Any:
    return day if period is Period.DAY else func.substr(day, 1, 7)


def _lines_as_of(as_of: AsOf) -> Sequence[Any]:
    return _as_of(lines.c.sequence, lines.c.occurred_at_us, as_of)


def _milestones_as_of(as_of: AsOf) -> Sequence[Any]:
    return _as_of(milestones.c.journal_sequence, milestones.c.occurred_at_us, as_of)


def _as_of(sequence: Any, occurred: Any, as_of: AsOf) -> list[Any]:
    conditions = []
    if as_of.sequence is not None:
        conditions.append(sequence <= as_of.sequence)
    if as_of.time is not None:
        conditions.append(occurred <= to_us(as_of.time))
    return [and_(*conditions)] if conditions else []


class BulkJournal:
    """Appends chained in memory, then written table by table straight to the driver: a
    rebuild's (`take` and `write_rows`, or `flush`: COPY on PostgreSQL, for a store nobody
    else writes to) and the live path's (`SqlJournal`, in the transaction that holds the
    append lock: an executemany per table before the commit)."""

    def __init__(self, head: tuple[int, str] = (0, GENESIS)) -> None:
        self._sequence, self._hash = head
        self._entries: list[Row] = []
        self._lines: list[Row] = []
        self._milestones: list[Row] = []

    async def append(self, posting: Posting) -> JournalEntry:
        entry = JournalEntry.chain(posting, self._sequence + 1, self._hash)
        self._sequence, self._hash = entry.sequence, entry.hash
        occurred = to_us(posting.source.occurred_at)
        self._entries.append(_entry_row(entry, occurred))
        self._lines += _line_rows(entry, occurred)
        return entry

    async def record_milestone(self, source: Source, fact: OrderFact) -> None:
        # The milestone counts from the next entry's position, never from one already written:
        # a reader who saw the head at N sees the same figures as of N whatever arrives later.
        self._milestones.append(_milestone_row(source, fact, self._sequence + 1))

    def pending(self) -> Rows:
        """The rows not yet flushed, per table, in insertion order."""
        return [(entries, self._entries), (lines, self._lines), (milestones, self._milestones)]

    def take(self) -> Rows:
        """The rows not yet flushed, per table, handed over: the journal goes on without them
        (its head stays where they left it), so they can be written while it posts more."""
        taken = self.pending()
        self._entries, self._lines, self._milestones = [], [], []
        return taken

    async def flush(self, session: AsyncSession) -> None:
        await write_rows(session, self.take())


async def write_rows(session: AsyncSession, rows: Rows) -> None:
    """The rows in the session's transaction, table by table in the order given (entries
    before their lines): PostgreSQL by COPY, SQLite by one executemany per table.

    Straight to the driver: SQLAlchemy's compiling and binding of each row was a quarter of a
    replay's time (docs/benchmarks.md §6). The values are those SQLAlchemy would have bound
    (`_insert` applies the column types' bind processors: SQLite's text for `posted_at`)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        driver = cast("psycopg.AsyncConnection[Any]", raw.driver_connection)
        async with driver.cursor() as cursor:
            for table, values in rows:
                if values:
                    async with cursor.copy(_copy_statement(table)) as copy:
                        for row in values:
                            await copy.write_row(row)
        return
    for table, values in rows:
        if values:
            statement, bound = _insert(table, connection.dialect, values)
            await connection.exec_driver_sql(statement, bound)


def _write_rows_sync(session: Session, rows: Rows) -> None:
    """`write_rows` inside a synchronous session event (the live path's `before_commit`):
    one executemany per table on either database."""
    connection = session.connection()
    for table, values in rows:
        if values:
            statement, bound = _insert(table, connection.dialect, values)
            connection.exec_driver_sql(statement, bound)


def _insert(table: Table, dialect: Dialect, values: list[Row]) -> tuple[str, list[Row]]:
    statement, processors = _insert_statement(table, dialect)
    if not processors:
        return statement, values
    bound = []
    for row in values:
        converted = list(row)
        for index, process in processors:
            converted[index] = process(converted[index])
        bound.append(tuple(converted))
    return statement, bound


_Processors = tuple[tuple[int, Callable[[Any], Any]], ...]


@lru_cache(maxsize=16)
def _insert_statement(table: Table, dialect: Dialect) -> tuple[str, _Processors]:
    """A positional INSERT of every column of `table`, and the columns' bind processors
    (SQLite's paramstyle is qmark; psycopg's takes %s)."""
    quote = dialect.identifier_preparer
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(quote.format_column(column) for column in table.columns)
    markers = ", ".join(marker for _ in table.columns)
    processors = tuple(
        (index, process)
        for index, column in enumerate(table.columns)
        if (process := column.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    )
    # Identifiers from the table's metadata, quoted by the dialect; every value is a parameter.
    insert = f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES ({markers})"  # noqa: S608
    return insert, processors


@lru_cache(maxsize=8)
def _copy_statement(table: Table) -> str:
    columns = ", ".join(f'"{column.name}"' for column in table.columns)
    return f'COPY "{table.name}" ({columns}) FROM STDIN'
