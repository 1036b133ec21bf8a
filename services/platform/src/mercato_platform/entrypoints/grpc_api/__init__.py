"""gRPC in: the partner stream, subscriptions, webhooks, and the operators' service; one module
per servicer, sharing the Edge (unit of work, rate limits, open streams)."""

from mercato_platform.entrypoints.grpc_api._edge import Edge, RateLimits
from mercato_platform.entrypoints.grpc_api.operations import PlatformOperationsService
from mercato_platform.entrypoints.grpc_api.streams import PartnerStreamService
from mercato_platform.entrypoints.grpc_api.subscriptions import SubscriptionService
from mercato_platform.entrypoints.grpc_api.webhooks import WebhookService

__all__ = [
    "Edge",
    "PartnerStreamService",
    "PlatformOperationsService",
    "RateLimits",
    "SubscriptionService",
    "WebhookService",
]
