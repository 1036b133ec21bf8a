"""The hash chain's canonical encoding: the bytes spelled out by `canonical_entry` are exactly
the sorted-keys compact JSON the chain was defined by, so every hash already stored holds."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta, timezone

from mercato_ledger.domain import GENESIS, Line, Source
from mercato_ledger.domain.journal import canonical_entry, entry_hash

# Quotes, backslashes, control characters, non-ASCII and beyond the BMP: what JSON escapes.
_ALPHABET = 'ab:_-/ 0"\\\n\t\x00\x1f\x7fé€中\u2028\U0001f600'


def _reference(sequence: int, previous_hash: str, source: Source, lines: list[Line]) -> bytes:
    """The definition of the chain's encoding (the code that wrote the first hashes)."""
    canonical = {
        "sequence": sequence,
        "previous_hash": previous_hash,
        "source": {
            "event_id": source.event_id,
            "event_type": source.event_type,
            "topic": source.topic,
            "partition": source.partition,
            "offset": source.offset,
            "occurred_at": source.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        },
        "lines": [[line.account, line.currency, line.amount] for line in lines],
    }
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(0, 12)))


def _moment(rng: random.Random) -> datetime:
    zone = timezone(timedelta(minutes=rng.randrange(-12 * 60, 14 * 60, 15)))
    micros = rng.randrange(0, 2**62 // 1000)
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)).astimezone(zone)


def test_the_spelled_out_encoding_is_the_sorted_json_byte_for_byte() -> None:
    rng = random.Random(20261207)
    previous = GENESIS
    for sequence in range(1, 5001):
        source = Source(
            _text(rng) or "e",
            _text(rng),
            _text(rng),
            rng.randrange(0, 2**31),
            rng.randrange(0, 2**63),
            _moment(rng),
        )
        lines = [
            Line(_text(rng), _text(rng), rng.randrange(-(2**63), 2**63))
            for _ in range(rng.randrange(0, 5))
        ]
        expected = _reference(sequence, previous, source, lines)
        assert canonical_entry(sequence, previous, source, lines) == expected
        digest = entry_hash(sequence, previous, source, lines)
        assert digest == hashlib.sha256(expected).hexdigest()
        previous = digest


def test_an_ordinary_entry_hashes_as_it_always_has() -> None:
    source = Source(
        "0f8b3f0e-3c1e-4b53-9d8e-2f7f6d0c9a11",
        "mercato.payments.v1.PaymentCaptured",
        "payments.events",
        2,
        417,
        datetime(2026, 12, 7, 6, 14, 27, 123456, tzinfo=UTC),
    )
    lines = [
        Line("asset:payment_clearing", "CNY", 1999),
        Line("liability:escrow:o-1", "CNY", -1999),
    ]
    assert canonical_entry(1, GENESIS, source, lines) == _reference(1, GENESIS, source, lines)
    assert (
        entry_hash(1, GENESIS, source, lines)
        == hashlib.sha256(_reference(1, GENESIS, source, lines)).hexdigest()
    )
