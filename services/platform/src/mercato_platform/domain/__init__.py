"""The platform's domain: which partner sees which event and how, subscriptions, webhook
endpoints and their deliveries, rate limits. Standard library and mercato_kit's domain, errors
and ids only: blind to Kafka, gRPC, HTTP, SQL and protobuf."""

from mercato_platform.domain.catalogue import (
    EVENT_KINDS,
    PARTNER_TYPES,
    Audience,
    EventKind,
    kind_of,
    require_partner_types,
    source_of,
)
from mercato_platform.domain.commands import (
    DeleteEndpoint,
    EnableEndpoint,
    Redeliver,
    RegisterEndpoint,
    RotateEndpointSecret,
    StartStream,
    Subscribe,
    Unsubscribe,
)
from mercato_platform.domain.cursor import decode_cursor, encode_cursor
from mercato_platform.domain.deliveries import (
    AttemptOutcome,
    AttemptRecord,
    WebhookMessage,
    excerpt_of,
)
from mercato_platform.domain.entitlement import AppView, Basis, Owners, basis_for
from mercato_platform.domain.feed import FeedEntry, IncomingEvent
from mercato_platform.domain.grants import GrantChange
from mercato_platform.domain.rate_limit import TokenBuckets
from mercato_platform.domain.redaction import partner_data, scrubbed
from mercato_platform.domain.subscriptions import Subscription
from mercato_platform.domain.webhooks import (
    DeliveryState,
    Endpoint,
    EndpointStatus,
    MessageStatus,
    RetrySchedule,
    address_is_public,
    check_endpoint_url,
    new_endpoint_secret,
    sign,
)

__all__ = [
    "EVENT_KINDS",
    "PARTNER_TYPES",
    "AppView",
    "AttemptOutcome",
    "AttemptRecord",
    "Audience",
    "Basis",
    "DeleteEndpoint",
    "DeliveryState",
    "EnableEndpoint",
    "Endpoint",
    "EndpointStatus",
    "EventKind",
    "FeedEntry",
    "GrantChange",
    "IncomingEvent",
    "MessageStatus",
    "Owners",
    "Redeliver",
    "RegisterEndpoint",
    "RetrySchedule",
    "RotateEndpointSecret",
    "StartStream",
    "Subscribe",
    "Subscription",
    "TokenBuckets",
    "Unsubscribe",
    "WebhookMessage",
    "address_is_public",
    "basis_for",
    "check_endpoint_url",
    "decode_cursor",
    "encode_cursor",
    "excerpt_of",
    "kind_of",
    "new_endpoint_secret",
    "partner_data",
    "require_partner_types",
    "scrubbed",
    "sign",
    "source_of",
]
