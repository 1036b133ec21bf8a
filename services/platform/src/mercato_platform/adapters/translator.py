"""The one module that imports both the domain and the generated protobuf code.

Consumed envelopes -> domain (partner events with their data as protobuf JSON, grant changes),
the platform's own events -> payloads (for the outbox), requests -> commands, and the domain's
values -> response messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import TypeVar

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from mercato.common.v1 import money_pb2
from mercato.identity.v1 import events_pb2 as identity_events
from mercato.identity.v1 import grants_pb2
from mercato.logistics.v1 import events_pb2 as logistics_events
from mercato.marketing.v1 import events_pb2 as marketing_events
from mercato.orders.v1 import events_pb2 as orders_events
from mercato.payments.v1 import payments_pb2
from mercato.platform.v1 import app_store_pb2
from mercato.platform.v1 import events_pb2 as platform_events
from mercato.platform.v1 import platform_pb2 as pb
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import InvalidArgument
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money, requested_amount
from mercato_kit.protobuf import datetime_of, timestamp_message
from mercato_platform.application.app_subscriptions import Churn, Revenue
from mercato_platform.domain import (
    EVENT_KINDS,
    AttemptRecord,
    DeleteEndpoint,
    EnableEndpoint,
    Endpoint,
    EndpointStatus,
    EventKind,
    FeedEntry,
    GrantChange,
    IncomingEvent,
    MessageStatus,
    Owners,
    Redeliver,
    RegisterEndpoint,
    RotateEndpointSecret,
    StartStream,
    Subscribe,
    Subscription,
    Unsubscribe,
    decode_cursor,
    encode_cursor,
)
from mercato_platform.domain.app_store import (
    BillingPeriod,
    CreateListing,
    Listing,
    ListingQuery,
    ListingStatus,
    Plan,
    PlanInput,
    ReviewListing,
)
from mercato_platform.domain.app_subscriptions import (
    AppSubscription,
    CancelAppSubscription,
    ChargeAnswered,
    CheckCharge,
    ConsentToScopes,
    GiveRefund,
    GrantAnswered,
    GrantScopes,
    RevokeGrant,
    Shares,
    SubscribeToApp,
    SubscriptionStatus,
    TakeCharge,
    UpdateInstrument,
)

# --- consumed events -> domain -------------------------------------------------------------------

_MODULES: dict[str, ModuleType] = {
    "mercato.orders.v1": orders_events,
    "mercato.payments.v1": payments_pb2,
    "mercato.logistics.v1": logistics_events,
    "mercato.marketing.v1": marketing_events,
}


def _payload_types() -> dict[str, type[Message]]:
    found: dict[str, type[Message]] = {}
    for kind in EVENT_KINDS:
        package, _, name = kind.type.rpartition(".")
        message = getattr(_MODULES[package], name)
        assert message.DESCRIPTOR.full_name == kind.type
        found[kind.type] = message
    return found


_PAYLOADS = _payload_types()
_OWNER_FIELDS = ("seller_id", "carrier_id", "publisher_id")


def incoming_event(envelope: EventEnvelope) -> IncomingEvent | None:
    """A consumed event of a partner-visible type; None for any other type."""
    message_type = _PAYLOADS.get(envelope.event_type)
    if message_type is None:
        return None
    message = envelope.unpack(message_type)
    fields = message.DESCRIPTOR.fields_by_name
    owner = {name: str(getattr(message, name)) if name in fields else "" for name in _OWNER_FIELDS}
    return IncomingEvent(
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        aggregate_type=envelope.aggregate_type,
        subject=envelope.aggregate_id,
        occurred_at=envelope.occurred_at,
        owners=Owners(**owner),
        data=MessageToDict(message),
    )


def grant_change(envelope: EventEnvelope) -> GrantChange | None:
    """A grant given or revoked (identity.grant; aggregate id: the grant id); None otherwise."""
    if envelope.event_type == identity_events.AccessGranted.DESCRIPTOR.full_name:
        granted = envelope.unpack(identity_events.AccessGranted)
        return GrantChange(
            envelope.aggregate_id,
            granted.app_id,
            granted.grantor_account_id,
            granted.grantor_role,
            frozenset(granted.scopes),
            active=True,
        )
    if envelope.event_type == identity_events.AccessRevoked.DESCRIPTOR.full_name:
        revoked = envelope.unpack(identity_events.AccessRevoked)
        return GrantChange(
            envelope.aggregate_id, revoked.app_id, revoked.grantor_account_id, active=False
        )
    return None


def app_whose_secret_rotated(envelope: EventEnvelope) -> str | None:
    """The app whose secret was replaced (identity.app's AppSecretRotated), else None."""
    if envelope.event_type == identity_events.AppSecretRotated.DESCRIPTOR.full_name:
        return envelope.aggregate_id
    return None


# --- the platform's own events -> payloads (AggregateOutbox) -------------------------------------


def event_payload(aggregate: Aggregate, event: DomainEvent) -> Message:
    match event:
        case Subscription.Subscribed(types=types):
            return platform_events.EventsSubscribed(types=types)
        case Subscription.Unsubscribed(types=types):
            return platform_events.EventsUnsubscribed(types=types)
        case Endpoint.Registered(app_id=app_id, url=url, types=types):
            return platform_events.WebhookEndpointRegistered(app_id=app_id, url=url, types=types)
        case Endpoint.SecretRotated(app_id=app_id, previous_valid_until=until):
            return platform_events.WebhookSecretRotated(
                app_id=app_id, previous_valid_until=timestamp_message(until)
            )
        case Endpoint.DeliveryFailed() as failed:
            return platform_events.WebhookDeliveryFailed(
                app_id=failed.app_id,
                message_id=failed.message_id,
                event_type=failed.event_type,
                attempts=failed.attempts,
                last_status_code=failed.last_status_code,
            )
        case Endpoint.Disabled(app_id=app_id, reason=reason):
            return platform_events.WebhookEndpointDisabled(app_id=app_id, reason=reason)
        case Endpoint.Enabled(app_id=app_id):
            return platform_events.WebhookEndpointEnabled(app_id=app_id)
        case Endpoint.Deleted(app_id=app_id):
            return platform_events.WebhookEndpointDeleted(app_id=app_id)
    raise TypeError(f"no payload for {type(event).__name__} of {type(aggregate).__name__}")


# --- requests -> commands ------------------------------------------------------------------------

DEFAULT_HEARTBEAT_SECONDS = 15
DEFAULT_OVERLAP = timedelta(hours=24)


def start_stream(request: pb.StreamEventsRequest) -> StartStream:
    start = request.WhichOneof("start")
    heartbeat = request.heartbeat_seconds or DEFAULT_HEARTBEAT_SECONDS
    types = tuple(request.types)
    if start == "cursor":
        return StartStream(
            types, after_position=decode_cursor(request.cursor), heartbeat_seconds=heartbeat
        )
    if start == "from_time":
        return StartStream(
            types, from_time=datetime_of(request.from_time), heartbeat_seconds=heartbeat
        )
    return StartStream(types, from_beginning=request.from_beginning, heartbeat_seconds=heartbeat)


def subscribe_command(request: pb.SubscribeRequest) -> Subscribe:
    return Subscribe(tuple(request.types))


def unsubscribe_command(request: pb.UnsubscribeRequest) -> Unsubscribe:
    return Unsubscribe(tuple(request.types))


def register_endpoint_command(request: pb.RegisterEndpointRequest) -> RegisterEndpoint:
    return RegisterEndpoint(request.url, tuple(request.types), request.description)


def rotate_secret_command(request: pb.RotateEndpointSecretRequest) -> RotateEndpointSecret:
    overlap = (
        timedelta(seconds=request.overlap_seconds) if request.overlap_seconds else DEFAULT_OVERLAP
    )
    return RotateEndpointSecret(request.endpoint_id, overlap)


def enable_endpoint_command(request: pb.EnableEndpointRequest) -> EnableEndpoint:
    return EnableEndpoint(request.endpoint_id)


def delete_endpoint_command(request: pb.DeleteEndpointRequest) -> DeleteEndpoint:
    return DeleteEndpoint(request.endpoint_id)


def redeliver_command(request: pb.RedeliverRequest | pb.RedriveRequest) -> Redeliver:
    what = request.WhichOneof("what")
    if what == "message_id":
        if not request.message_id:
            raise InvalidArgument("message_id", "is required")
        return Redeliver(request.endpoint_id, message_id=request.message_id)
    if what == "range":
        start, end = datetime_of(request.range.from_time), datetime_of(request.range.to_time)
        if end <= start:
            raise InvalidArgument("range.to_time", "must be after range.from_time")
        return Redeliver(request.endpoint_id, from_time=start, to_time=end)
    raise InvalidArgument("what", "name a message_id or a range")


# --- domain -> responses -------------------------------------------------------------------------


def partner_event(entry: FeedEntry, *, with_address: bool) -> pb.PartnerEvent:
    return pb.PartnerEvent(
        cursor=encode_cursor(entry.position),
        cloud_event=entry.cloud_event(with_address=with_address),
        id=entry.event_id,
        type=entry.event_type,
        subject=entry.subject,
        time=timestamp_message(entry.occurred_at),
    )


def event_response(entry: FeedEntry, *, with_address: bool) -> pb.StreamEventsResponse:
    return pb.StreamEventsResponse(event=partner_event(entry, with_address=with_address))


def heartbeat_response(position: int) -> pb.StreamEventsResponse:
    return pb.StreamEventsResponse(
        heartbeat=pb.Heartbeat(
            cursor=encode_cursor(position), at=timestamp_message(datetime.now(UTC))
        )
    )


def subscription_message(subscription: Subscription) -> pb.Subscription:
    message = pb.Subscription(app_id=subscription.app_id, types=subscription.types)
    if subscription.updated_at is not None:
        message.updated_at.CopyFrom(timestamp_message(subscription.updated_at))
    return message


def event_type_messages(kinds: Iterable[EventKind]) -> list[pb.EventType]:
    return [pb.EventType(type=k.type, description=k.description, scope=k.scope) for k in kinds]


_ENDPOINT_STATUS = {
    EndpointStatus.ENABLED: pb.ENDPOINT_STATUS_ENABLED,
    EndpointStatus.DISABLED: pb.ENDPOINT_STATUS_DISABLED,
    EndpointStatus.DELETED: pb.ENDPOINT_STATUS_DISABLED,
}


def endpoint_message(endpoint: Endpoint, counts: tuple[int, int] = (0, 0)) -> pb.Endpoint:
    message = pb.Endpoint(
        endpoint_id=endpoint.id,
        app_id=endpoint.app_id,
        url=endpoint.url,
        types=endpoint.types,
        description=endpoint.description,
        status=_ENDPOINT_STATUS[endpoint.status],
        disabled_reason=endpoint.disabled_reason,
        pending=counts[0],
        failed=counts[1],
    )
    if endpoint.created_at is not None:
        message.created_at.CopyFrom(timestamp_message(endpoint.created_at))
    return message


_MESSAGE_STATUS = {
    MessageStatus.PENDING: pb.DELIVERY_STATUS_PENDING,
    MessageStatus.DELIVERED: pb.DELIVERY_STATUS_DELIVERED,
    MessageStatus.FAILED: pb.DELIVERY_STATUS_FAILED,
    MessageStatus.WITHDRAWN: pb.DELIVERY_STATUS_FAILED,
}


def attempt_message(attempt: AttemptRecord) -> pb.DeliveryAttempt:
    return pb.DeliveryAttempt(
        endpoint_id=attempt.endpoint_id,
        message_id=attempt.message_id,
        event_type=attempt.event_type,
        attempt=attempt.attempt,
        at=timestamp_message(attempt.at),
        status_code=attempt.status_code,
        latency_ms=attempt.latency_ms,
        excerpt=attempt.excerpt,
        message_status=_MESSAGE_STATUS[attempt.message_status],
    )


# --- the app store (issue 15): listings ----------------------------------------------------------

_PERIODS = {
    app_store_pb2.BILLING_PERIOD_FREE: BillingPeriod.FREE.value,
    app_store_pb2.BILLING_PERIOD_MONTHLY: BillingPeriod.MONTHLY.value,
    app_store_pb2.BILLING_PERIOD_YEARLY: BillingPeriod.YEARLY.value,
}
_PERIOD_MESSAGES = {value: key for key, value in _PERIODS.items()}
_LISTING_STATUSES = {
    ListingStatus.PENDING_REVIEW: app_store_pb2.LISTING_STATUS_PENDING_REVIEW,
    ListingStatus.APPROVED: app_store_pb2.LISTING_STATUS_APPROVED,
    ListingStatus.REJECTED: app_store_pb2.LISTING_STATUS_REJECTED,
}
MAX_SEARCH_LIMIT = 100
DEFAULT_SEARCH_LIMIT = 50


def app_store_event_payload(aggregate: Aggregate, event: DomainEvent) -> Message:
    if isinstance(aggregate, AppSubscription):
        return _subscription_payload(aggregate, event)
    match event:
        case Listing.Created(vendor_app_id=vendor, name=name, scopes=scopes):
            return app_store_pb2.AppListingCreated(
                listing_id=aggregate.id, vendor_app_id=vendor, name=name, scopes=scopes
            )
        case Listing.Approved(vendor_app_id=vendor):
            return app_store_pb2.AppListingApproved(listing_id=aggregate.id, vendor_app_id=vendor)
        case Listing.Rejected(vendor_app_id=vendor, reason=reason):
            return app_store_pb2.AppListingRejected(
                listing_id=aggregate.id, vendor_app_id=vendor, reason=reason
            )
        case Listing.VersionPublished() as published:
            return app_store_pb2.AppListingVersionPublished(
                listing_id=aggregate.id,
                vendor_app_id=published.vendor_app_id,
                version=published.number,
                name=published.name,
                scopes=published.scopes,
            )
    raise TypeError(f"no payload for {type(event).__name__} of {type(aggregate).__name__}")


def _subscription_payload(subscription: AppSubscription, event: DomainEvent) -> Message:
    sid = subscription.id
    seller, vendor = subscription.seller_id, subscription.vendor_app_id
    match event:
        case AppSubscription.Started() as started:
            message = app_store_pb2.AppSubscriptionStarted(
                subscription_id=sid,
                listing_id=started.listing_id,
                plan_id=started.plan_id,
                seller_id=started.seller_id,
                vendor_app_id=started.vendor_app_id,
                period_start=timestamp_message(started.period_start),
            )
            if started.period_end is not None:
                message.period_end.CopyFrom(timestamp_message(started.period_end))
            return message
        case AppSubscription.ChargeDue() as due:
            return app_store_pb2.AppSubscriptionChargeDue(
                subscription_id=sid,
                charge_id=due.charge_id,
                period_number=due.period_number,
                amount=_money(due.shares.amount),
            )
        case AppSubscription.Charged() as charged:
            return _with_shares(
                app_store_pb2.AppSubscriptionCharged(
                    subscription_id=sid,
                    seller_id=seller,
                    vendor_app_id=vendor,
                    charge_id=charged.charge_id,
                    period_number=charged.period_number,
                    period_start=timestamp_message(charged.period_start),
                    period_end=timestamp_message(charged.period_end),
                ),
                charged.shares,
            )
        case AppSubscription.ChargeDeclined() as declined:
            answer = app_store_pb2.AppSubscriptionChargeDeclined(
                subscription_id=sid,
                charge_id=declined.charge_id,
                attempt=declined.attempt,
                reason=declined.reason,
            )
            if declined.grace_until is not None:
                answer.grace_until.CopyFrom(timestamp_message(declined.grace_until))
            if declined.retry_at is not None:
                answer.retry_at.CopyFrom(timestamp_message(declined.retry_at))
            return answer
        case AppSubscription.ChargeDropped(charge_id=charge_id):
            return app_store_pb2.AppSubscriptionChargeDropped(
                subscription_id=sid, charge_id=charge_id
            )
        case AppSubscription.Suspended(at=at):
            return app_store_pb2.AppSubscriptionSuspended(
                subscription_id=sid,
                seller_id=seller,
                vendor_app_id=vendor,
                suspended_at=timestamp_message(at),
            )
        case AppSubscription.Reactivated(at=at):
            return app_store_pb2.AppSubscriptionReactivated(
                subscription_id=sid, reactivated_at=timestamp_message(at)
            )
        case AppSubscription.InstrumentUpdated():
            return app_store_pb2.AppSubscriptionInstrumentUpdated(subscription_id=sid)
        case AppSubscription.CancelScheduled(ends_at=ends_at):
            scheduled = app_store_pb2.AppSubscriptionCancelScheduled(subscription_id=sid)
            if ends_at is not None:
                scheduled.ends_at.CopyFrom(timestamp_message(ends_at))
            return scheduled
        case AppSubscription.Ended(at=at, reason=reason):
            return app_store_pb2.AppSubscriptionEnded(
                subscription_id=sid, ended_at=timestamp_message(at), reason=reason
            )
        case AppSubscription.Refunded() as refunded:
            return _with_shares(
                app_store_pb2.AppSubscriptionRefunded(
                    subscription_id=sid,
                    seller_id=seller,
                    vendor_app_id=vendor,
                    charge_id=refunded.charge_id,
                    unused_days=refunded.unused_days,
                    refund_id=refunded.refund_id,
                ),
                refunded.shares,
            )
        case AppSubscription.RefundPaid(refund_id=refund_id):
            return app_store_pb2.AppSubscriptionRefundPaid(subscription_id=sid, refund_id=refund_id)
        case AppSubscription.AccessGranted(grant_id=grant_id, scopes=scopes):
            return app_store_pb2.AppSubscriptionAccessGranted(
                subscription_id=sid,
                seller_id=seller,
                vendor_app_id=vendor,
                grant_id=grant_id,
                scopes=scopes,
            )
        case AppSubscription.AccessRevoked(grant_id=grant_id):
            return app_store_pb2.AppSubscriptionAccessRevoked(
                subscription_id=sid, seller_id=seller, vendor_app_id=vendor, grant_id=grant_id
            )
        case AppSubscription.ScopesConsented(scopes=scopes):
            return app_store_pb2.AppSubscriptionScopesConsented(subscription_id=sid, scopes=scopes)
    raise TypeError(f"no payload for {type(event).__name__} of AppSubscription")


_Split = TypeVar(
    "_Split",
    app_store_pb2.AppSubscriptionCharged,
    app_store_pb2.AppSubscriptionRefunded,
    payments_pb2.ChargeAppSubscriptionRequest,
    payments_pb2.RefundAppChargeRequest,
)


def _with_shares(message: _Split, shares: Shares) -> _Split:
    """The message with its amount, platform_share and vendor_share set."""
    message.amount.CopyFrom(_money(shares.amount))
    message.platform_share.CopyFrom(_money(shares.platform_share))
    message.vendor_share.CopyFrom(_money(shares.vendor_share))
    return message


def create_listing_command(request: app_store_pb2.CreateListingRequest) -> CreateListing:
    return CreateListing(
        name=request.name,
        description=request.description,
        category=request.category,
        scopes=tuple(request.scopes),
        plans=tuple(
            PlanInput(
                plan_id=plan.plan_id,
                period=_PERIODS.get(plan.period),
                price_minor_units=plan.price.minor_units if plan.HasField("price") else None,
                price_currency=plan.price.currency if plan.HasField("price") else None,
                trial_days=plan.trial_days,
                scopes=tuple(plan.scopes),
            )
            for plan in request.plans
        ),
    )


def review_listing_command(request: app_store_pb2.ReviewListingRequest) -> ReviewListing:
    return ReviewListing(request.listing_id, request.approve, request.reason)


def listing_query(request: app_store_pb2.SearchListingsRequest) -> ListingQuery:
    limit = request.limit or DEFAULT_SEARCH_LIMIT
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise InvalidArgument("limit", f"must be 1 to {MAX_SEARCH_LIMIT}")
    max_price = None
    if request.HasField("max_price"):
        max_price = requested_amount(
            minor_units=request.max_price.minor_units,
            currency=request.max_price.currency,
            field="max_price",
            minimum=0,
        )
    return ListingQuery(request.category, request.scope, max_price, limit)


def listing_message(listing: Listing) -> app_store_pb2.AppListing:
    message = app_store_pb2.AppListing(
        listing_id=listing.id,
        vendor_app_id=listing.vendor_app_id,
        name=listing.name,
        description=listing.description,
        category=listing.category,
        scopes=listing.scopes,
        plans=[_plan_message(plan) for plan in listing.plans],
        status=_LISTING_STATUSES[listing.status],
        rejection_reason=listing.rejection_reason,
        install_count=listing.install_count,
    )
    if listing.created_at is not None:
        message.created_at.CopyFrom(timestamp_message(listing.created_at))
    if listing.reviewed_at is not None:
        message.reviewed_at.CopyFrom(timestamp_message(listing.reviewed_at))
    return message


def _plan_message(plan: Plan) -> app_store_pb2.AppPlan:
    message = app_store_pb2.AppPlan(
        plan_id=plan.plan_id,
        period=_PERIOD_MESSAGES[plan.period.value],
        trial_days=plan.trial_days,
        scopes=plan.scopes,
    )
    if plan.price is not None:
        message.price.CopyFrom(_money(plan.price))
    return message


def _money(amount: Money) -> money_pb2.Money:
    return money_pb2.Money(minor_units=amount.minor_units, currency=amount.currency)


_SUBSCRIPTION_STATUSES = {
    SubscriptionStatus.PENDING: app_store_pb2.APP_SUBSCRIPTION_STATUS_PENDING,
    SubscriptionStatus.ACTIVE: app_store_pb2.APP_SUBSCRIPTION_STATUS_ACTIVE,
    SubscriptionStatus.PAST_DUE: app_store_pb2.APP_SUBSCRIPTION_STATUS_PAST_DUE,
    SubscriptionStatus.SUSPENDED: app_store_pb2.APP_SUBSCRIPTION_STATUS_SUSPENDED,
    SubscriptionStatus.CANCELLING: app_store_pb2.APP_SUBSCRIPTION_STATUS_CANCELLING,
    SubscriptionStatus.ENDED: app_store_pb2.APP_SUBSCRIPTION_STATUS_ENDED,
}


def subscribe_to_app_command(request: app_store_pb2.SubscribeToAppRequest) -> SubscribeToApp:
    return SubscribeToApp(request.listing_id, request.plan_id, request.instrument)


def cancel_subscription_command(
    request: app_store_pb2.CancelSubscriptionRequest,
) -> CancelAppSubscription:
    return CancelAppSubscription(request.subscription_id, request.at_once)


def update_instrument_command(
    request: app_store_pb2.UpdatePaymentInstrumentRequest,
) -> UpdateInstrument:
    return UpdateInstrument(request.subscription_id, request.instrument)


def consent_command(request: app_store_pb2.ConsentToScopesRequest) -> ConsentToScopes:
    return ConsentToScopes(request.subscription_id)


def publish_version_command(
    request: app_store_pb2.PublishListingVersionRequest,
) -> CreateListing:
    return create_listing_command(
        app_store_pb2.CreateListingRequest(
            name=request.name,
            description=request.description,
            category=request.category,
            scopes=request.scopes,
            plans=request.plans,
        )
    )


def app_subscription_message(
    subscription: AppSubscription, listing: Listing | None = None
) -> app_store_pb2.AppSubscription:
    """The subscription as its seller or vendor sees it (never the instrument itself);
    with its listing, the scopes a newer approved version asks consent for."""
    message = app_store_pb2.AppSubscription(
        subscription_id=subscription.id,
        listing_id=subscription.listing_id,
        plan_id=subscription.plan_id,
        seller_id=subscription.seller_id,
        vendor_app_id=subscription.vendor_app_id,
        period=_PERIOD_MESSAGES[subscription.period.value],
        status=_SUBSCRIPTION_STATUSES[subscription.status],
        period_number=subscription.period_number,
        scopes=subscription.scopes,
        granted_scopes=subscription.granted_scopes,
        grant_id=subscription.grant_id,
        instrument_last4=subscription.instrument[-4:],
        ended_reason=subscription.ended_reason,
    )
    if subscription.price is not None:
        message.price.CopyFrom(_money(subscription.price))
    if subscription.period_start is not None:
        message.period_start.CopyFrom(timestamp_message(subscription.period_start))
    if subscription.period_end is not None:
        message.period_end.CopyFrom(timestamp_message(subscription.period_end))
        if subscription.status is SubscriptionStatus.ACTIVE:
            message.next_charge_at.CopyFrom(timestamp_message(subscription.period_end))
    charge = subscription.charge
    if charge is not None and charge.retry_at is not None:
        message.next_charge_at.CopyFrom(timestamp_message(charge.retry_at))
    if subscription.grace_until is not None:
        message.grace_until.CopyFrom(timestamp_message(subscription.grace_until))
    if listing is not None and listing.status is ListingStatus.APPROVED:
        plan = listing.plan(subscription.plan_id)
        if plan is not None and set(plan.scopes) != set(subscription.scopes):
            message.consent_scopes.extend(plan.scopes)
    return message


def vendor_revenue_response(
    revenue: list[Revenue], churn: list[Churn], active: int
) -> app_store_pb2.GetVendorRevenueResponse:
    return app_store_pb2.GetVendorRevenueResponse(
        revenue=[
            app_store_pb2.VendorRevenue(
                currency=r.currency,
                charges=r.charges,
                gross=_money(r.gross),
                platform_share=_money(r.platform_share),
                vendor_share=_money(r.vendor_share),
                refunded=_money(r.refunded),
                vendor_refunded=_money(r.vendor_refunded),
            )
            for r in revenue
        ],
        churn=[
            app_store_pb2.ChurnPeriod(
                month=c.month, started=c.started, cancelled=c.cancelled, suspended=c.suspended
            )
            for c in churn
        ],
        active_subscribers=active,
    )


# --- the app store's calls out: payments and identity --------------------------------------------


def charge_request(effect: TakeCharge) -> payments_pb2.ChargeAppSubscriptionRequest:
    return _with_shares(
        payments_pb2.ChargeAppSubscriptionRequest(
            idempotency_key=effect.key,
            charge_id=effect.charge_id,
            subscription_id=effect.subscription_id,
            listing_id=effect.listing_id,
            vendor_id=effect.vendor_app_id,
            seller_id=effect.seller_id,
            instrument=effect.instrument,
        ),
        effect.shares,
    )


def charge_answer(
    effect: TakeCharge, response: payments_pb2.ChargeAppSubscriptionResponse
) -> ChargeAnswered:
    reason = ""
    if not response.charged:
        name = payments_pb2.DeclineReason.Name(response.decline_reason)
        reason = name.removeprefix("DECLINE_REASON_").lower()
    return ChargeAnswered(effect.charge_id, response.charged, reason)


def check_request(effect: CheckCharge) -> payments_pb2.GetAppChargeRequest:
    return payments_pb2.GetAppChargeRequest(charge_id=effect.charge_id)


def check_answer(
    effect: CheckCharge, response: payments_pb2.GetAppChargeResponse
) -> ChargeAnswered:
    """Taken and not yet given back: charged (to refund); otherwise not (to drop)."""
    taken = response.charge.status == payments_pb2.APP_CHARGE_STATUS_CHARGED
    return ChargeAnswered(effect.charge_id, taken, "" if taken else "not taken")


def refund_request(effect: GiveRefund) -> payments_pb2.RefundAppChargeRequest:
    return _with_shares(
        payments_pb2.RefundAppChargeRequest(
            idempotency_key=effect.key,
            refund_id=effect.refund_id,
            charge_id=effect.charge_id,
            reason="app subscription cancelled",
        ),
        effect.shares,
    )


def grant_request(effect: GrantScopes) -> grants_pb2.GrantAccessRequest:
    return grants_pb2.GrantAccessRequest(
        idempotency_key=effect.key,
        app_id=effect.app_id,
        scopes=effect.scopes,
        grantor_account_id=effect.seller_id,
    )


def grant_answer(response: grants_pb2.GrantAccessResponse) -> GrantAnswered:
    return GrantAnswered(response.grant.grant_id, tuple(response.grant.scopes))


def revoke_request(effect: RevokeGrant) -> grants_pb2.RevokeAccessRequest:
    return grants_pb2.RevokeAccessRequest(idempotency_key=effect.key, grant_id=effect.grant_id)
