"""`mercato events tail`: a topic's records, decoded, one JSON object per line.

The reader is a plain kafka-python consumer: no consumer group and nothing committed, so reading
never moves a service's position. What it shares with `mercato dlq` lives here too: where the
broker is, which topic a short name means, reading partitions up to their current end, and
turning an envelope into JSON with its payload decoded.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import pkgutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import typer
from google.protobuf import json_format
from google.protobuf.any_pb2 import Any as AnyPb
from google.protobuf.message import DecodeError, Message

import mercato
from mercato.events.v1 import envelope_pb2
from mercato_kit.events import (
    AGGREGATE_TYPES,
    HEADER_CONTENT_TYPE,
    EnvelopeDecodeError,
    EventEnvelope,
    dlq_topic,
)

if TYPE_CHECKING:
    from kafka.structs import TopicPartition

# kafka-python is imported where it is used: importing it costs every `mercato` command
# (`mercato infra status` included) over half a second.

__all__ = [
    "BOOTSTRAP_TIMEOUT_MS",
    "BOOTSTRAP_VARIABLE",
    "CliError",
    "bootstrap_servers",
    "count_records",
    "envelope_json",
    "events_app",
    "open_reader",
    "read_partitions",
    "record_json",
    "resolve_topic",
]

BOOTSTRAP_VARIABLE = "KAFKA_BOOTSTRAP_SERVERS"
_POLL_MS = 500
BOOTSTRAP_TIMEOUT_MS = 10_000
"""How long a command waits for the broker before it says it cannot reach it."""
_DEAD_LETTER_TYPE = envelope_pb2.DeadLetter.DESCRIPTOR.full_name
_WELL_KNOWN_TYPES = (
    "duration_pb2",
    "empty_pb2",
    "field_mask_pb2",
    "struct_pb2",
    "timestamp_pb2",
    "wrappers_pb2",
)

events_app = typer.Typer(
    help="Read Mercato's event topics (a reader only: no consumer group, no commits).",
    no_args_is_help=True,
)


class CliError(Exception):
    """What the operator is told, on stderr, and the exit status (1: not found/failed, 2: usage)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(command: str, error: CliError) -> typer.Exit:
    """Print the error (never a stack trace) and return the Exit to raise."""
    typer.echo(f"mercato {command}: {error}", err=True)
    return typer.Exit(code=error.exit_code)


def bootstrap_servers(option: str | None) -> str:
    """`--bootstrap`, else KAFKA_BOOTSTRAP_SERVERS."""
    value = option or os.environ.get(BOOTSTRAP_VARIABLE, "")
    if not value.strip():
        raise CliError(f"{BOOTSTRAP_VARIABLE} is not set: export it or pass --bootstrap", 2)
    return value.strip()


def resolve_topic(name: str) -> str:
    """The topic a name means: `orders.order` is `mercato.orders.order` (and `.dlq` likewise).

    Only an aggregate kind listed in `mercato_kit.events` is expanded; any other name is taken
    as it is.
    """
    base = name.removesuffix(".dlq")
    if base in AGGREGATE_TYPES:
        topic = f"mercato.{base}"
        return dlq_topic(topic) if name.endswith(".dlq") else topic
    return name


@contextmanager
def open_reader(bootstrap: str) -> Iterator[Any]:
    """A kafka-python consumer without a group that never commits or creates topics."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            client_id="mercato-cli",
            group_id=None,
            enable_auto_commit=False,
            allow_auto_create_topics=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        )
    except KafkaError as exc:
        raise CliError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    try:
        yield consumer
    finally:
        consumer.close()


def _partitions(consumer: Any, topics: Sequence[str]) -> list[TopicPartition]:
    from kafka.structs import TopicPartition

    partitions: list[TopicPartition] = []
    for topic in topics:
        ids = consumer.partitions_for_topic(topic)
        if not ids:
            raise CliError(f"topic {topic!r} does not exist")
        partitions.extend(TopicPartition(topic, p) for p in sorted(ids))
    return partitions


def count_records(consumer: Any, topics: Sequence[str]) -> int:
    """How many records `topics` hold now (an upper bound under transactions), for progress."""
    partitions = _partitions(consumer, topics)
    ends: dict[TopicPartition, int] = consumer.end_offsets(partitions)
    starts: dict[TopicPartition, int] = consumer.beginning_offsets(partitions)
    return sum(ends[tp] - starts[tp] for tp in partitions)


def read_partitions(
    consumer: Any, topics: Sequence[str], *, last: int | None = None, follow: bool = False
) -> Iterator[Any]:
    """Yield the records of every partition of `topics` (kafka-python `ConsumerRecord`s).

    From the beginning, or `last` records before each partition's end. Without `follow` it
    stops at the end offsets of the moment it started; with it, it waits for more.
    """
    partitions = _partitions(consumer, topics)
    consumer.assign(partitions)
    ends: dict[TopicPartition, int] = consumer.end_offsets(partitions)
    starts: dict[TopicPartition, int] = consumer.beginning_offsets(partitions)
    for tp in partitions:
        start = starts[tp] if last is None else max(starts[tp], ends[tp] - last)
        consumer.seek(tp, start)
    while True:
        if not follow:
            reading = [tp for tp in partitions if consumer.position(tp) < ends[tp]]
            if not reading:
                return
            consumer.pause(*(tp for tp in partitions if tp not in reading))
        batches = consumer.poll(timeout_ms=_POLL_MS)
        for tp in sorted(batches):
            for record in batches[tp]:
                if follow or record.offset < ends[tp]:
                    yield record


@cache
def _register_message_types() -> None:
    """Import every generated module so the default descriptor pool knows each payload type."""
    for well_known in _WELL_KNOWN_TYPES:
        importlib.import_module(f"google.protobuf.{well_known}")
    for module in pkgutil.walk_packages(mercato.__path__, f"{mercato.__name__}."):
        if module.name.endswith("_pb2"):
            importlib.import_module(module.name)


def _to_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _payload_json(payload: AnyPb) -> dict[str, Any]:
    """The payload decoded, or its bytes in base64 with its type when this build lacks the type."""
    _register_message_types()
    try:
        return _to_dict(payload)
    except (TypeError, DecodeError) as exc:
        return {
            "@type": payload.type_url,
            "value_base64": base64.b64encode(payload.value).decode(),
            "undecoded": str(exc),
        }


def envelope_json(value: bytes | None) -> dict[str, Any]:
    """An envelope's fields with the payload decoded; `error` and the raw bytes when no envelope.

    Canonical protobuf JSON (64-bit integers are strings), field names as in the .proto.
    """
    try:
        EventEnvelope.from_bytes(value if value is not None else b"")
    except EnvelopeDecodeError as exc:
        reason = "a tombstone (no value)" if value is None else str(exc)
        return {"error": f"not an event envelope: {reason}", "value_base64": _b64(value)}
    proto = envelope_pb2.EventEnvelope()
    proto.ParseFromString(value or b"")
    payload = AnyPb()
    payload.CopyFrom(proto.payload)
    proto.ClearField("payload")
    return {**_to_dict(proto), "payload": _payload_json(payload)}


def dead_letter_json(value: bytes | None) -> dict[str, Any]:
    """A `DeadLetter` record: where the original sat, why it failed, and the original decoded."""
    letter = envelope_pb2.DeadLetter()
    try:
        letter.ParseFromString(value or b"")
    except DecodeError as exc:
        return {"error": f"not a dead letter: {exc}", "value_base64": _b64(value)}
    fields = _to_dict(letter)
    for raw in ("key", "value", "headers"):
        fields.pop(raw, None)
    return {
        **fields,
        "key": _text(letter.key),
        "headers": {h.key: _text(h.value) for h in letter.headers},
        "original": envelope_json(letter.value),
    }


def record_json(record: Any) -> dict[str, Any]:
    """One consumed record as a JSON object: where it sits, then what it says."""
    headers = {name: _text(value or b"") for name, value in record.headers or ()}
    body = (
        {"dead_letter": dead_letter_json(record.value)}
        if _DEAD_LETTER_TYPE in (headers.get(HEADER_CONTENT_TYPE) or "")
        else envelope_json(record.value)
    )
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": datetime.fromtimestamp(record.timestamp / 1000, UTC).isoformat(),
        "key": _text(record.key),
        **body,
        "headers": headers,
    }


def _text(value: bytes | None) -> str | None:
    if value is None:
        return None
    try:
        return value.decode()
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(value).decode()


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


def _type_matches(wanted: str, event_type: object) -> bool:
    """`--type` names the full protobuf name or just the message, e.g. `OrderPlaced`."""
    if not isinstance(event_type, str):
        return False
    return event_type == wanted or event_type.rsplit(".", 1)[-1] == wanted


@events_app.command()
def tail(
    topic: str = typer.Argument(
        help="The topic, e.g. mercato.orders.order; an aggregate kind (orders.order) is expanded."
    ),
    from_beginning: bool = typer.Option(
        False, "--from-beginning", help="Start at each partition's first record."
    ),
    last: int = typer.Option(
        10,
        "--last",
        min=0,
        help="Without --from-beginning: start this many records before the "
        "end of each partition (0: only new records, with --follow).",
    ),
    follow: bool = typer.Option(
        False, "--follow/--no-follow", help="Keep waiting for new records (Ctrl-C stops)."
    ),
    max_records: int | None = typer.Option(
        None, "--max", min=1, help="Stop after printing this many records."
    ),
    key: str | None = typer.Option(
        None, "--key", help="Only records with this key (aggregate id)."
    ),
    event_type: str | None = typer.Option(
        None, "--type", help="Only this event type: full name or message name (OrderPlaced)."
    ),
    bootstrap: str | None = typer.Option(
        None, "--bootstrap", help=f"Kafka bootstrap servers (default: ${BOOTSTRAP_VARIABLE})."
    ),
) -> None:
    """Print a topic's records as JSON, one per line: position, envelope, decoded payload.

    64-bit integers are strings (canonical protobuf JSON).
    A payload type this build does not know is printed as base64, with its type.
    A record that is no envelope is printed with `error`; a dead letter as `dead_letter`.
    """
    from kafka.errors import KafkaError

    printed = 0
    try:
        with open_reader(bootstrap_servers(bootstrap)) as consumer:
            records = read_partitions(
                consumer,
                [resolve_topic(topic)],
                last=None if from_beginning else last,
                follow=follow,
            )
            for record in records:
                if key is not None and _text(record.key) != key:
                    continue
                line = record_json(record)
                if event_type is not None and not _type_matches(event_type, line.get("event_type")):
                    continue
                typer.echo(json.dumps(line, ensure_ascii=False))
                printed += 1
                if max_records is not None and printed >= max_records:
                    return
    except CliError as exc:
        raise fail("events tail", exc) from exc
    except KafkaError as exc:
        raise fail("events tail", CliError(f"Kafka failed: {exc}")) from exc
    except KeyboardInterrupt:
        return
