"""`mercato dlq list|redrive` against dead letters a real idempotent consumer wrote."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from mercato.events.v1 import envelope_pb2
from mercato_kit.consumer import IdempotentConsumer
from mercato_kit.events import EventEnvelope, KafkaRecord, dlq_topic
from mercato_kit.storage import Database
from tests.cli.support import create_topic, json_lines, mercato, produce, records_of
from tests.kit.consumer.consumer_app import KAFKA_OPTIONS, record_effect
from tests.kit.consumer.support import (
    Reader,
    envelope,
    prepare,
    produce_envelopes,
    running,
    wait_until,
)


def _consumer(
    database: Database, bootstrap: str, name: str, topic: str, broken: Collection[str]
) -> IdempotentConsumer:
    return IdempotentConsumer(
        database,
        bootstrap,
        name=name,
        topics=[topic],
        handler=record_effect(name[:32], fail_for=broken),
        max_attempts=1,
        retry_backoff=0.05,
        kafka_options=KAFKA_OPTIONS,
    )


async def _run_until(
    database: Database,
    reader: Reader,
    bootstrap: str,
    topic: str,
    names: list[str],
    offset: int,
    broken: Collection[str] = (),
) -> None:
    """Run one consumer per name until each has gone past `offset - 1`, then stop them."""
    consumers = [_consumer(database, bootstrap, name, topic, broken) for name in names]

    async def caught_up() -> bool:
        return all([await reader.position_sum(name) >= offset for name in names])

    async with running(*consumers) as alive:
        await wait_until(caught_up, f"{names} at offset {offset}", alive=alive)


async def test_a_poison_event_is_listed_redriven_once_and_applied_once_its_cause_is_fixed(
    kafka_bootstrap_servers: str, fresh_sqlite_url: str, unique_topic: str
) -> None:
    bootstrap, topic, dlq = kafka_bootstrap_servers, unique_topic, dlq_topic(unique_topic)
    await prepare(bootstrap, topic, 1, fresh_sqlite_url)
    good, poison = envelope("good"), envelope("poison")
    broken = {poison.event_id}
    # Two services consume the topic and both fail on the poison: two letters, one event.
    names = [f"a{topic}"[:128], f"b{topic}"[:128]]
    database, reader = Database(fresh_sqlite_url), Reader(fresh_sqlite_url)
    try:
        await produce_envelopes(bootstrap, topic, [good, poison])
        await _run_until(database, reader, bootstrap, topic, names, 2, broken)

        listed = json_lines(mercato(bootstrap, "dlq", "list", dlq, "--json"))
        table = mercato(bootstrap, "dlq", "list", dlq)
        of_one_consumer = json_lines(mercato(bootstrap, "dlq", "list", names[0], "--json"))
        dry_run = mercato(bootstrap, "dlq", "redrive", dlq, "--all", "--dry-run")
        untouched = len(records_of(bootstrap, topic))
        broken.clear()  # the bug is fixed: the operator redrives
        redriven = mercato(bootstrap, "dlq", "redrive", dlq, "--all")
        await _run_until(database, reader, bootstrap, topic, names, 3)
        effects_after_redrive = await reader.effects()
        # Redriven again by mistake: every consumer skips it, by its event id.
        again = mercato(bootstrap, "dlq", "redrive", dlq, "--event-id", poison.event_id)
        await _run_until(database, reader, bootstrap, topic, names, 4)
        effects = await reader.effects()
        outcomes = [await reader.outcomes(name) for name in names]
    finally:
        await database.dispose()
        reader.close()

    assert sorted((line["consumer"], line["event_id"]) for line in listed) == [
        (names[0], poison.event_id),
        (names[1], poison.event_id),
    ]
    letter = listed[0]
    assert (letter["topic"], letter["partition"], letter["offset"]) == (topic, 0, 1)
    assert (letter["dlq_topic"], letter["dlq_offset"]) == (dlq, 0)
    assert letter["event_type"] == "google.protobuf.StringValue"
    assert letter["error"].endswith(f"EffectFailed: cannot apply {poison.event_id}")
    assert letter["attempts"] == 1
    assert letter["failed_at"]
    assert table.exit_code == 0, table.output
    assert poison.event_id in table.stdout
    assert dlq in table.stdout
    assert "[0]@1" in table.stdout
    assert [line["consumer"] for line in of_one_consumer] == [names[0]]

    assert dry_run.exit_code == 0, dry_run.output
    assert poison.event_id in dry_run.stdout
    assert "would redrive 1 event(s)" in dry_run.output
    assert untouched == 2

    assert redriven.exit_code == 0, redriven.output
    assert f"redriven {poison.event_id}" in redriven.stdout
    assert f"to {topic}[0]@2" in redriven.stdout
    assert "redriven 1 event(s)" in redriven.output
    assert "1 more letter(s) for the same events skipped" in redriven.output
    assert again.exit_code == 0, again.output

    republished = records_of(bootstrap, topic)[2:]
    assert [record.value for record in republished] == [poison.to_bytes()] * 2
    assert republished[0].key == poison.aggregate_id.encode()
    headers = dict(republished[0].headers)
    assert headers["mercato-redriven-from"] == f"{dlq}[0]@0".encode()
    assert headers["mercato-event-id"] == poison.event_id.encode()
    assert headers["mercato-redriven-at"]

    # Exactly once per consumer, whatever Kafka delivered.
    applied = sorted((row.instance, row.value) for row in effects)
    assert applied == sorted((name[:32], value) for name in names for value in ("good", "poison"))
    assert effects == effects_after_redrive
    for outcome in outcomes:
        assert outcome == {good.event_id: "applied", poison.event_id: "applied"}


async def test_letters_from_another_topic_or_without_an_event_are_never_redriven(
    kafka_bootstrap_servers: str, fresh_sqlite_url: str, unique_topic: str
) -> None:
    bootstrap, topic, dlq = kafka_bootstrap_servers, unique_topic, dlq_topic(unique_topic)
    await prepare(bootstrap, topic, 1, fresh_sqlite_url)
    event = EventEnvelope.from_bytes(envelope("misfiled").to_bytes())
    misfiled = envelope_pb2.DeadLetter(
        topic=dlq, partition=0, offset=0, value=event.to_bytes(), consumer="c", error="E: x"
    )
    garbage = envelope_pb2.DeadLetter(
        topic=topic, partition=0, offset=1, value=b"\xff garbage", consumer="c", error="E: y"
    )
    produce(
        bootstrap,
        dlq,
        [KafkaRecord(dlq, b"k", letter.SerializeToString(), ()) for letter in (misfiled, garbage)],
    )

    result = mercato(bootstrap, "dlq", "redrive", dlq, "--all")
    listed = json_lines(mercato(bootstrap, "dlq", "list", dlq, "--json"))

    assert result.exit_code == 0, result.output
    assert f"skipping 1 letter(s) not from {topic}" in result.output
    assert "redriven 0 event(s)" in result.output
    assert "1 letter(s) without an event envelope skipped" in result.output
    assert records_of(bootstrap, topic) == []
    assert [line["event_id"] for line in listed] == [event.event_id, None]


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["redrive", "{topic}", "--all"], 2, "is not a dead-letter topic"),
        (["redrive", "{topic}.dlq.dlq", "--all"], 2, "refusing to redrive"),
        (["redrive", "{topic}.dlq"], 2, "give either --event-id"),
        (["redrive", "{topic}.dlq", "--all", "--event-id", "x"], 2, "give either --event-id"),
        (["redrive", "{topic}.dlq", "--event-id", "no-such-event"], 1, "no-such-event"),
        (["list", "{topic}.dlq"], 1, "does not exist"),
    ],
)
def test_a_redrive_that_cannot_be_done_is_refused_with_a_reason(
    kafka_bootstrap_servers: str,
    unique_topic: str,
    args: list[str],
    exit_code: int,
    message: str,
) -> None:
    if args[0] == "redrive":
        create_topic(kafka_bootstrap_servers, unique_topic)
        create_topic(kafka_bootstrap_servers, dlq_topic(unique_topic))

    result = mercato(kafka_bootstrap_servers, "dlq", *(a.format(topic=unique_topic) for a in args))

    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
