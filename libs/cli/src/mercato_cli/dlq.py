"""`mercato dlq list|redrive`: the dead letters consumers left behind, and sending them back.

The kit's idempotent consumer writes a record it gave up on to `<topic>.dlq` as a
`mercato.events.v1.DeadLetter`: the original record (topic, partition, offset, key, value,
headers), the consumer, the last error, the attempts and when. A redrive republishes the
original record to its original topic; every consumer of that topic sees it again, and the
ones that applied it already skip it by its event id (a dead-lettered event is applied like a
new one). So a redrive is at-least-once and safe to repeat; within one run each event is sent
once, however many letters name it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import typer
from google.protobuf.message import DecodeError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mercato.events.v1 import envelope_pb2
from mercato_cli.events import (
    BOOTSTRAP_TIMEOUT_MS,
    BOOTSTRAP_VARIABLE,
    CliError,
    bootstrap_servers,
    count_records,
    fail,
    open_reader,
    read_partitions,
    resolve_topic,
)
from mercato_kit.events import EnvelopeDecodeError, EventEnvelope, dlq_topic

__all__ = [
    "HEADER_REDRIVEN_AT",
    "HEADER_REDRIVEN_FROM",
    "DeadLetterRecord",
    "RedrivePlan",
    "dead_letter_topics",
    "dlq_app",
    "plan_redrive",
    "read_letters",
    "send_letters",
]

HEADER_REDRIVEN_FROM = "mercato-redriven-from"
"""On a redriven record: the dead letter it came from, `<dlq topic>[<partition>]@<offset>`."""
HEADER_REDRIVEN_AT = "mercato-redriven-at"
"""On a redriven record: when it was redriven (ISO 8601, UTC)."""

_DLQ_SUFFIX = dlq_topic("")
_SEND_TIMEOUT = 60.0
_TABLE_MIN_WIDTH = 120

dlq_app = typer.Typer(
    help="Inspect dead letters (`<topic>.dlq`) and redrive them to their original topic.",
    no_args_is_help=True,
)

_BOOTSTRAP_HELP = f"Kafka bootstrap servers (default: ${BOOTSTRAP_VARIABLE})."


@dataclass(frozen=True)
class DeadLetterRecord:
    """A dead letter and where it sits in its dead-letter topic."""

    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    letter: envelope_pb2.DeadLetter
    event_id: str | None
    """None when the original record was no event envelope (undecodable, or a tombstone)."""
    event_type: str | None

    @property
    def position(self) -> str:
        return f"{self.dlq_topic}[{self.dlq_partition}]@{self.dlq_offset}"

    def as_json(self) -> dict[str, Any]:
        failed_at = (
            self.letter.failed_at.ToDatetime(tzinfo=UTC)
            if self.letter.HasField("failed_at")
            else None
        )
        return {
            "dlq_topic": self.dlq_topic,
            "dlq_partition": self.dlq_partition,
            "dlq_offset": self.dlq_offset,
            "topic": self.letter.topic,
            "partition": self.letter.partition,
            "offset": self.letter.offset,
            "consumer": self.letter.consumer,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "attempts": self.letter.attempts,
            "error": self.letter.error,
            "failed_at": failed_at.isoformat() if failed_at else None,
        }


def _dead_letter(record: Any) -> DeadLetterRecord | None:
    letter = envelope_pb2.DeadLetter()
    try:
        letter.ParseFromString(record.value or b"")
    except DecodeError:
        return None
    if not letter.topic:
        return None
    event_id: str | None = None
    event_type: str | None = None
    try:
        envelope = EventEnvelope.from_bytes(letter.value)
        event_id, event_type = envelope.event_id, envelope.event_type
    except EnvelopeDecodeError:
        pass
    return DeadLetterRecord(
        record.topic, record.partition, record.offset, letter, event_id, event_type
    )


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def read_letters(
    consumer: Any, topics: Sequence[str], *, progress: Progress | None = None
) -> tuple[list[DeadLetterRecord], int]:
    """Every dead letter of `topics` up to their current end, and how many records were not
    dead letters (`consumer` from `mercato_cli.events.open_reader`)."""
    letters: list[DeadLetterRecord] = []
    unreadable = 0
    if not topics:
        return letters, unreadable
    task = (
        progress.add_task("reading dead letters", total=count_records(consumer, topics))
        if progress is not None
        else None
    )
    for record in read_partitions(consumer, topics):
        letter = _dead_letter(record)
        if letter is None:
            unreadable += 1
        else:
            letters.append(letter)
        if progress is not None and task is not None:
            progress.advance(task)
    return letters, unreadable


def dead_letter_topics(consumer: Any) -> list[str]:
    """Every dead-letter topic on the broker."""
    return sorted(t for t in consumer.topics() if t.endswith(_DLQ_SUFFIX))


def _read_letters(
    consumer: Any, topics: Sequence[str], console: Console
) -> tuple[list[DeadLetterRecord], int]:
    with _progress(console) as progress:
        letters, unreadable = read_letters(consumer, topics, progress=progress)
    if unreadable:
        console.print(f"[yellow]{unreadable} record(s) in {', '.join(topics)} are no dead letters")
    return letters, unreadable


def _dead_letter_topics(consumer: Any, target: str) -> tuple[list[str], str | None]:
    """The DLQ topics `target` means, and the consumer to filter by when it names a consumer."""
    existing = set(consumer.topics())
    name = resolve_topic(target)
    if name.endswith(_DLQ_SUFFIX):
        if name not in existing:
            raise CliError(f"dead-letter topic {name!r} does not exist")
        return [name], None
    if name in existing:
        if dlq_topic(name) not in existing:
            raise CliError(f"topic {name!r} has no dead-letter topic {dlq_topic(name)!r}")
        return [dlq_topic(name)], None
    # Not a topic: the name of a consumer (its Kafka group), whose letters may be in any DLQ.
    return dead_letter_topics(consumer), target


@dlq_app.command(name="list")
def list_(
    target: str = typer.Argument(
        help="A dead-letter topic (mercato.orders.order.dlq or orders.order.dlq), the topic "
        "whose dead letters to list, or a consumer name (its letters in every DLQ)."
    ),
    consumer_name: str | None = typer.Option(
        None, "--consumer", help="Only the letters this consumer wrote."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line, not a table."),
    bootstrap: str | None = typer.Option(None, "--bootstrap", help=_BOOTSTRAP_HELP),
) -> None:
    """List dead letters: where the original sat, its event, the consumer, the error, when."""
    from kafka.errors import KafkaError

    out, err = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    try:
        with open_reader(bootstrap_servers(bootstrap)) as consumer:
            topics, by_consumer = _dead_letter_topics(consumer, target)
            letters, _ = _read_letters(consumer, topics, err)
    except CliError as exc:
        raise fail("dlq list", exc) from exc
    except KafkaError as exc:
        raise fail("dlq list", CliError(f"Kafka failed: {exc}")) from exc
    wanted = consumer_name or by_consumer
    if wanted is not None:
        letters = [letter for letter in letters if letter.letter.consumer == wanted]
    if as_json:
        for letter in letters:
            typer.echo(json.dumps(letter.as_json(), ensure_ascii=False))
        return
    if not letters:
        who = f" from consumer {wanted!r}" if wanted else ""
        where = ", ".join(topics) if len(topics) < 4 else f"{len(topics)} dead-letter topics"
        err.print(
            escape(f"no dead letters{who} in {where or 'any dead-letter topic'}"),
            highlight=False,
            soft_wrap=True,
        )
        return
    _print_letters(out, letters)
    err.print(f"{len(letters)} dead letter(s)")


def _print_letters(console: Console, letters: Sequence[DeadLetterRecord]) -> None:
    """Tables on a wide terminal; on a narrow one, a few lines per letter."""
    if console.width >= _TABLE_MIN_WIDTH:
        for table in _letters_tables(letters):
            console.print(table, highlight=False)
        return
    for record in letters:
        letter, row = record.letter, record.as_json()
        console.print(
            f"[bold]{record.position}[/bold]  original \\[{letter.partition}]@{letter.offset}  "
            f"consumer {escape(letter.consumer)}  tries {letter.attempts}  "
            f"failed {row['failed_at']}\n"
            f"  event {escape(record.event_id or '(no envelope)')}  "
            f"{escape(record.event_type or '')}\n"
            f"  error {escape(letter.error)}",
            highlight=False,
        )


def _letters_tables(letters: Sequence[DeadLetterRecord]) -> list[Table]:
    """One table per dead-letter topic, narrow enough for a terminal (long text folds)."""
    tables: list[Table] = []
    for dlq in dict.fromkeys(record.dlq_topic for record in letters):
        table = Table(title=f"{dlq}  (dead letters of {dlq.removesuffix(_DLQ_SUFFIX)})")
        table.add_column("dlq at", no_wrap=True)
        table.add_column("original at", no_wrap=True)
        table.add_column("consumer", overflow="fold")
        table.add_column("event id", overflow="fold")
        table.add_column("event type", overflow="fold")
        table.add_column("tries", justify="right")
        table.add_column("error", overflow="fold", ratio=2)
        table.add_column("failed at (UTC)", overflow="fold")
        for record in (r for r in letters if r.dlq_topic == dlq):
            letter = record.letter
            failed_at = record.as_json()["failed_at"]
            table.add_row(
                f"[{record.dlq_partition}]@{record.dlq_offset}",
                f"[{letter.partition}]@{letter.offset}",
                escape(letter.consumer),
                escape(record.event_id or "(no envelope)"),
                escape((record.event_type or "").rsplit(".", 1)[-1]),
                str(letter.attempts),
                escape(letter.error),
                failed_at[:19].replace("T", " ") if failed_at else "",
            )
        tables.append(table)
    return tables


@dataclass(frozen=True)
class RedrivePlan:
    """What a redrive sends (each event once) and what it leaves, and why."""

    redrive: list[DeadLetterRecord]
    duplicates: list[DeadLetterRecord]
    not_events: list[DeadLetterRecord]
    missing_ids: list[str]


def plan_redrive(
    letters: Sequence[DeadLetterRecord],
    *,
    event_ids: Sequence[str],
    consumer_name: str | None,
) -> RedrivePlan:
    """Which letters to redrive: each event once, the first letter naming it wins."""
    chosen = [r for r in letters if consumer_name is None or r.letter.consumer == consumer_name]
    if event_ids:
        chosen = [r for r in chosen if r.event_id in set(event_ids)]
    redrive: list[DeadLetterRecord] = []
    duplicates: list[DeadLetterRecord] = []
    not_events: list[DeadLetterRecord] = []
    seen: set[str] = set()
    for record in chosen:
        if record.event_id is None:
            not_events.append(record)
        elif record.event_id in seen:
            duplicates.append(record)
        else:
            seen.add(record.event_id)
            redrive.append(record)
    missing = [event_id for event_id in dict.fromkeys(event_ids) if event_id not in seen]
    return RedrivePlan(redrive, duplicates, not_events, missing)


def _redrive_headers(record: DeadLetterRecord, at: datetime) -> list[tuple[str, bytes]]:
    """The original headers (minus an earlier redrive's) and where and when this redrive was."""
    ours = {HEADER_REDRIVEN_FROM, HEADER_REDRIVEN_AT}
    headers = [(h.key, h.value) for h in record.letter.headers if h.key not in ours]
    headers.append((HEADER_REDRIVEN_FROM, record.position.encode()))
    headers.append((HEADER_REDRIVEN_AT, at.isoformat().encode()))
    return headers


def send_letters(
    bootstrap: str,
    topic: str,
    records: Sequence[DeadLetterRecord],
    *,
    progress: Progress | None = None,
    client_id: str = "mercato-cli-redrive",
) -> list[tuple[DeadLetterRecord, int, int]]:
    """Republish each original record to `topic` (its key, value and headers, plus where and
    when it was redriven); each with its new partition and offset. Pick the records with
    `plan_redrive`: each event once, never a record without an event envelope."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    try:
        producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            allow_auto_create_topics=False,
            bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        )
    except KafkaError as exc:
        raise CliError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    at = datetime.now(UTC)
    sent: list[tuple[DeadLetterRecord, int, int]] = []
    task = (
        progress.add_task(f"redriving to {topic}", total=len(records))
        if progress is not None
        else None
    )
    try:
        futures = [
            (
                record,
                producer.send(
                    topic,
                    value=record.letter.value,
                    key=record.letter.key or None,
                    headers=_redrive_headers(record, at),
                ),
            )
            for record in records
        ]
        for record, future in futures:
            metadata = future.get(timeout=_SEND_TIMEOUT)
            sent.append((record, metadata.partition, metadata.offset))
            if progress is not None and task is not None:
                progress.advance(task)
    finally:
        producer.close()
    return sent


def _send(
    bootstrap: str, topic: str, records: Sequence[DeadLetterRecord], console: Console
) -> list[tuple[DeadLetterRecord, int, int]]:
    with _progress(console) as progress:
        return send_letters(bootstrap, topic, records, progress=progress)


@dlq_app.command()
def redrive(
    target: str = typer.Argument(
        help="The dead-letter topic, e.g. mercato.orders.order.dlq (or orders.order.dlq)."
    ),
    event_ids: list[str] = typer.Option(  # noqa: B008 (Typer's declaration style)
        [], "--event-id", help="Redrive this event (repeatable)."
    ),
    redrive_all: bool = typer.Option(False, "--all", help="Redrive every event in the topic."),
    consumer_name: str | None = typer.Option(
        None, "--consumer", help="Only the letters this consumer wrote."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be redriven; send none."
    ),
    bootstrap: str | None = typer.Option(None, "--bootstrap", help=_BOOTSTRAP_HELP),
) -> None:
    """Republish dead-lettered events to their original topic, each once, for consumers to retry.

    The record goes back as it was (key, value, headers) plus `mercato-redriven-from/-at`.
    Consumers that applied the event already skip it by its event id.
    Records that were no event envelope are never redriven (they would only fail again).
    """
    from kafka.errors import KafkaError

    out, err = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    try:
        if bool(event_ids) == redrive_all:
            raise CliError("give either --event-id (one or more) or --all", 2)
        servers = bootstrap_servers(bootstrap)
        dlq = resolve_topic(target)
        if not dlq.endswith(_DLQ_SUFFIX):
            raise CliError(f"{dlq!r} is not a dead-letter topic (they end in {_DLQ_SUFFIX!r})", 2)
        original = dlq.removesuffix(_DLQ_SUFFIX)
        if original.endswith(_DLQ_SUFFIX):
            raise CliError(
                f"refusing to redrive {dlq!r} into the dead-letter topic {original!r}", 2
            )
        with open_reader(servers) as consumer:
            letters, _ = _read_letters(consumer, [dlq], err)
            if not consumer.partitions_for_topic(original):
                raise CliError(f"the original topic {original!r} does not exist")
        foreign = [r for r in letters if r.letter.topic != original]
        if foreign:
            # A DLQ only holds its own topic's letters; anything else is left where it is.
            err.print(f"[yellow]skipping {len(foreign)} letter(s) not from {original}")
        plan = plan_redrive(
            [r for r in letters if r.letter.topic == original],
            event_ids=event_ids,
            consumer_name=consumer_name,
        )
        if dry_run:
            _print_letters(out, plan.redrive)
            _summary(err, plan, original, verb="would redrive")
        else:
            sent = _send(servers, original, plan.redrive, err) if plan.redrive else []
            for record, partition, offset in sent:
                typer.echo(
                    f"redriven {record.event_id} ({record.event_type}) from {record.position} "
                    f"to {original}[{partition}]@{offset}"
                )
            _summary(err, plan, original, verb="redriven")
        if plan.missing_ids:
            raise CliError(f"no dead letter in {dlq} for event(s) {', '.join(plan.missing_ids)}")
    except CliError as exc:
        raise fail("dlq redrive", exc) from exc
    except KafkaError as exc:
        raise fail("dlq redrive", CliError(f"Kafka failed: {exc}")) from exc


def _summary(console: Console, plan: RedrivePlan, topic: str, *, verb: str) -> None:
    parts = [f"{verb} {len(plan.redrive)} event(s) to {topic}"]
    if plan.duplicates:
        parts.append(f"{len(plan.duplicates)} more letter(s) for the same events skipped")
    if plan.not_events:
        parts.append(f"{len(plan.not_events)} letter(s) without an event envelope skipped")
    console.print(escape("; ".join(parts)), highlight=False, soft_wrap=True)
