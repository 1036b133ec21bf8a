"""Storage for the kit's ports: the database handle, the kit's tables and their migrations,
and the outbox writers (`append_to_outbox`, `AggregateOutbox`, `outbox_written`)."""

from mercato_kit.storage._database import READ_ONLY_OPTION, Database, async_url, sync_url
from mercato_kit.storage._migrations import migrate
from mercato_kit.storage._outbox import (
    OUTBOX_LOCK_KEY,
    AggregateOutbox,
    PayloadOf,
    append_to_outbox,
    outbox_written,
    write_outbox,
)
from mercato_kit.storage._rows import save_row
from mercato_kit.storage._schema import (
    consumer_positions,
    events,
    idempotency_keys,
    metadata,
    outbox,
    processed_events,
    relay_leases,
)

__all__ = [
    "OUTBOX_LOCK_KEY",
    "READ_ONLY_OPTION",
    "AggregateOutbox",
    "Database",
    "PayloadOf",
    "append_to_outbox",
    "async_url",
    "consumer_positions",
    "events",
    "idempotency_keys",
    "metadata",
    "migrate",
    "outbox",
    "outbox_written",
    "processed_events",
    "relay_leases",
    "save_row",
    "sync_url",
    "write_outbox",
]
