import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.common.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AppSubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APP_SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[AppSubscriptionStatus]
    APP_SUBSCRIPTION_STATUS_ACTIVE: _ClassVar[AppSubscriptionStatus]
    APP_SUBSCRIPTION_STATUS_CANCELLING: _ClassVar[AppSubscriptionStatus]
    APP_SUBSCRIPTION_STATUS_ENDED: _ClassVar[AppSubscriptionStatus]
    APP_SUBSCRIPTION_STATUS_PENDING: _ClassVar[AppSubscriptionStatus]
    APP_SUBSCRIPTION_STATUS_PAST_DUE: _ClassVar[AppSubscriptionStatus]
    APP_SUBSCRIPTION_STATUS_SUSPENDED: _ClassVar[AppSubscriptionStatus]

class ListingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LISTING_STATUS_UNSPECIFIED: _ClassVar[ListingStatus]
    LISTING_STATUS_PENDING_REVIEW: _ClassVar[ListingStatus]
    LISTING_STATUS_APPROVED: _ClassVar[ListingStatus]
    LISTING_STATUS_REJECTED: _ClassVar[ListingStatus]

class BillingPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_PERIOD_UNSPECIFIED: _ClassVar[BillingPeriod]
    BILLING_PERIOD_FREE: _ClassVar[BillingPeriod]
    BILLING_PERIOD_MONTHLY: _ClassVar[BillingPeriod]
    BILLING_PERIOD_YEARLY: _ClassVar[BillingPeriod]
APP_SUBSCRIPTION_STATUS_UNSPECIFIED: AppSubscriptionStatus
APP_SUBSCRIPTION_STATUS_ACTIVE: AppSubscriptionStatus
APP_SUBSCRIPTION_STATUS_CANCELLING: AppSubscriptionStatus
APP_SUBSCRIPTION_STATUS_ENDED: AppSubscriptionStatus
APP_SUBSCRIPTION_STATUS_PENDING: AppSubscriptionStatus
APP_SUBSCRIPTION_STATUS_PAST_DUE: AppSubscriptionStatus
APP_SUBSCRIPTION_STATUS_SUSPENDED: AppSubscriptionStatus
LISTING_STATUS_UNSPECIFIED: ListingStatus
LISTING_STATUS_PENDING_REVIEW: ListingStatus
LISTING_STATUS_APPROVED: ListingStatus
LISTING_STATUS_REJECTED: ListingStatus
BILLING_PERIOD_UNSPECIFIED: BillingPeriod
BILLING_PERIOD_FREE: BillingPeriod
BILLING_PERIOD_MONTHLY: BillingPeriod
BILLING_PERIOD_YEARLY: BillingPeriod

class AppSubscription(_message.Message):
    __slots__ = ("subscription_id", "listing_id", "plan_id", "seller_id", "vendor_app_id", "period", "price", "status", "period_number", "period_start", "period_end", "next_charge_at", "scopes", "granted_scopes", "grant_id", "consent_scopes", "grace_until", "instrument_last4", "ended_reason")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PERIOD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    NEXT_CHARGE_AT_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    GRANTED_SCOPES_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_SCOPES_FIELD_NUMBER: _ClassVar[int]
    GRACE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_LAST4_FIELD_NUMBER: _ClassVar[int]
    ENDED_REASON_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    listing_id: str
    plan_id: str
    seller_id: str
    vendor_app_id: str
    period: BillingPeriod
    price: _money_pb2.Money
    status: AppSubscriptionStatus
    period_number: int
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    next_charge_at: _timestamp_pb2.Timestamp
    scopes: _containers.RepeatedScalarFieldContainer[str]
    granted_scopes: _containers.RepeatedScalarFieldContainer[str]
    grant_id: str
    consent_scopes: _containers.RepeatedScalarFieldContainer[str]
    grace_until: _timestamp_pb2.Timestamp
    instrument_last4: str
    ended_reason: str
    def __init__(self, subscription_id: _Optional[str] = ..., listing_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., period: _Optional[_Union[BillingPeriod, str]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., status: _Optional[_Union[AppSubscriptionStatus, str]] = ..., period_number: _Optional[int] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_charge_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scopes: _Optional[_Iterable[str]] = ..., granted_scopes: _Optional[_Iterable[str]] = ..., grant_id: _Optional[str] = ..., consent_scopes: _Optional[_Iterable[str]] = ..., grace_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., instrument_last4: _Optional[str] = ..., ended_reason: _Optional[str] = ...) -> None: ...

class SubscribeToAppRequest(_message.Message):
    __slots__ = ("idempotency_key", "listing_id", "plan_id", "instrument")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    listing_id: str
    plan_id: str
    instrument: str
    def __init__(self, idempotency_key: _Optional[str] = ..., listing_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., instrument: _Optional[str] = ...) -> None: ...

class SubscribeToAppResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: AppSubscription
    def __init__(self, subscription: _Optional[_Union[AppSubscription, _Mapping]] = ...) -> None: ...

class CancelSubscriptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "subscription_id", "at_once")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    AT_ONCE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    subscription_id: str
    at_once: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., subscription_id: _Optional[str] = ..., at_once: _Optional[bool] = ...) -> None: ...

class CancelSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: AppSubscription
    def __init__(self, subscription: _Optional[_Union[AppSubscription, _Mapping]] = ...) -> None: ...

class ListSellerSubscriptionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSellerSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions",)
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[AppSubscription]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[AppSubscription, _Mapping]]] = ...) -> None: ...

class UpdatePaymentInstrumentRequest(_message.Message):
    __slots__ = ("idempotency_key", "subscription_id", "instrument")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    subscription_id: str
    instrument: str
    def __init__(self, idempotency_key: _Optional[str] = ..., subscription_id: _Optional[str] = ..., instrument: _Optional[str] = ...) -> None: ...

class UpdatePaymentInstrumentResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: AppSubscription
    def __init__(self, subscription: _Optional[_Union[AppSubscription, _Mapping]] = ...) -> None: ...

class ConsentToScopesRequest(_message.Message):
    __slots__ = ("idempotency_key", "subscription_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    subscription_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., subscription_id: _Optional[str] = ...) -> None: ...

class ConsentToScopesResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: AppSubscription
    def __init__(self, subscription: _Optional[_Union[AppSubscription, _Mapping]] = ...) -> None: ...

class PublishListingVersionRequest(_message.Message):
    __slots__ = ("idempotency_key", "listing_id", "name", "description", "category", "scopes", "plans")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    listing_id: str
    name: str
    description: str
    category: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    plans: _containers.RepeatedCompositeFieldContainer[AppPlan]
    def __init__(self, idempotency_key: _Optional[str] = ..., listing_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., category: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., plans: _Optional[_Iterable[_Union[AppPlan, _Mapping]]] = ...) -> None: ...

class PublishListingVersionResponse(_message.Message):
    __slots__ = ("listing",)
    LISTING_FIELD_NUMBER: _ClassVar[int]
    listing: AppListing
    def __init__(self, listing: _Optional[_Union[AppListing, _Mapping]] = ...) -> None: ...

class ListAppSubscribersRequest(_message.Message):
    __slots__ = ("listing_id",)
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    listing_id: str
    def __init__(self, listing_id: _Optional[str] = ...) -> None: ...

class ListAppSubscribersResponse(_message.Message):
    __slots__ = ("subscriptions",)
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[AppSubscription]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[AppSubscription, _Mapping]]] = ...) -> None: ...

class GetVendorRevenueRequest(_message.Message):
    __slots__ = ("listing_id",)
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    listing_id: str
    def __init__(self, listing_id: _Optional[str] = ...) -> None: ...

class VendorRevenue(_message.Message):
    __slots__ = ("currency", "charges", "gross", "platform_share", "vendor_share", "refunded", "vendor_refunded")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CHARGES_FIELD_NUMBER: _ClassVar[int]
    GROSS_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    VENDOR_REFUNDED_FIELD_NUMBER: _ClassVar[int]
    currency: str
    charges: int
    gross: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    refunded: _money_pb2.Money
    vendor_refunded: _money_pb2.Money
    def __init__(self, currency: _Optional[str] = ..., charges: _Optional[int] = ..., gross: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ChurnPeriod(_message.Message):
    __slots__ = ("month", "started", "cancelled", "suspended")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    month: str
    started: int
    cancelled: int
    suspended: int
    def __init__(self, month: _Optional[str] = ..., started: _Optional[int] = ..., cancelled: _Optional[int] = ..., suspended: _Optional[int] = ...) -> None: ...

class GetVendorRevenueResponse(_message.Message):
    __slots__ = ("revenue", "churn", "active_subscribers")
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    CHURN_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SUBSCRIBERS_FIELD_NUMBER: _ClassVar[int]
    revenue: _containers.RepeatedCompositeFieldContainer[VendorRevenue]
    churn: _containers.RepeatedCompositeFieldContainer[ChurnPeriod]
    active_subscribers: int
    def __init__(self, revenue: _Optional[_Iterable[_Union[VendorRevenue, _Mapping]]] = ..., churn: _Optional[_Iterable[_Union[ChurnPeriod, _Mapping]]] = ..., active_subscribers: _Optional[int] = ...) -> None: ...

class AppPlan(_message.Message):
    __slots__ = ("plan_id", "period", "price", "trial_days", "scopes")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    TRIAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    period: BillingPeriod
    price: _money_pb2.Money
    trial_days: int
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, plan_id: _Optional[str] = ..., period: _Optional[_Union[BillingPeriod, str]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., trial_days: _Optional[int] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class AppListing(_message.Message):
    __slots__ = ("listing_id", "vendor_app_id", "name", "description", "category", "scopes", "plans", "status", "rejection_reason", "install_count", "created_at", "reviewed_at")
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REJECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    INSTALL_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    listing_id: str
    vendor_app_id: str
    name: str
    description: str
    category: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    plans: _containers.RepeatedCompositeFieldContainer[AppPlan]
    status: ListingStatus
    rejection_reason: str
    install_count: int
    created_at: _timestamp_pb2.Timestamp
    reviewed_at: _timestamp_pb2.Timestamp
    def __init__(self, listing_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., category: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., plans: _Optional[_Iterable[_Union[AppPlan, _Mapping]]] = ..., status: _Optional[_Union[ListingStatus, str]] = ..., rejection_reason: _Optional[str] = ..., install_count: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reviewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateListingRequest(_message.Message):
    __slots__ = ("idempotency_key", "name", "description", "category", "scopes", "plans")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    name: str
    description: str
    category: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    plans: _containers.RepeatedCompositeFieldContainer[AppPlan]
    def __init__(self, idempotency_key: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., category: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., plans: _Optional[_Iterable[_Union[AppPlan, _Mapping]]] = ...) -> None: ...

class CreateListingResponse(_message.Message):
    __slots__ = ("listing",)
    LISTING_FIELD_NUMBER: _ClassVar[int]
    listing: AppListing
    def __init__(self, listing: _Optional[_Union[AppListing, _Mapping]] = ...) -> None: ...

class ReviewListingRequest(_message.Message):
    __slots__ = ("idempotency_key", "listing_id", "approve", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    listing_id: str
    approve: bool
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., listing_id: _Optional[str] = ..., approve: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class ReviewListingResponse(_message.Message):
    __slots__ = ("listing",)
    LISTING_FIELD_NUMBER: _ClassVar[int]
    listing: AppListing
    def __init__(self, listing: _Optional[_Union[AppListing, _Mapping]] = ...) -> None: ...

class GetListingRequest(_message.Message):
    __slots__ = ("listing_id",)
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    listing_id: str
    def __init__(self, listing_id: _Optional[str] = ...) -> None: ...

class GetListingResponse(_message.Message):
    __slots__ = ("listing",)
    LISTING_FIELD_NUMBER: _ClassVar[int]
    listing: AppListing
    def __init__(self, listing: _Optional[_Union[AppListing, _Mapping]] = ...) -> None: ...

class ListVendorListingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListVendorListingsResponse(_message.Message):
    __slots__ = ("listings",)
    LISTINGS_FIELD_NUMBER: _ClassVar[int]
    listings: _containers.RepeatedCompositeFieldContainer[AppListing]
    def __init__(self, listings: _Optional[_Iterable[_Union[AppListing, _Mapping]]] = ...) -> None: ...

class SearchListingsRequest(_message.Message):
    __slots__ = ("category", "scope", "max_price", "limit")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    category: str
    scope: str
    max_price: _money_pb2.Money
    limit: int
    def __init__(self, category: _Optional[str] = ..., scope: _Optional[str] = ..., max_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class SearchListingsResponse(_message.Message):
    __slots__ = ("listings",)
    LISTINGS_FIELD_NUMBER: _ClassVar[int]
    listings: _containers.RepeatedCompositeFieldContainer[AppListing]
    def __init__(self, listings: _Optional[_Iterable[_Union[AppListing, _Mapping]]] = ...) -> None: ...

class AppListingCreated(_message.Message):
    __slots__ = ("listing_id", "vendor_app_id", "name", "scopes")
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    listing_id: str
    vendor_app_id: str
    name: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, listing_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., name: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class AppListingApproved(_message.Message):
    __slots__ = ("listing_id", "vendor_app_id")
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    listing_id: str
    vendor_app_id: str
    def __init__(self, listing_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ...) -> None: ...

class AppListingRejected(_message.Message):
    __slots__ = ("listing_id", "vendor_app_id", "reason")
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    listing_id: str
    vendor_app_id: str
    reason: str
    def __init__(self, listing_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AppSubscriptionStarted(_message.Message):
    __slots__ = ("subscription_id", "listing_id", "plan_id", "seller_id", "vendor_app_id", "period_start", "period_end")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    listing_id: str
    plan_id: str
    seller_id: str
    vendor_app_id: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    def __init__(self, subscription_id: _Optional[str] = ..., listing_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AppSubscriptionChargeDue(_message.Message):
    __slots__ = ("subscription_id", "charge_id", "period_number", "amount")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    charge_id: str
    period_number: int
    amount: _money_pb2.Money
    def __init__(self, subscription_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., period_number: _Optional[int] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class AppSubscriptionChargeDeclined(_message.Message):
    __slots__ = ("subscription_id", "charge_id", "attempt", "reason", "grace_until", "retry_at")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    GRACE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    RETRY_AT_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    charge_id: str
    attempt: int
    reason: str
    grace_until: _timestamp_pb2.Timestamp
    retry_at: _timestamp_pb2.Timestamp
    def __init__(self, subscription_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., attempt: _Optional[int] = ..., reason: _Optional[str] = ..., grace_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retry_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AppSubscriptionChargeDropped(_message.Message):
    __slots__ = ("subscription_id", "charge_id")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    charge_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., charge_id: _Optional[str] = ...) -> None: ...

class AppSubscriptionSuspended(_message.Message):
    __slots__ = ("subscription_id", "seller_id", "vendor_app_id", "suspended_at")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_AT_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    seller_id: str
    vendor_app_id: str
    suspended_at: _timestamp_pb2.Timestamp
    def __init__(self, subscription_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., suspended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AppSubscriptionReactivated(_message.Message):
    __slots__ = ("subscription_id", "reactivated_at")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    REACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    reactivated_at: _timestamp_pb2.Timestamp
    def __init__(self, subscription_id: _Optional[str] = ..., reactivated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AppSubscriptionInstrumentUpdated(_message.Message):
    __slots__ = ("subscription_id",)
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ...) -> None: ...

class AppSubscriptionRefundPaid(_message.Message):
    __slots__ = ("subscription_id", "refund_id")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    refund_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., refund_id: _Optional[str] = ...) -> None: ...

class AppSubscriptionAccessGranted(_message.Message):
    __slots__ = ("subscription_id", "seller_id", "vendor_app_id", "grant_id", "scopes")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    seller_id: str
    vendor_app_id: str
    grant_id: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subscription_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., grant_id: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class AppSubscriptionAccessRevoked(_message.Message):
    __slots__ = ("subscription_id", "seller_id", "vendor_app_id", "grant_id")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    seller_id: str
    vendor_app_id: str
    grant_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., grant_id: _Optional[str] = ...) -> None: ...

class AppSubscriptionScopesConsented(_message.Message):
    __slots__ = ("subscription_id", "scopes")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subscription_id: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class AppListingVersionPublished(_message.Message):
    __slots__ = ("listing_id", "vendor_app_id", "version", "name", "scopes")
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    listing_id: str
    vendor_app_id: str
    version: int
    name: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, listing_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., version: _Optional[int] = ..., name: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class AppSubscriptionCharged(_message.Message):
    __slots__ = ("subscription_id", "seller_id", "vendor_app_id", "charge_id", "period_number", "period_start", "period_end", "amount", "platform_share", "vendor_share")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    seller_id: str
    vendor_app_id: str
    charge_id: str
    period_number: int
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    def __init__(self, subscription_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., period_number: _Optional[int] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class AppSubscriptionCancelScheduled(_message.Message):
    __slots__ = ("subscription_id", "ends_at")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    ends_at: _timestamp_pb2.Timestamp
    def __init__(self, subscription_id: _Optional[str] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AppSubscriptionEnded(_message.Message):
    __slots__ = ("subscription_id", "ended_at", "reason")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    ended_at: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, subscription_id: _Optional[str] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class AppSubscriptionRefunded(_message.Message):
    __slots__ = ("subscription_id", "seller_id", "vendor_app_id", "charge_id", "unused_days", "amount", "platform_share", "vendor_share", "refund_id")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    UNUSED_DAYS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    seller_id: str
    vendor_app_id: str
    charge_id: str
    unused_days: int
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    refund_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., unused_days: _Optional[int] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., refund_id: _Optional[str] = ...) -> None: ...
