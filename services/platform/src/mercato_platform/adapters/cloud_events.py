"""The partner-facing format: CloudEvents 1.0, structured JSON, written by the CloudEvents SDK."""

from __future__ import annotations

from typing import Any

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from mercato_platform.domain import IncomingEvent, encode_cursor, source_of

CURSOR_EXTENSION = "mercatocursor"
_FORMAT = JSONFormat()


def render_cloud_event(event: IncomingEvent, position: int, data: dict[str, Any]) -> str:
    """The CloudEvent of a feed entry: `id` the Mercato event id, `source` /mercato/<service>,
    `type` the payload's protobuf name, `subject` the aggregate, `time` when it occurred, `data`
    the (projected) payload as protobuf JSON, and the entry's cursor as `mercatocursor`."""
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": event.event_id,
        "source": source_of(event.event_type),
        "type": event.event_type,
        "subject": event.subject,
        "time": event.occurred_at,
        "datacontenttype": "application/json",
        CURSOR_EXTENSION: encode_cursor(position),
    }
    return _FORMAT.write(CloudEvent(attributes, data)).decode()
