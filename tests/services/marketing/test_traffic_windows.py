"""The traffic worker's rules without a broker: windows, limits, pacing, dedup of redelivered
clicks, the state's bytes, sweeps, and the events in and out (deterministic flag ids)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from mercato.marketing.v1 import events_pb2
from mercato_kit.events import EventEnvelope
from mercato_kit.protobuf import timestamp_message
from mercato_marketing.traffic.facts import (
    campaign_tallies,
    click_tallies,
    flag_event_id,
    flag_record,
)
from mercato_marketing.traffic.windows import (
    Cap,
    Flag,
    KeyState,
    Rules,
    SweepClock,
    Tally,
    apply_tally,
    decode_state,
    decode_tally,
    encode_state,
    encode_tally,
    expired_keys,
    pacing_allowance,
    window_start,
)

RULES = Rules(flood_window=60, fingerprint_clicks=5, publisher_clicks=8, pacing_window=3600)
T0 = 1_800_000_000.0  # a window boundary for 60 s and 3600 s windows
assert T0 % 3600 == 0


def click(key: str, at: float, offset: int, source: int = 0) -> Tally:
    return Tally(op="click", key=key, at=at, source=source, offset=offset)


def run(tallies: list[Tally], state: KeyState | None = None) -> tuple[KeyState | None, list[Flag]]:
    flags: list[Flag] = []
    for tally in tallies:
        outcome = apply_tally(state, tally, 0, RULES)
        flags.extend(outcome.flags)
        if outcome.state is not None:
            state = outcome.state
    return state, flags


def test_window_start_aligns_to_the_size() -> None:
    assert window_start(T0, 60) == T0
    assert window_start(T0 + 59.999, 60) == T0
    assert window_start(T0 + 60, 60) == T0 + 60
    assert window_start(T0 - 0.5, 60) == T0 - 60


def test_a_fingerprint_is_flagged_once_when_it_first_goes_over_its_limit() -> None:
    state, flags = run([click("fingerprint:fp", T0 + i, offset=i) for i in range(12)])
    assert len(flags) == 1
    flag = flags[0]
    assert (flag.kind, flag.key, flag.clicks, flag.limit) == ("fingerprint", "fp", 6, 5)
    assert (flag.window_start, flag.window_end) == (T0, T0 + 60)
    assert flag.at == T0 + 5  # the sixth click's time
    assert state is not None
    assert state.windows[int(T0)].clicks == 12


def test_at_the_limit_nothing_is_flagged_and_each_window_counts_apart() -> None:
    # Five in one window, five in the next: never over five in one window.
    tallies = [click("fingerprint:fp", T0 + 50 + i * 2, offset=i) for i in range(10)]
    state, flags = run(tallies)
    assert flags == []
    assert state is not None
    assert {start: w.clicks for start, w in state.windows.items()} == {T0: 5, T0 + 60: 5}


def test_a_publisher_has_its_own_limit() -> None:
    _, flags = run([click("publisher:pub", T0 + i, offset=i) for i in range(9)])
    assert [(f.kind, f.key, f.clicks, f.limit) for f in flags] == [("publisher", "pub", 9, 8)]


def test_the_next_window_of_a_flagged_key_can_be_flagged_again() -> None:
    first = [click("fingerprint:fp", T0 + i, offset=i) for i in range(6)]
    second = [click("fingerprint:fp", T0 + 60 + i, offset=10 + i) for i in range(6)]
    _, flags = run(first + second)
    assert [f.window_start for f in flags] == [T0, T0 + 60]


def test_a_redelivered_click_is_not_counted_again() -> None:
    once = [click("fingerprint:fp", T0 + i, offset=i) for i in range(5)]
    state, flags = run(once)
    # faust reads again from its last commit: the same source offsets come back.
    state, flags = run(once + once[2:], state)
    assert flags == []
    assert state is not None
    assert state.windows[int(T0)].clicks == 5
    # Another partition's offsets are its own.
    state, flags = run([click("fingerprint:fp", T0 + 7, offset=0, source=1)], state)
    assert [f.clicks for f in flags] == [6]


def test_the_tally_that_tipped_a_window_raises_its_flag_again_when_read_again() -> None:
    """After a crash the flag may be lost while its tally was not committed: reading that
    tally again raises the same flag (same key, window, clicks), and nothing else does."""
    tallies = [click("fingerprint:fp", T0 + i, offset=i) for i in range(8)]
    state, flags = run(tallies)
    assert state is not None
    [flag] = flags
    again = apply_tally(state, tallies[5], 0, RULES)
    assert again.state is None
    assert again.flags == (flag,)
    for other in (tallies[4], tallies[6], tallies[7]):
        assert apply_tally(state, other, 0, RULES) == apply_tally(state, other, 0, RULES)
        assert apply_tally(state, other, 0, RULES).flags == ()
    # Also from the state as recovered from the changelog.
    recovered = decode_state(json.loads(json.dumps(encode_state(state, None))))
    assert apply_tally(recovered, tallies[5], 0, RULES).flags == (flag,)


def test_a_cap_read_again_raises_the_pacing_flags_it_raised_again() -> None:
    state, _ = run([spend(T0 + i, offset=i) for i in range(4)])
    state, [flag] = run([cap()], state)
    assert state is not None
    assert apply_tally(state, cap(), 0, RULES).flags == (flag,)


def test_an_already_applied_tally_changes_nothing() -> None:
    state, _ = run([click("fingerprint:fp", T0, offset=3)])
    assert apply_tally(state, click("fingerprint:fp", T0, offset=3), 0, RULES).state is None
    assert apply_tally(state, click("fingerprint:fp", T0, offset=2), 0, RULES).state is None


def test_windows_are_kept_for_late_clicks_and_a_click_later_than_that_counts_nowhere() -> None:
    rules = Rules(flood_window=60, fingerprint_clicks=5, lateness=120)

    def apply(state: KeyState | None, tally: Tally) -> KeyState:
        outcome = apply_tally(state, tally, 0, rules)
        assert outcome.state is not None
        return outcome.state

    state = None
    for i in range(6):
        state = apply(state, click("fingerprint:fp", T0 + 60 * i, offset=i))
    assert state is not None
    # The newest starts at T0 + 300: windows that ended 120 s before it or less are kept.
    assert sorted(state.windows) == [T0 + 180, T0 + 240, T0 + 300]
    late = apply(state, click("fingerprint:fp", T0 + 130, offset=9))
    assert sorted(late.windows) == [T0 + 180, T0 + 240, T0 + 300]
    assert late.applied[0] == 9
    later = apply(late, click("fingerprint:fp", T0 + 200, offset=10))
    assert later.windows[int(T0 + 180)].clicks == 2
    assert later.expires_at(rules, "fingerprint") == T0 + 300 + 60 + 120


def test_pacing_allowance_is_the_caps_share_of_the_window_times_the_factor() -> None:
    cap = Cap(amount=2400, currency="CNY")
    assert pacing_allowance(cap, RULES) == 300  # 2400 / 24 x 3
    assert pacing_allowance(cap, Rules(pacing_window=600, pacing_factor=1.5)) == 25
    assert pacing_allowance(Cap(amount=1, currency="CNY"), RULES) == 0


def spend(at: float, offset: int, amount: int = 100, currency: str = "CNY") -> Tally:
    return Tally(
        op="spend",
        key="campaign:c1",
        at=at,
        source=0,
        offset=offset,
        amount=amount,
        currency=currency,
    )


def cap(amount: int = 2400, currency: str = "CNY", until: float = 0.0) -> Tally:
    return Tally(op="cap", key="campaign:c1", at=T0, amount=amount, currency=currency, until=until)


def test_a_campaign_spending_faster_than_its_pace_is_flagged_until_the_window_ends() -> None:
    _, flags = run([cap(), *[spend(T0 + i, offset=i) for i in range(6)]])
    assert [(f.kind, f.key, f.clicks, f.limit) for f in flags] == [("campaign", "c1", 4, 300)]
    assert (flags[0].window_start, flags[0].window_end) == (T0, T0 + 3600)


def test_spend_before_the_cap_is_known_is_checked_when_the_cap_arrives() -> None:
    state, flags = run([spend(T0 + i, offset=i) for i in range(4)])
    assert flags == []
    assert state is not None
    assert state.windows[int(T0)].spend == 400
    state, flags = run([cap()], state)
    assert [(f.clicks, f.limit) for f in flags] == [(4, 300)]
    # The same cap again changes nothing (and flags nothing again).
    assert apply_tally(state, cap(), 0, RULES).state is None


def test_spend_in_another_currency_than_the_cap_does_not_count() -> None:
    _, flags = run([cap(), *[spend(T0 + i, offset=i, currency="EUR") for i in range(6)]])
    assert flags == []


def test_a_campaign_without_a_daily_cap_is_never_paced() -> None:
    _, flags = run([cap(amount=0), *[spend(T0 + i, offset=i) for i in range(50)]])
    assert flags == []


def test_the_state_round_trips_through_its_bytes() -> None:
    state, _ = run([cap(until=T0 + 7200), spend(T0, offset=4), spend(T0 + 3600, offset=9)])
    assert state is not None
    value = encode_state(state, 123.5)
    # What faust's changelog does to it (JSON), and what recovery gives back.
    assert decode_state(json.loads(json.dumps(value))) == state
    assert json.loads(json.dumps(value)) == value
    assert decode_state(None) is None
    tally = Tally(
        op="spend",
        key="campaign:c1",
        at=T0 + 0.25,
        source=2,
        offset=7,
        amount=100,
        currency="CNY",
        until=0.0,
        correlation_id="corr",
        causation_id="cause",
        traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01",
    )
    assert decode_tally(encode_tally(tally)) == tally
    with pytest.raises(ValueError, match="not a traffic tally"):
        decode_tally(b"[1, 2]")


def test_expiry_and_sweeps() -> None:
    clicks, _ = run([click("fingerprint:fp", T0, offset=0)])
    assert clicks is not None
    assert clicks.expires_at(RULES, "fingerprint") == T0 + 60 + 600
    open_ended, _ = run([cap()])
    assert open_ended is not None
    assert open_ended.expires_at(RULES, "campaign") is None
    ending, _ = run([cap(until=T0 + 7200)])
    assert ending is not None
    assert ending.expires_at(RULES, "campaign") == T0 + 7200 + 3600  # the cap's end

    items = [
        ("fingerprint:old", encode_state(KeyState(partition=1), T0)),
        ("fingerprint:new", encode_state(KeyState(partition=1), T0 + 500)),
        ("fingerprint:other", encode_state(KeyState(partition=2), T0)),
        ("campaign:forever", encode_state(KeyState(partition=1), None)),
    ]
    assert expired_keys(items, 1, T0 + 1) == ["fingerprint:old"]

    clock = SweepClock(every=60)
    assert clock.due(1, T0, wall=T0 + 5) is None  # the first event starts the clock
    assert clock.due(1, T0 + 30, wall=T0 + 30) is None
    assert clock.due(1, T0 + 10**6, wall=T0 + 70) == T0 + 70  # never ahead of the wall clock
    assert clock.due(2, T0, wall=T0 + 70) is None  # partitions sweep apart


def envelope(payload: events_pb2.AdClicked | events_pb2.ClickRejected, click_id: str) -> bytes:
    return EventEnvelope.new(
        payload,
        aggregate_type="marketing.click",
        aggregate_id=click_id,
        aggregate_version=1,
        producer="marketing",
    ).to_bytes()


AT = datetime(2027, 1, 15, 10, 30, 15, tzinfo=UTC)


def test_an_accepted_paid_click_counts_for_its_fingerprint_publisher_and_campaign() -> None:
    accepted = events_pb2.AdClicked(
        campaign_id="c1",
        publisher_id="pub",
        fingerprint="fp",
        pricing=1,
        clicked_at=timestamp_message(AT),
    )
    accepted.cost.currency, accepted.cost.minor_units = "CNY", 120
    tallies = click_tallies(envelope(accepted, "click-1"), 2, 41)
    assert [(t.op, t.key, t.amount) for t in tallies] == [
        ("click", "fingerprint:fp", 0),
        ("click", "publisher:pub", 0),
        ("spend", "campaign:c1", 120),
    ]
    assert {(t.at, t.source, t.offset) for t in tallies} == {(AT.timestamp(), 2, 41)}


def test_a_rejected_click_counts_for_its_keys_but_spends_nothing() -> None:
    rejected = events_pb2.ClickRejected(
        campaign_id="c1", publisher_id="pub", fingerprint="", clicked_at=timestamp_message(AT)
    )
    tallies = click_tallies(envelope(rejected, "click-2"), 0, 1)
    assert [(t.op, t.key) for t in tallies] == [("click", "publisher:pub")]


def test_other_events_count_nothing_and_a_launch_brings_its_daily_cap() -> None:
    launched = events_pb2.CampaignLaunched(ends_at=timestamp_message(AT))
    launched.daily_cap.currency, launched.daily_cap.minor_units = "CNY", 2400
    data = EventEnvelope.new(
        launched,
        aggregate_type="marketing.campaign",
        aggregate_id="c9",
        aggregate_version=1,
        producer="marketing",
    ).to_bytes()
    assert click_tallies(data, 0, 0) == []
    [tally] = campaign_tallies(data)
    assert (tally.op, tally.key, tally.amount, tally.currency) == (
        "cap",
        "campaign:c9",
        2400,
        "CNY",
    )
    assert tally.until == AT.timestamp()


def test_a_flag_is_an_envelope_with_an_event_id_fixed_by_its_key_and_window() -> None:
    flag = Flag(
        kind="fingerprint",
        key="fp",
        window_start=int(T0),
        window_end=int(T0) + 60,
        clicks=6,
        limit=5,
        at=T0 + 5,
        correlation_id=str(uuid.uuid4()),
        causation_id="click-event",
    )
    record = flag_record(flag, "mercato.marketing.traffic")
    again = flag_record(flag, "mercato.marketing.traffic")
    assert record.key == b"fingerprint:fp"
    published = EventEnvelope.from_bytes(record.value)
    assert published.event_id == EventEnvelope.from_bytes(again.value).event_id
    assert published.event_id == flag_event_id("fingerprint", "fp", int(T0))
    assert published.event_id != flag_event_id("fingerprint", "fp", int(T0) + 60)
    assert published.event_id != flag_event_id("publisher", "fp", int(T0))
    assert uuid.UUID(published.event_id).version == 5
    assert record.header("mercato-event-id") == published.event_id.encode()
    assert (published.aggregate_type, published.aggregate_id) == (
        "marketing.traffic",
        "fingerprint:fp",
    )
    assert published.producer == "marketing-traffic"
    assert (published.correlation_id, published.causation_id) == (
        flag.correlation_id,
        "click-event",
    )
    payload = published.unpack(events_pb2.TrafficFlagged)
    assert (payload.kind, payload.key, payload.clicks, payload.limit) == ("fingerprint", "fp", 6, 5)
    assert payload.window_start.ToSeconds() == T0
    assert payload.window_end.ToSeconds() == T0 + 60
