"""Identifiers the kit makes: UUIDv7 ids, W3C traceparents."""

from __future__ import annotations

import time
import uuid

import uuid6

from mercato_kit.context import new_traceparent, parse_traceparent
from mercato_kit.ids import new_id


def test_a_new_id_is_a_canonical_uuid7_stamped_with_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000

    parsed = uuid.UUID(made)
    assert str(parsed) == made
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    # A clock read within this test, or one past the last id made (ids never go backwards).
    assert before <= uuid6.UUID(made).time <= after + 10_000


def test_ids_made_in_a_row_are_unique_and_sort_in_the_order_they_were_made() -> None:
    made = [new_id() for _ in range(20_000)]

    assert len(set(made)) == len(made)
    assert sorted(made) == made
    assert len({value[15:] for value in made}) == len(made)  # random beyond the timestamp


def test_a_new_traceparent_is_valid_and_continues_a_given_trace_with_a_new_span() -> None:
    fresh = [new_traceparent() for _ in range(1_000)]
    trace_id = parse_traceparent(fresh[0])
    child = new_traceparent(trace_id)

    assert all(parse_traceparent(value) is not None for value in fresh)
    assert len({parse_traceparent(value) for value in fresh}) == len(fresh)
    assert len({value.split("-")[2] for value in fresh}) == len(fresh)
    assert child.startswith(f"00-{trace_id}-")
    assert child.endswith("-01")
    assert child.split("-")[2] != fresh[0].split("-")[2]
