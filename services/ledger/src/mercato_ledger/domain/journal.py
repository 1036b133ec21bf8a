"""Journal entries: balanced lines naming their source event, chained by hash.

An entry's hash is sha256 over a canonical encoding (compact JSON, sorted keys) of its
sequence, the previous entry's hash, its source and its lines; the first entry's previous hash
is GENESIS. Altering any stored field of any entry breaks the chain at that entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _string

__all__ = [
    "GENESIS",
    "JournalEntry",
    "Line",
    "Posting",
    "Source",
    "UnbalancedEntry",
    "canonical_entry",
    "entry_hash",
    "imbalances",
]

GENESIS = "0" * 64


class UnbalancedEntry(ValueError):
    """Lines whose debits and credits differ in some currency (a bug or a bad event)."""


@dataclass(frozen=True)
class Line:
    """One leg of an entry: a debit (positive) or credit (negative) in minor units."""

    account: str
    currency: str
    amount: int


@dataclass(frozen=True)
class Source:
    """The event an entry comes from, and the record that carried it."""

    event_id: str
    event_type: str
    topic: str
    partition: int
    offset: int
    occurred_at: datetime


@dataclass(frozen=True)
class Posting:
    """An entry before it is journaled: a source and its balanced lines."""

    source: Source
    lines: tuple[Line, ...]

    def __post_init__(self) -> None:
        if not self.source.event_id:
            raise UnbalancedEntry("an entry must name its source event")
        wrong = imbalances(self.lines)
        if wrong:
            raise UnbalancedEntry(
                f"entry for {self.source.event_id} does not balance: "
                + ", ".join(f"{c} {s:+d}" for c, s in sorted(wrong.items()))
            )


@dataclass(frozen=True)
class JournalEntry:
    """A journaled posting: its sequence in the journal and its link in the hash chain."""

    sequence: int
    source: Source
    lines: tuple[Line, ...]
    previous_hash: str
    hash: str

    @classmethod
    def chain(cls, posting: Posting, sequence: int, previous_hash: str) -> JournalEntry:
        digest = entry_hash(sequence, previous_hash, posting.source, posting.lines)
        return cls(sequence, posting.source, posting.lines, previous_hash, digest)


def imbalances(lines: tuple[Line, ...] | list[Line]) -> dict[str, int]:
    """Currency -> non-zero sum of the lines in it (empty when balanced)."""
    sums: dict[str, int] = {}
    for line in lines:
        sums[line.currency] = sums.get(line.currency, 0) + line.amount
    return {currency: total for currency, total in sums.items() if total}


def entry_hash(
    sequence: int, previous_hash: str, source: Source, lines: tuple[Line, ...] | list[Line]
) -> str:
    return hashlib.sha256(canonical_entry(sequence, previous_hash, source, lines)).hexdigest()


def canonical_entry(
    sequence: int, previous_hash: str, source: Source, lines: tuple[Line, ...] | list[Line]
) -> bytes:
    """The bytes an entry's hash covers: `json.dumps(canonical, sort_keys=True,
    separators=(",", ":"), ensure_ascii=True)` of

        {"sequence": .., "previous_hash": .., "source": {"event_id": .., "event_type": ..,
         "topic": .., "partition": .., "offset": .., "occurred_at": <UTC ISO, microseconds>},
         "lines": [[account, currency, amount], ..]}

    spelled out with its keys in sorted order and each string escaped by the json module's
    own encoder: the same bytes without building and sorting the dicts (a replay hashes every
    entry; tests/services/ledger compare the two over many entries)."""
    legs = ",".join(
        f"[{_string(line.account)},{_string(line.currency)},{int(line.amount)}]" for line in lines
    )
    occurred = source.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return (
        f'{{"lines":[{legs}],"previous_hash":{_string(previous_hash)},'
        f'"sequence":{int(sequence)},"source":{{"event_id":{_string(source.event_id)},'
        f'"event_type":{_string(source.event_type)},"occurred_at":{_string(occurred)},'
        f'"offset":{int(source.offset)},"partition":{int(source.partition)},'
        f'"topic":{_string(source.topic)}}}}}'
    ).encode()
