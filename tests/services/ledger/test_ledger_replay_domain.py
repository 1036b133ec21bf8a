"""Comparing a rebuilt ledger with the live one, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

from mercato_kit.money import Money
from mercato_ledger.domain import Line, OrderFact, OrderMilestone, Source
from mercato_ledger.domain.replay import JournalSnapshot, first_difference

CLEARING, ESCROW = "asset:payment_clearing", "liability:escrow:o1"


def _source(event_id: str, offset: int, partition: int = 0) -> Source:
    return Source(event_id, "t", "topic", partition, offset, datetime(2026, 11, 1, tzinfo=UTC))


def _entry(event_id: str, offset: int, amount: int) -> tuple[str, tuple[Source, tuple[Line, ...]]]:
    lines = (Line(CLEARING, "CNY", amount), Line(ESCROW, "CNY", -amount))
    return event_id, (_source(event_id, offset), tuple(sorted(lines, key=lambda x: x.account)))


def _snapshot(*entries: tuple[str, tuple[Source, tuple[Line, ...]]]) -> JournalSnapshot:
    return JournalSnapshot(dict(entries), {})


END = {("topic", 0): 10}


def test_the_same_entries_in_another_order_are_identical() -> None:
    live = _snapshot(_entry("a", 0, 100), _entry("b", 1, 50))
    rebuilt = _snapshot(_entry("b", 1, 50), _entry("a", 0, 100))
    assert first_difference(live, rebuilt, END) is None


def test_an_altered_amount_names_the_first_account_and_its_event() -> None:
    live = _snapshot(_entry("a", 0, 100), _entry("b", 1, 51))
    rebuilt = _snapshot(_entry("a", 0, 100), _entry("b", 1, 50))
    difference = first_difference(live, rebuilt, END)
    assert difference is not None
    assert (difference.account, difference.live, difference.rebuilt) == (CLEARING, 151, 150)
    assert difference.event_id == "b"
    assert "different lines" in difference.detail


def test_an_entry_missing_from_the_live_ledger_is_named() -> None:
    live = _snapshot(_entry("a", 0, 100))
    rebuilt = _snapshot(_entry("a", 0, 100), _entry("b", 1, 50))
    difference = first_difference(live, rebuilt, END)
    assert difference is not None
    assert difference.event_id == "b"
    assert "rebuild only" in difference.detail


def test_live_entries_past_what_the_rebuild_read_do_not_count() -> None:
    live = _snapshot(_entry("a", 0, 100), _entry("late", 10, 7))
    rebuilt = _snapshot(_entry("a", 0, 100))
    assert first_difference(live, rebuilt, END) is None


def test_a_missing_order_milestone_is_a_difference() -> None:
    fact = OrderFact("o1", OrderMilestone.PAID, Money(minor_units=100, currency="CNY"))
    live = JournalSnapshot({}, {"m": (_source("m", 2), fact)})
    difference = first_difference(live, JournalSnapshot({}, {}), END)
    assert difference is not None
    assert (difference.account, difference.event_id) == ("", "m")
    assert "live ledger only" in difference.detail
