"""The running audit's invariant checks, incremental: only what arrived since the last check.

`SqlJournal.violations()` re-checks every invariant over all of history, which the Audit RPC and
`mercato ledger audit` still do; the running audit, every `LEDGER_AUDIT_INTERVAL_S`, cost as
much (417,553 shared buffers a check in a journal of 100k orders, docs/benchmarks.md §10).
`RunningChecks` keeps the position the last check reached and asks each invariant only about
the rows after it, reporting the same `Violation`s (invariant and detail) the full pass would
for those rows:

- every entry balances: the lines of the new entries;
- the trial balance is zero: a running total per currency, plus the new lines' sums;
- final orders leave nothing in escrow: the orders whose final milestone or escrow lines are
  new (a milestone's `journal_sequence` is the head + 1 when it was recorded, so the ones
  after the last check's head are the new ones);
- advertiser budgets are never overspent: the budgets with new lines;
- each event posts at most once, every entry names its source, no lines without an entry: the
  new entries, milestones and lines (the unique constraints and the foreign key forbid the
  first and last; the checks cost an index probe per new row).

Each check also re-checks what the previous one found (its suspects), so the running audit's
two-checks-in-a-row confirmation still sees a violation that persists, and forgets one that
healed. The first check starts from position 0: the full pass, once per process.

The journal is append-only and its appends are serialised (sequences commit in order), so the
head read first bounds every query: rows at or below it were all committed before it was read.
A PostgreSQL read-only unit of work runs in autocommit (each statement its own snapshot), so
nothing is read past that head except the milestones (none has a position at or below a head
already read once it is visible: the next check reads them again).

What only the full pass (or the hash chain's full verification) catches: a row altered in
place below the position. The running audit's chain check stops at the first broken link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_ledger.adapters.tables import entries, lines, milestones
from mercato_ledger.domain import FINAL_WITH_EMPTY_ESCROW, Violation
from mercato_ledger.domain.accounts import ADVERTISER_BUDGET_PREFIX, ESCROW_PREFIX

__all__ = ["RunningChecks"]

_LIMIT = 20
"""Examples per invariant, as `SqlJournal.violations()` gives."""

_IN_CHUNK = 500
"""Accounts named in one statement's IN list (SQLite allows 32,766 bound parameters)."""

_FINAL = [m.value for m in FINAL_WITH_EMPTY_ESCROW]

Key = tuple[str, Any]
"""What a violation is about, to re-check it: (kind, entry sequence, order id, account...)."""


@dataclass
class _Position:
    head: int = 0
    """The last sequence checked (every row at or below it has been)."""
    totals: dict[str, int] = field(default_factory=dict)
    """The sum of every line at or below `head`, per currency."""


class RunningChecks:
    """The invariants checked from where the last check ended (build one per process)."""

    def __init__(self) -> None:
        self._position = _Position()
        self._found: dict[Violation, Key] = {}

    @property
    def head(self) -> int:
        """The last sequence checked (0 before the first check)."""
        return self._position.head

    async def check(self, session: AsyncSession) -> set[Violation]:
        """The violations among the rows after the last check's position, and among what the
        last check found; the position moves to the head read first."""
        after = self._position.head
        head = int(
            await session.scalar(select(func.coalesce(func.max(entries.c.sequence), 0))) or 0
        )
        head = max(head, after)
        suspects: dict[str, list[Any]] = defaultdict(list)
        for kind, key in self._found.values():
            suspects[kind].append(key)
        scope = _Scope(session, after, head, suspects)
        found: dict[Violation, Key] = {}
        found.update(await scope.unbalanced())
        totals = await scope.totals(self._position.totals)
        found.update(
            (Violation("trial balance is zero", f"the trial balance is {t:+d} {c}"), ("total", c))
            for c, t in totals.items()
            if t != 0
        )
        found.update(await scope.escrows())
        found.update(await scope.overspent())
        found.update(await scope.twice())
        found.update(await scope.sourceless())
        found.update(await scope.orphans())
        self._position = _Position(head, totals)
        self._found = found
        return set(found)


class _Scope:
    """One check's queries: rows in (after, head], and the suspects of the last check."""

    def __init__(
        self, session: AsyncSession, after: int, head: int, suspects: dict[str, list[Any]]
    ) -> None:
        self._session = session
        self._after = after
        self._head = head
        self._suspects = suspects

    def _new(self, sequence: Any, kind: str) -> Any:
        """New rows by `sequence`, or the suspects of `kind` (an entry's sequence)."""
        new = (sequence > self._after) & (sequence <= self._head)
        again = self._suspects.get(kind)
        return or_(new, sequence.in_(again)) if again else new

    async def _rows(self, statement: Any) -> list[Any]:
        return list(await self._session.execute(statement))

    async def unbalanced(self) -> Iterable[tuple[Violation, Key]]:
        rows = await self._rows(
            select(lines.c.sequence, lines.c.currency, func.sum(lines.c.amount))
            .where(self._new(lines.c.sequence, "unbalanced"), lines.c.sequence <= self._head)
            .group_by(lines.c.sequence, lines.c.currency)
            .having(func.sum(lines.c.amount) != 0)
            .order_by(lines.c.sequence)
            .limit(_LIMIT)
        )
        return [
            (
                Violation("entry balances", f"entry {s} is off by {int(t):+d} {c}"),
                ("unbalanced", int(s)),
            )
            for s, c, t in rows
        ]

    async def totals(self, before: dict[str, int]) -> dict[str, int]:
        totals = dict(before)
        rows = await self._rows(
            select(lines.c.currency, func.sum(lines.c.amount))
            .where(lines.c.sequence > self._after, lines.c.sequence <= self._head)
            .group_by(lines.c.currency)
        )
        for currency, total in rows:
            totals[currency] = totals.get(currency, 0) + int(total)
        return totals

    async def escrows(self) -> Iterable[tuple[Violation, Key]]:
        offset = len(ESCROW_PREFIX) + 1
        sources = [
            select(milestones.c.order_id).where(
                milestones.c.milestone.in_(_FINAL), milestones.c.journal_sequence > self._after
            ),
            select(func.substr(lines.c.account, offset).label("order_id")).where(
                lines.c.sequence > self._after,
                lines.c.sequence <= self._head,
                lines.c.account.startswith(ESCROW_PREFIX, autoescape=True),
            ),
        ]
        if again := self._suspects.get("escrow"):
            sources.append(select(milestones.c.order_id).where(milestones.c.order_id.in_(again)))
        candidates = union(*sources).subquery()
        final = (
            select(milestones.c.order_id)
            .where(
                milestones.c.milestone.in_(_FINAL),
                milestones.c.order_id.in_(select(candidates.c.order_id)),
            )
            .distinct()
            .subquery()
        )
        rows = await self._rows(
            select(final.c.order_id, lines.c.currency, func.sum(lines.c.amount))
            .join(lines, lines.c.account == literal(ESCROW_PREFIX) + final.c.order_id)
            .where(lines.c.sequence <= self._head)
            .group_by(final.c.order_id, lines.c.currency)
            .having(func.sum(lines.c.amount) != 0)
            .order_by(final.c.order_id)
            .limit(_LIMIT)
        )
        return [
            (
                Violation(
                    "final orders leave nothing in escrow",
                    f"order {o} is completed or refunded but holds {-int(t)} {c} in escrow",
                ),
                ("escrow", o),
            )
            for o, c, t in rows
        ]

    async def overspent(self) -> Iterable[tuple[Violation, Key]]:
        # The budgets touched are read first and named in the sum's IN list: as one statement
        # (`account IN (SELECT ...)`) PostgreSQL planned a nested-loop semi-join of every line
        # against the touched ones, which never finished on a journal of 100k orders.
        touched = await self._session.scalars(
            select(lines.c.account)
            .where(
                lines.c.sequence > self._after,
                lines.c.sequence <= self._head,
                lines.c.account.startswith(ADVERTISER_BUDGET_PREFIX, autoescape=True),
            )
            .distinct()
        )
        budgets = sorted(set(touched) | set(self._suspects.get("budget", ())))
        rows: list[Any] = []
        for start in range(0, len(budgets), _IN_CHUNK):
            rows += await self._rows(
                select(lines.c.account, lines.c.currency, func.sum(lines.c.amount))
                .where(
                    lines.c.account.in_(budgets[start : start + _IN_CHUNK]),
                    lines.c.sequence <= self._head,
                )
                .group_by(lines.c.account, lines.c.currency)
                .having(func.sum(lines.c.amount) > 0)
                .order_by(lines.c.account, lines.c.currency)
                .limit(_LIMIT)
            )
            if len(rows) >= _LIMIT:
                break
        rows = rows[:_LIMIT]
        return [
            (
                Violation(
                    "advertiser budgets are never overspent",
                    f"{a} is in debit: {int(t)} {c} spent beyond what was deposited",
                ),
                ("budget", a),
            )
            for a, c, t in rows
        ]

    async def twice(self) -> Iterable[tuple[Violation, Key]]:
        found: list[tuple[Violation, Key]] = []
        new_entries: Any = select(entries.c.event_id).where(
            entries.c.sequence > self._after, entries.c.sequence <= self._head
        )
        new_milestones: Any = select(milestones.c.event_id).where(
            milestones.c.journal_sequence > self._after
        )
        for table, what, new in (
            (entries, "entry", new_entries),
            (milestones, "milestone", new_milestones),
        ):
            kind = f"{what} twice"
            where: Any = table.c.event_id.in_(new)
            if again := self._suspects.get(kind):
                where = or_(where, table.c.event_id.in_(again))
            rows = await self._rows(
                select(table.c.event_id, func.count())
                .where(where)
                .group_by(table.c.event_id)
                .having(func.count() > 1)
                .limit(_LIMIT)
            )
            found += [
                (
                    Violation("each event posts at most once", f"event {e} has {n} {what} rows"),
                    (kind, e),
                )
                for e, n in rows
            ]
        return found

    async def sourceless(self) -> Iterable[tuple[Violation, Key]]:
        rows = await self._rows(
            select(entries.c.sequence)
            .where(
                self._new(entries.c.sequence, "sourceless"),
                (entries.c.event_id == "") | (entries.c.topic == ""),
            )
            .limit(_LIMIT)
        )
        return [
            (
                Violation("every entry names its source", f"entry {s} names no source event"),
                ("sourceless", int(s)),
            )
            for (s,) in rows
        ]

    async def orphans(self) -> Iterable[tuple[Violation, Key]]:
        rows = await self._rows(
            select(lines.c.sequence)
            .outerjoin(entries, entries.c.sequence == lines.c.sequence)
            .where(self._new(lines.c.sequence, "orphan"), entries.c.sequence.is_(None))
            .distinct()
            .limit(_LIMIT)
        )
        return [
            (
                Violation("every entry names its source", f"lines of {s} belong to no entry"),
                ("orphan", int(s)),
            )
            for (s,) in rows
        ]
