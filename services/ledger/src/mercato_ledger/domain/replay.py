"""Comparing a rebuilt ledger with the live one.

Kafka delivers partitions in no fixed order, so two ledgers built from the same log number
their entries differently and their hash chains differ; what must be equal is every account's
balance and the set of entries keyed by source event id (each with the same lines), and the
orders' milestones. The live ledger is compared up to the log positions the rebuild read to,
so events that arrived since do not count as differences.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from mercato_ledger.domain.facts import OrderFact
from mercato_ledger.domain.journal import Line, Source

__all__ = ["Difference", "JournalSnapshot", "first_difference"]

LogEnd = Mapping[tuple[str, int], int]
"""(topic, partition) -> the offset a rebuild read up to (exclusive)."""


@dataclass(frozen=True)
class JournalSnapshot:
    """Everything a replay compares: entries and milestones keyed by source event id."""

    entries: dict[str, tuple[Source, tuple[Line, ...]]]
    milestones: dict[str, tuple[Source, OrderFact]]

    def up_to(self, end: LogEnd) -> JournalSnapshot:
        def before(source: Source) -> bool:
            limit = end.get((source.topic, source.partition))
            return limit is None or source.offset < limit

        return JournalSnapshot(
            {k: v for k, v in self.entries.items() if before(v[0])},
            {k: v for k, v in self.milestones.items() if before(v[0])},
        )

    def balances(self) -> dict[tuple[str, str], int]:
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for _, lines in self.entries.values():
            for line in lines:
                totals[(line.account, line.currency)] += line.amount
        return dict(totals)


@dataclass(frozen=True)
class Difference:
    """Where the ledgers part: an account (or "" for a milestone), and the event behind it."""

    account: str
    currency: str
    live: int
    rebuilt: int
    event_id: str
    detail: str


def _where(source: Source) -> tuple[object, ...]:
    return (source.occurred_at, source.topic, source.partition, source.offset)


def _event_difference(
    live: JournalSnapshot, rebuilt: JournalSnapshot, account: str | None
) -> tuple[str, str] | None:
    """The earliest event whose entry differs (touching `account`, if given)."""
    suspects = []
    for event_id in live.entries.keys() | rebuilt.entries.keys():
        mine, theirs = live.entries.get(event_id), rebuilt.entries.get(event_id)
        if mine is not None and theirs is not None and mine[1] == theirs[1]:
            continue
        legs = (mine[1] if mine else ()) + (theirs[1] if theirs else ())
        if account is not None and all(line.account != account for line in legs):
            continue
        source = mine[0] if mine is not None else theirs[0] if theirs is not None else None
        assert source is not None
        if mine is None:
            what = "posted by the rebuild only"
        elif theirs is None:
            what = "posted by the live ledger only"
        else:
            what = "posted with different lines"
        suspects.append((_where(source), event_id, f"{source.event_type} {what}"))
    if not suspects:
        return None
    _, event_id, what = min(suspects)
    return event_id, what


def first_difference(
    live: JournalSnapshot, rebuilt: JournalSnapshot, end: LogEnd
) -> Difference | None:
    """None when the ledgers agree up to `end`; else the first differing account (by name)
    and the event that caused it."""
    live = live.up_to(end)
    mine, theirs = live.balances(), rebuilt.balances()
    for account, currency in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get((account, currency), 0), theirs.get((account, currency), 0)
        if a != b:
            found = _event_difference(live, rebuilt, account)
            event_id, what = found or ("", "no single entry explains it")
            return Difference(account, currency, a, b, event_id, what)
    found = _event_difference(live, rebuilt, None)
    if found is not None:
        return Difference("", "", 0, 0, found[0], found[1])
    for event_id in sorted(live.milestones.keys() ^ rebuilt.milestones.keys()):
        side = "live ledger" if event_id in live.milestones else "rebuild"
        fact = (live.milestones.get(event_id) or rebuilt.milestones[event_id])[1]
        return Difference(
            "", "", 0, 0, event_id, f"order {fact.order_id} {fact.milestone} in the {side} only"
        )
    return None
