"""From marketing's events to tallies, and from flags to TrafficFlagged envelopes.

The only module of the worker that reads or writes protobuf: the agents hand it a record's
bytes and its position, and get back tallies to forward (keyed by what they count against),
or hand it a flag and get back the record to publish.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from mercato.marketing.v1 import events_pb2
from mercato_kit.context import MessageContext, bind_context
from mercato_kit.events import EventEnvelope, KafkaRecord, envelope_from_record, to_kafka_record
from mercato_kit.protobuf import timestamp_message
from mercato_marketing.traffic.windows import (
    CAMPAIGN,
    CAP,
    CLICK,
    FINGERPRINT,
    PUBLISHER,
    SPEND,
    Flag,
    Tally,
)

__all__ = [
    "AGGREGATE_TYPE",
    "FLAG_NAMESPACE",
    "PRODUCER",
    "campaign_tallies",
    "click_tallies",
    "flag_event_id",
    "flag_record",
]

AGGREGATE_TYPE = "marketing.traffic"
PRODUCER = "marketing-traffic"

FLAG_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mercato:marketing:traffic-flag")
"""The namespace of flags' event ids: uuid5 of (kind, key, window start) in it."""

_AD_CLICKED = events_pb2.AdClicked.DESCRIPTOR.full_name
_CLICK_REJECTED = events_pb2.ClickRejected.DESCRIPTOR.full_name
_CAMPAIGN_LAUNCHED = events_pb2.CampaignLaunched.DESCRIPTOR.full_name
_CPC = 1  # mercato.marketing.v1.PricingModel.PRICING_MODEL_CPC


def click_tallies(value: bytes | None, partition: int, offset: int) -> list[Tally]:
    """What a record of the click topic counts: its fingerprint's and its publisher's click
    (accepted or rejected), and an accepted paid click's cost against its campaign. Events of
    other types count nothing; EnvelopeDecodeError for a record that is not an envelope."""
    envelope = envelope_from_record(value)
    click: events_pb2.AdClicked | events_pb2.ClickRejected
    spend: tuple[str, int, str] | None = None
    if envelope.event_type == _AD_CLICKED:
        click = envelope.unpack(events_pb2.AdClicked)
        if click.campaign_id and click.cost.minor_units > 0 and click.pricing == _CPC:
            spend = (click.campaign_id, click.cost.minor_units, click.cost.currency)
    elif envelope.event_type == _CLICK_REJECTED:
        click = envelope.unpack(events_pb2.ClickRejected)
    else:
        return []
    at = _seconds(click.clicked_at.ToDatetime(tzinfo=UTC)) if click.HasField("clicked_at") else 0.0
    at = at or _seconds(envelope.occurred_at)
    base = Tally(
        op=CLICK,
        key="",
        at=at,
        source=partition,
        offset=offset,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.event_id,
        traceparent=envelope.traceparent,
    )
    tallies = [
        replace(base, key=f"{kind}:{key}")
        for kind, key in ((FINGERPRINT, click.fingerprint), (PUBLISHER, click.publisher_id))
        if key
    ]
    if spend is not None:
        campaign, amount, currency = spend
        tallies.append(
            replace(base, op=SPEND, key=f"{CAMPAIGN}:{campaign}", amount=amount, currency=currency)
        )
    return tallies


def campaign_tallies(value: bytes | None) -> list[Tally]:
    """A CampaignLaunched's daily cap (when it has one), against its campaign; nothing for the
    campaign's other events. EnvelopeDecodeError for a record that is not an envelope."""
    envelope = envelope_from_record(value)
    if envelope.event_type != _CAMPAIGN_LAUNCHED:
        return []
    launched = envelope.unpack(events_pb2.CampaignLaunched)
    if launched.daily_cap.minor_units <= 0:
        return []
    until = (
        _seconds(launched.ends_at.ToDatetime(tzinfo=UTC)) if launched.HasField("ends_at") else 0.0
    )
    return [
        Tally(
            op=CAP,
            key=f"{CAMPAIGN}:{envelope.aggregate_id}",
            at=_seconds(envelope.occurred_at),
            amount=launched.daily_cap.minor_units,
            currency=launched.daily_cap.currency,
            until=until,
            correlation_id=envelope.correlation_id,
            causation_id=envelope.event_id,
            traceparent=envelope.traceparent,
        )
    ]


def flag_event_id(kind: str, key: str, window_start: int) -> str:
    """The flag's event id: the same for the same key and window, so a flag published again
    after a crash is the same event (and applied once by marketing's idempotent consumer)."""
    start = datetime.fromtimestamp(window_start, UTC).isoformat()
    return str(uuid.uuid5(FLAG_NAMESPACE, f"{kind}\x1f{key}\x1f{start}"))


def flag_record(flag: Flag, topic: str) -> KafkaRecord:
    """The TrafficFlagged record for `flag` on `topic`: aggregate `marketing.traffic`, id and
    key `<kind>:<key>`, in the flow of the click that tipped the window over, stamped with
    that click's time."""
    payload = events_pb2.TrafficFlagged(
        kind=flag.kind,
        key=flag.key,
        window_start=timestamp_message(datetime.fromtimestamp(flag.window_start, UTC)),
        window_end=timestamp_message(datetime.fromtimestamp(flag.window_end, UTC)),
        clicks=flag.clicks,
        limit=flag.limit,
    )
    event_id = flag_event_id(flag.kind, flag.key, flag.window_start)
    context = MessageContext(
        correlation_id=flag.correlation_id or event_id,
        causation_id=flag.causation_id,
        traceparent=flag.traceparent,
    )
    with bind_context(context):
        envelope = EventEnvelope.new(
            payload,
            aggregate_type=AGGREGATE_TYPE,
            aggregate_id=flag.aggregate_id,
            # The window's number: the key's flags are numbered in window order.
            aggregate_version=flag.window_start // (flag.window_end - flag.window_start),
            producer=PRODUCER,
            occurred_at=datetime.fromtimestamp(flag.at, UTC),
        )
    envelope = replace(envelope, event_id=event_id)
    return to_kafka_record(envelope, topic)


def _seconds(moment: datetime) -> float:
    return moment.timestamp()
