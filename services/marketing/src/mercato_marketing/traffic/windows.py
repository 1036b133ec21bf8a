"""The traffic windows as plain functions: what one tally does to one key's state.

No Kafka and no faust here (the agents in `app.py` only move bytes in and out), so every rule
is tested without a broker.

A key is what a flag names: `fingerprint:<fp>`, `publisher:<id>` or `campaign:<id>`. Its
state (`KeyState`) holds:

- its windows by start (epoch seconds, aligned to the window size): clicks, spend and, once
  flagged, which tally tipped it over; a window is kept while it ended less than `lateness`
  before the key's newest window started (clicks reach the worker out of order: the click
  topic's partitions are read at their own pace, and faster after a restart), so a late click
  still lands in its own window, a later one counts nowhere, and the state stays small;
- the last offset applied per source partition of the click topic: the worker is
  at-least-once (after a crash faust re-reads from its last commit, and the forwarding agent
  may send a click to the keyed topic twice), so a tally whose source offset is not above what
  the key already applied is not counted again; if it is the one that tipped a window over,
  its flag is raised again (the flag may have been lost in the crash; it is the same event);
- for a campaign, its daily cap (from CampaignLaunched) and its end.

Rules (event time: the click's `clicked_at`, never the time it is processed):

- fingerprint and publisher: every click (accepted or rejected) counts in the tumbling window
  of `flood_window` seconds it falls in; when the count first goes over the limit, one
  TrafficFlagged for that key and window (clicks = the count then, limit + 1).
- campaign pacing: accepted paid clicks add their cost to the tumbling window of
  `pacing_window` seconds; the allowance is daily cap x pacing_window / 1 day x pacing factor
  (minor units, rounded down); when the window's spend first goes over it, one flag of kind
  "campaign" (clicks = the window's paid clicks, limit = the allowance in minor units). A cap
  learnt after spend was counted checks the windows it has at once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

__all__ = [
    "CAMPAIGN",
    "FINGERPRINT",
    "PUBLISHER",
    "Cap",
    "Flag",
    "KeyState",
    "Outcome",
    "Rules",
    "SweepClock",
    "Tally",
    "apply_tally",
    "decode_state",
    "decode_tally",
    "encode_state",
    "encode_tally",
    "expired_keys",
    "pacing_allowance",
    "update",
    "window_start",
]

FINGERPRINT = "fingerprint"
PUBLISHER = "publisher"
CAMPAIGN = "campaign"

CLICK = "click"
SPEND = "spend"
CAP = "cap"

DAY = 86_400


@dataclass(frozen=True)
class Rules:
    """The windows' sizes (seconds) and limits."""

    flood_window: int = 60
    fingerprint_clicks: int = 20
    publisher_clicks: int = 1000
    pacing_window: int = 3600
    pacing_factor: float = 3.0
    lateness: int = 600

    def window_of(self, kind: str) -> int:
        return self.pacing_window if kind == CAMPAIGN else self.flood_window

    def click_limit(self, kind: str) -> int:
        return self.fingerprint_clicks if kind == FINGERPRINT else self.publisher_clicks


@dataclass(frozen=True)
class Tally:
    """One thing to count against one key: what the forwarding agents put on the keyed topic.

    `op` is "click" (a fingerprint's or publisher's click), "spend" (an accepted paid click
    against its campaign) or "cap" (a campaign's daily cap). `source`/`offset` name the record
    it came from (the dedup mark; -1 for caps, which are idempotent). The correlation fields
    carry the click's flow into the flag it may cause.
    """

    op: str
    key: str
    at: float
    source: int = -1
    offset: int = -1
    amount: int = 0
    currency: str = ""
    until: float = 0.0
    correlation_id: str = ""
    causation_id: str = ""
    traceparent: str = ""

    @property
    def kind(self) -> str:
        return self.key.partition(":")[0]


@dataclass
class Window:
    """One window of a key. `tip` is set once it is flagged: the source partition and offset
    of the tally that tipped it over (-1, -1 for a campaign's cap), and the flag's clicks and
    limit, so the same flag can be raised again when that tally is read again."""

    start: int
    clicks: int = 0
    spend: int = 0
    tip: tuple[int, int, int, int] | None = None

    @property
    def flagged(self) -> bool:
        return self.tip is not None


@dataclass(frozen=True)
class Cap:
    """A campaign's daily cap in minor units of `currency`, until `until` (0: open-ended)."""

    amount: int
    currency: str
    until: float = 0.0


@dataclass
class KeyState:
    """One key's windows, dedup marks and (a campaign's) cap; `partition` is the keyed topic's
    partition it lives in (the changelog partition its updates go to)."""

    partition: int = -1
    windows: dict[int, Window] = field(default_factory=dict)
    applied: dict[int, int] = field(default_factory=dict)
    cap: Cap | None = None

    def expires_at(self, rules: Rules, kind: str) -> float | None:
        """When a sweep may forget this key: a window past its newest one's end, or past the
        campaign's end; never (None) for an open-ended campaign's cap."""
        size = rules.window_of(kind)
        latest = max(self.windows, default=None)
        expiry = float(latest + size + rules.lateness) if latest is not None else 0.0
        if self.cap is not None:
            if not self.cap.until:
                return None
            expiry = max(expiry, self.cap.until + size)
        return expiry


@dataclass(frozen=True)
class Flag:
    """A key over its rate in one window: what becomes one TrafficFlagged."""

    kind: str
    key: str
    window_start: int
    window_end: int
    clicks: int
    limit: int
    at: float
    correlation_id: str = ""
    causation_id: str = ""
    traceparent: str = ""

    @property
    def aggregate_id(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Outcome:
    """What a tally did: the key's new state (None: nothing changed) and the flags it raised."""

    state: KeyState | None
    flags: tuple[Flag, ...] = ()


def window_start(at: float, size: int) -> int:
    """The start of the tumbling window of `size` seconds that `at` (epoch seconds) falls in."""
    return int(at // size) * size


def pacing_allowance(cap: Cap, rules: Rules) -> int:
    """What a campaign may spend in one pacing window: its daily cap's share of the window,
    times the pacing factor, in minor units rounded down."""
    factor = Fraction(str(rules.pacing_factor))
    return math.floor(Fraction(cap.amount) * rules.pacing_window / DAY * factor)


def apply_tally(state: KeyState | None, tally: Tally, partition: int, rules: Rules) -> Outcome:
    """Apply one tally to its key's state (None: a key not seen yet), on keyed partition
    `partition`. A tally its key applied already (same source, offset not above) changes
    nothing."""
    current = _copy(state) if state is not None else KeyState()
    current.partition = partition
    if tally.op == CAP:
        return _apply_cap(current, tally, rules)
    if tally.source >= 0:
        if tally.offset <= current.applied.get(tally.source, -1):
            return Outcome(None, tuple(_flags_tipped_by(current, tally, rules)))
        current.applied[tally.source] = tally.offset
    if tally.op == CLICK:
        return _apply_click(current, tally, rules)
    if tally.op == SPEND:
        return _apply_spend(current, tally, rules)
    raise ValueError(f"unknown tally op {tally.op!r}")


def update(
    value: list[Any] | None, tally: Tally, partition: int, rules: Rules
) -> tuple[list[Any] | None, tuple[Flag, ...]]:
    """`apply_tally` on a table value: the new value (None: leave the table as it is) and the
    flags to publish before writing it."""
    outcome = apply_tally(decode_state(value), tally, partition, rules)
    if outcome.state is None:
        return None, outcome.flags
    return encode_state(outcome.state, outcome.state.expires_at(rules, tally.kind)), outcome.flags


def _apply_click(state: KeyState, tally: Tally, rules: Rules) -> Outcome:
    kind, size = tally.kind, rules.flood_window
    window = _window(state, window_start(tally.at, size), size, rules.lateness)
    if window is None:
        return Outcome(state)
    window.clicks += 1
    limit = rules.click_limit(kind)
    flags: tuple[Flag, ...] = ()
    if not window.flagged and window.clicks > limit:
        flags = (_flag(tally, window, size, window.clicks, limit),)
    return Outcome(state, flags)


def _apply_spend(state: KeyState, tally: Tally, rules: Rules) -> Outcome:
    size = rules.pacing_window
    window = _window(state, window_start(tally.at, size), size, rules.lateness)
    if window is None:
        return Outcome(state)
    window.clicks += 1
    if state.cap is None or tally.currency == state.cap.currency:
        window.spend += tally.amount
    flags = tuple(_pacing_flags(state, tally, rules, [window]))
    return Outcome(state, flags)


def _apply_cap(state: KeyState, tally: Tally, rules: Rules) -> Outcome:
    cap = Cap(amount=tally.amount, currency=tally.currency, until=tally.until)
    if state.cap == cap:
        return Outcome(None, tuple(_flags_tipped_by(state, tally, rules)))
    state.cap = cap
    windows = sorted(state.windows.values(), key=lambda w: w.start)
    return Outcome(state, tuple(_pacing_flags(state, tally, rules, windows)))


def _pacing_flags(
    state: KeyState, tally: Tally, rules: Rules, windows: Iterable[Window]
) -> Iterable[Flag]:
    if state.cap is None or state.cap.amount <= 0:
        return
    allowance = pacing_allowance(state.cap, rules)
    for window in windows:
        if not window.flagged and window.spend > allowance:
            yield _flag(tally, window, rules.pacing_window, window.clicks, allowance)


def _window(state: KeyState, start: int, size: int, lateness: int) -> Window | None:
    """The key's window starting at `start`, opened when new; None for a click so late that
    its window is no longer kept (it counts nowhere)."""
    window = state.windows.get(start)
    if window is not None:
        return window
    newest = max(start, *state.windows) if state.windows else start
    oldest_kept = newest - lateness - size  # windows starting after it are kept
    if start <= oldest_kept:
        return None
    window = state.windows[start] = Window(start)
    for old in [s for s in state.windows if s <= oldest_kept]:
        del state.windows[old]
    return window


def _flags_tipped_by(state: KeyState, tally: Tally, rules: Rules) -> Iterable[Flag]:
    """The flags `tally` raised when it was first applied: raised again when it is read again.

    A tally is read again only after a crash or a rebalance, before its position was committed,
    and faust flushes what was sent before it commits; so the flag it raised may be lost, and
    it is published again (the same event: its id is fixed by key and window)."""
    size = rules.window_of(tally.kind)
    for window in sorted(state.windows.values(), key=lambda w: w.start):
        if window.tip is not None and window.tip[:2] == (tally.source, tally.offset):
            _, _, clicks, limit = window.tip
            yield _flag(tally, window, size, clicks, limit)


def _flag(tally: Tally, window: Window, size: int, clicks: int, limit: int) -> Flag:
    """The flag `tally` raises for `window` (marked as flagged, by this tally)."""
    window.tip = (tally.source, tally.offset, clicks, limit)
    kind, _, key = tally.key.partition(":")
    return Flag(
        kind=kind,
        key=key,
        window_start=window.start,
        window_end=window.start + size,
        clicks=clicks,
        limit=limit,
        at=tally.at,
        correlation_id=tally.correlation_id,
        causation_id=tally.causation_id,
        traceparent=tally.traceparent,
    )


def _copy(state: KeyState) -> KeyState:
    return KeyState(
        partition=state.partition,
        windows={start: replace(window) for start, window in state.windows.items()},
        applied=dict(state.applied),
        cap=state.cap,
    )


# -- the keyed topic's records (bytes) and the table's values (JSON-native) --------------


def encode_tally(tally: Tally) -> bytes:
    return json.dumps(
        [
            tally.op,
            tally.key,
            tally.at,
            tally.source,
            tally.offset,
            tally.amount,
            tally.currency,
            tally.until,
            tally.correlation_id,
            tally.causation_id,
            tally.traceparent,
        ],
        separators=(",", ":"),
    ).encode()


def decode_tally(data: bytes) -> Tally:
    """A keyed record's tally; ValueError for anything else."""
    try:
        op, key, at, source, offset, amount, currency, until, corr, cause, trace = json.loads(data)
        return Tally(
            op=str(op),
            key=str(key),
            at=float(at),
            source=int(source),
            offset=int(offset),
            amount=int(amount),
            currency=str(currency),
            until=float(until),
            correlation_id=str(corr),
            causation_id=str(cause),
            traceparent=str(trace),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a traffic tally: {data[:80]!r}") from exc


def encode_state(state: KeyState, expires_at: float | None) -> list[Any]:
    """The table value: JSON-native lists only (no tuples, no dicts with int keys), so a state
    recovered from the changelog is equal to the one written. First the partition and the
    expiry (None: never), which sweeps read without decoding the rest."""
    return [
        state.partition,
        expires_at,
        [
            [w.start, w.clicks, w.spend, list(w.tip) if w.tip else None]
            for w in state.windows.values()
        ],
        [[source, offset] for source, offset in state.applied.items()],
        [state.cap.amount, state.cap.currency, state.cap.until] if state.cap else None,
    ]


def decode_state(value: list[Any] | None) -> KeyState | None:
    if value is None:
        return None
    partition, _, windows, applied, cap = value
    return KeyState(
        partition=int(partition),
        windows={
            int(start): Window(
                int(start),
                int(clicks),
                int(spend),
                (int(tip[0]), int(tip[1]), int(tip[2]), int(tip[3])) if tip else None,
            )
            for start, clicks, spend, tip in windows
        },
        applied={int(source): int(offset) for source, offset in applied},
        cap=Cap(int(cap[0]), str(cap[1]), float(cap[2])) if cap else None,
    )


# -- forgetting keys that went quiet ----------------------------------------------------------


def expired_keys(items: Iterable[tuple[str, list[Any]]], partition: int, now: float) -> list[str]:
    """The keys of `partition` whose state expired before `now`."""
    return [
        key
        for key, (owner, expires, *_) in items
        if owner == partition and expires is not None and expires < now
    ]


@dataclass
class SweepClock:
    """When a keyed partition is due for a sweep: every `every` seconds of wall-clock time,
    against the partition's stream time (the newest event time seen, never ahead of the wall
    clock, so a click stamped in the future cannot expire live keys)."""

    every: float
    _stream_time: dict[int, float] = field(default_factory=dict)
    _last_sweep: dict[int, float] = field(default_factory=dict)

    def due(self, partition: int, at: float, wall: float) -> float | None:
        """Note an event at `at` on `partition`; the sweep's 'now' when one is due."""
        stream_time = max(self._stream_time.get(partition, 0.0), min(at, wall))
        self._stream_time[partition] = stream_time
        last = self._last_sweep.setdefault(partition, wall)
        if wall - last < self.every:
            return None
        self._last_sweep[partition] = wall
        return stream_time
