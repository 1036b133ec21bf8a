"""What an audit reports: "as of" points, invariant violations, and the hash chain's check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mercato_ledger.domain.journal import GENESIS, JournalEntry, entry_hash

__all__ = ["NOW", "AsOf", "BrokenLink", "Violation", "first_broken_link"]


@dataclass(frozen=True)
class AsOf:
    """A point of the ledger's history: entries up to journal `sequence` (inclusive) and/or whose
    source event occurred at or before `time`; neither means now."""

    time: datetime | None = None
    sequence: int | None = None

    @property
    def is_now(self) -> bool:
        return self.time is None and self.sequence is None


NOW = AsOf()


@dataclass(frozen=True)
class Violation:
    """An invariant that does not hold: which one, and where."""

    invariant: str
    detail: str


@dataclass(frozen=True)
class BrokenLink:
    """The first journal entry whose link in the hash chain does not hold."""

    sequence: int
    event_id: str
    reason: str


def first_broken_link(
    entries: Iterable[JournalEntry], after: JournalEntry | None = None
) -> BrokenLink | None:
    """Walk `entries` in sequence order (continuing from `after`); the first broken link."""
    expected_sequence = 1 if after is None else after.sequence + 1
    expected_previous = GENESIS if after is None else after.hash
    for entry in entries:
        if entry.sequence != expected_sequence:
            return BrokenLink(
                entry.sequence, entry.source.event_id, f"expected sequence {expected_sequence}"
            )
        if entry.previous_hash != expected_previous:
            return BrokenLink(
                entry.sequence, entry.source.event_id, "previous hash differs from the entry before"
            )
        if entry_hash(entry.sequence, entry.previous_hash, entry.source, entry.lines) != entry.hash:
            return BrokenLink(
                entry.sequence, entry.source.event_id, "contents do not match the entry's hash"
            )
        expected_sequence, expected_previous = entry.sequence + 1, entry.hash
    return None
