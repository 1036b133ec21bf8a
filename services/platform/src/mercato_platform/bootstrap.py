"""The composition root: the platform's adapters wired into the kit's runtime."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from mercato.platform.v1 import app_store_pb2, app_store_pb2_grpc, platform_pb2, platform_pb2_grpc
from mercato_kit.runtime import ServiceContext
from mercato_kit.settings import load_settings
from mercato_platform.adapters.app_store import AppStoreUnitOfWork
from mercato_platform.adapters.app_store_gateways import GrpcAppStoreGateways, UnconfiguredGateways
from mercato_platform.adapters.feed_start import start_at_end_when_new
from mercato_platform.adapters.unit_of_work import PlatformUnitOfWork
from mercato_platform.adapters.webhook_client import WebhookClient, resolve_host
from mercato_platform.app_store_settings import AppStoreSettings
from mercato_platform.application.dispatch import Dispatcher, DispatchSettings
from mercato_platform.application.streams import FeedFollower, FeedTail, OpenStreams
from mercato_platform.domain import RetrySchedule
from mercato_platform.domain.app_subscriptions import Terms
from mercato_platform.entrypoints.app_store_renewals import AppStoreBilling
from mercato_platform.entrypoints.consumer import (
    FEED_TOPICS,
    GRANT_TOPICS,
    GrantFollower,
    append_event,
)
from mercato_platform.entrypoints.grpc_api import (
    Edge,
    PartnerStreamService,
    PlatformOperationsService,
    RateLimits,
    SubscriptionService,
    WebhookService,
)
from mercato_platform.entrypoints.grpc_api.app_store import AppStoreService
from mercato_platform.entrypoints.http_api import HttpApi
from mercato_platform.entrypoints.workers import (
    Retention,
    StreamWatch,
    end_streams_on_stop,
)
from mercato_platform.settings import PlatformSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"

_SERVICES = platform_pb2.DESCRIPTOR.services_by_name
_background: set[asyncio.Task[None]] = set()
logger = logging.getLogger(__name__)


async def bootstrap(context: ServiceContext[PlatformSettings]) -> None:
    settings = context.settings
    unit_of_work = context.units_of_work(PlatformUnitOfWork)

    tail = FeedTail(settings.feed_tail)
    follower = FeedFollower(unit_of_work, tail)
    await follower.start()
    streams = OpenStreams()
    client = WebhookClient(settings.webhook_timeout, allow_private=settings.webhook_allow_private)
    dispatcher = Dispatcher(
        unit_of_work,
        send=client.send,
        settings=DispatchSettings(
            schedule=RetrySchedule(settings.retry_delays, settings.webhook_retry_jitter),
            timeout=settings.webhook_timeout,
            disable_after=timedelta(seconds=settings.webhook_disable_after),
            concurrency=settings.webhook_concurrency,
        ),
    )
    follower.listeners.append(dispatcher.wake)
    edge = Edge(
        unit_of_work=unit_of_work,
        limits=RateLimits(settings.rate_per_second, settings.rate_burst),
        streams=streams,
        tail=tail,
        resolve=resolve_host,
        allow_private=settings.webhook_allow_private,
        stream_page=settings.stream_page,
        on_redeliver=dispatcher.wake,
    )

    subscriptions = SubscriptionService(edge)
    webhooks = WebhookService(edge)
    context.add_servicer(
        platform_pb2_grpc.add_PartnerStreamServiceServicer_to_server,
        PartnerStreamService(edge),
        _SERVICES["PartnerStreamService"],
    )
    context.add_servicer(
        platform_pb2_grpc.add_SubscriptionServiceServicer_to_server,
        subscriptions,
        _SERVICES["SubscriptionService"],
    )
    context.add_servicer(
        platform_pb2_grpc.add_WebhookServiceServicer_to_server,
        webhooks,
        _SERVICES["WebhookService"],
    )
    context.add_servicer(
        platform_pb2_grpc.add_PlatformOperationsServiceServicer_to_server,
        PlatformOperationsService(edge),
        _SERVICES["PlatformOperationsService"],
    )
    app_store = load_settings(AppStoreSettings)
    terms = Terms(
        app_store.share_bps, timedelta(seconds=app_store.day_seconds), app_store.grace_days
    )
    app_store_work = context.units_of_work(AppStoreUnitOfWork)
    billing = AppStoreBilling(app_store_work, _app_store_gateways(context, app_store), terms)
    context.add_servicer(
        app_store_pb2_grpc.add_AppStoreServiceServicer_to_server,
        AppStoreService(edge, app_store_work, terms, billing),
        app_store_pb2.DESCRIPTOR.services_by_name["AppStoreService"],
    )
    context.add_task("app-store-billing", billing.run, interval=app_store.renewal_interval)

    def feed_committed() -> None:
        context.relay.notify()
        follower.wake()

    feed = context.add_consumer("feed", FEED_TOPICS, append_event, after_commit=feed_committed)
    if settings.feed_start == "end":
        await start_at_end_when_new(
            context.database, settings.kafka_bootstrap_servers, feed.name, FEED_TOPICS
        )

    def grants_committed() -> None:
        context.relay.notify()
        dispatcher.wake()

    grant_follower = GrantFollower(streams, after_commit=grants_committed)
    context.add_consumer(
        "grants", GRANT_TOPICS, grant_follower, after_commit=grant_follower.committed
    )
    context.add_task("feed-follower", follower.follow, interval=1.0)
    context.add_task("webhook-dispatcher", dispatcher.run, interval=1.0)
    context.add_task(
        "feed-retention",
        Retention(unit_of_work, settings.feed_retention).sweep,
        interval=settings.retention_interval,
    )
    context.add_task("stream-watch", StreamWatch(streams, context.revocations).check, interval=0.1)

    http = HttpApi(edge, context.verifier, subscriptions, webhooks)
    context.add_http("http", http.app, settings.http_addr)
    context.on_stop(client.close)
    watcher = asyncio.create_task(end_streams_on_stop(context.server, streams))
    _background.add(watcher)
    watcher.add_done_callback(_background.discard)


def _app_store_gateways(
    context: ServiceContext[PlatformSettings], app_store: AppStoreSettings
) -> GrpcAppStoreGateways | UnconfiguredGateways:
    """Payments and identity with the platform's own token; without PLATFORM_APP_ID and
    PLATFORM_APP_SECRET the app store charges nothing and grants nothing (said at start)."""
    settings = context.settings
    if not settings.app_id or settings.app_secret is None:
        logger.warning(
            "app store: PLATFORM_APP_ID / PLATFORM_APP_SECRET not set; paid subscriptions stay "
            "pending and no grant is made until they are"
        )
        return UnconfiguredGateways()
    return GrpcAppStoreGateways(
        context.channel(app_store.payments_addr),
        context.channel(settings.identity_grpc_addr),
        context.service_credentials().metadata,
    )
