"""`mercato events tail`: a topic's records as decoded JSON lines, from the real broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

from google.protobuf.wrappers_pb2 import Int64Value

from mercato_cli.events import resolve_topic
from mercato_kit.events import EventEnvelope
from tests.cli.support import create_topic, json_lines, mercato, produce, wishlist_event

MERCATO = [sys.executable, "-m", "mercato_cli"]


def test_an_aggregate_kind_names_its_topic_and_any_other_name_is_taken_as_it_is() -> None:
    assert resolve_topic("orders.order") == "mercato.orders.order"
    assert resolve_topic("orders.order.dlq") == "mercato.orders.order.dlq"
    assert resolve_topic("mercato.orders.order") == "mercato.orders.order"
    assert resolve_topic("test.some.topic") == "test.some.topic"


def test_each_record_is_printed_with_its_position_envelope_and_decoded_payload(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap_servers, unique_topic, partitions=3)
    created = wishlist_event("birthday", wishlist_id="w-1")
    added = wishlist_event("sku-9", wishlist_id="w-1", version=2)
    elsewhere = wishlist_event("holiday", wishlist_id="w-2")
    produce(kafka_bootstrap_servers, unique_topic, [created, added, elsewhere])

    lines = json_lines(
        mercato(kafka_bootstrap_servers, "events", "tail", unique_topic, "--from-beginning")
    )

    by_id = {line["event_id"]: line for line in lines}
    assert set(by_id) == {created.event_id, added.event_id, elsewhere.event_id}
    line = by_id[added.event_id]
    assert line["topic"] == unique_topic
    assert line["key"] == "w-1"
    assert line["offset"] == by_id[created.event_id]["offset"] + 1
    assert line["partition"] == by_id[created.event_id]["partition"]
    assert line["event_type"] == "mercato.example.v1.ItemAdded"
    assert line["aggregate_version"] == "2"
    assert line["correlation_id"] == added.correlation_id
    assert line["payload"] == {
        "@type": "type.googleapis.com/mercato.example.v1.ItemAdded",
        "sku": "sku-9",
        "quantity": 2,
    }
    assert line["headers"]["mercato-event-id"] == added.event_id


def test_an_unknown_payload_type_or_a_record_that_is_no_envelope_is_printed_not_fatal(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap_servers, unique_topic)
    future = EventEnvelope.new(
        Int64Value(value=7),
        aggregate_type="kit.example",
        aggregate_id="agg-1",
        aggregate_version=1,
        producer="tests",
    )
    future = replace(future, event_type="mercato.future.v9.Unheard")
    produce(kafka_bootstrap_servers, unique_topic, [future, b"\x08\x96\x01 garbage \xff", None])

    unknown, garbage, tombstone = json_lines(
        mercato(kafka_bootstrap_servers, "events", "tail", unique_topic, "--from-beginning")
    )

    assert unknown["event_id"] == future.event_id
    assert unknown["payload"]["@type"] == "type.googleapis.com/mercato.future.v9.Unheard"
    assert unknown["payload"]["value_base64"] == "CAc="
    assert garbage["error"].startswith("not an event envelope")
    assert garbage["key"] == "raw"
    assert garbage["value_base64"]
    assert "tombstone" in tombstone["error"]
    assert tombstone["value_base64"] is None


def test_records_are_filtered_by_key_and_type_and_stop_after_max(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap_servers, unique_topic, partitions=2)
    events = [
        wishlist_event("a", wishlist_id="w-1"),
        wishlist_event("sku-1", wishlist_id="w-1", version=2),
        wishlist_event("sku-2", wishlist_id="w-1", version=3),
        wishlist_event("b", wishlist_id="w-2"),
    ]
    produce(kafka_bootstrap_servers, unique_topic, events)
    tail = ["events", "tail", unique_topic, "--from-beginning"]

    by_key = json_lines(mercato(kafka_bootstrap_servers, *tail, "--key", "w-1"))
    by_type = json_lines(mercato(kafka_bootstrap_servers, *tail, "--type", "ItemAdded"))
    by_full_type = json_lines(
        mercato(kafka_bootstrap_servers, *tail, "--type", "mercato.example.v1.WishlistCreated")
    )
    first = json_lines(mercato(kafka_bootstrap_servers, *tail, "--key", "w-1", "--max", "1"))

    assert [line["event_id"] for line in by_key] == [e.event_id for e in events[:3]]
    assert [line["event_id"] for line in by_type] == [e.event_id for e in events[1:3]]
    assert {line["event_id"] for line in by_full_type} == {events[0].event_id, events[3].event_id}
    assert [line["event_id"] for line in first] == [events[0].event_id]


def test_without_from_beginning_the_last_records_of_each_partition_are_printed(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap_servers, unique_topic)
    events = [wishlist_event(f"sku-{i}", version=i + 2) for i in range(5)]
    produce(kafka_bootstrap_servers, unique_topic, events)

    lines = json_lines(
        mercato(kafka_bootstrap_servers, "events", "tail", unique_topic, "--last", "2")
    )

    assert [line["event_id"] for line in lines] == [e.event_id for e in events[3:]]


def test_following_prints_records_published_after_it_started(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    create_topic(kafka_bootstrap_servers, unique_topic)
    before = [wishlist_event("before"), wishlist_event("sku-1", version=2)]
    after = wishlist_event("sku-2", version=3)
    produce(kafka_bootstrap_servers, unique_topic, before)
    # A fresh process: it decodes payloads only if it registers every generated type itself.
    tail = subprocess.Popen(
        [*MERCATO, "events", "tail", unique_topic, "--from-beginning", "--follow", "--max", "3"],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert tail.stdout is not None
        printed = [json.loads(tail.stdout.readline()) for _ in before]
        produce(kafka_bootstrap_servers, unique_topic, [after])
        printed.append(json.loads(tail.stdout.readline()))
        assert tail.wait(timeout=120) == 0
    finally:
        tail.kill()
        tail.wait()

    assert [line["event_id"] for line in printed] == [e.event_id for e in [*before, after]]
    assert printed[2]["payload"]["sku"] == "sku-2"


def test_a_missing_topic_or_broker_address_is_named_without_a_stack_trace(
    kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    missing = mercato(kafka_bootstrap_servers, "events", "tail", unique_topic)
    unconfigured = mercato("", "events", "tail", unique_topic)

    assert missing.exit_code == 1
    assert f"topic '{unique_topic}' does not exist" in missing.output
    assert unconfigured.exit_code == 2
    assert "KAFKA_BOOTSTRAP_SERVERS is not set" in unconfigured.output
    assert "Traceback" not in missing.output + unconfigured.output
