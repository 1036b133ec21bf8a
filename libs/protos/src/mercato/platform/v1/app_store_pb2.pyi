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
LISTING_STATUS_UNSPECIFIED: ListingStatus
LISTING_STATUS_PENDING_REVIEW: ListingStatus
LISTING_STATUS_APPROVED: ListingStatus
LISTING_STATUS_REJECTED: ListingStatus
BILLING_PERIOD_UNSPECIFIED: BillingPeriod
BILLING_PERIOD_FREE: BillingPeriod
BILLING_PERIOD_MONTHLY: BillingPeriod
BILLING_PERIOD_YEARLY: BillingPeriod

class AppSubscription(_message.Message):
    __slots__ = ("subscription_id", "listing_id", "plan_id", "seller_id", "vendor_app_id", "period", "price", "status", "period_number", "period_start", "period_end", "next_charge_at")
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
    def __init__(self, subscription_id: _Optional[str] = ..., listing_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., period: _Optional[_Union[BillingPeriod, str]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., status: _Optional[_Union[AppSubscriptionStatus, str]] = ..., period_number: _Optional[int] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_charge_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscribeToAppRequest(_message.Message):
    __slots__ = ("idempotency_key", "listing_id", "plan_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    listing_id: str
    plan_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., listing_id: _Optional[str] = ..., plan_id: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("subscription_id", "ended_at")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    ended_at: _timestamp_pb2.Timestamp
    def __init__(self, subscription_id: _Optional[str] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AppSubscriptionRefunded(_message.Message):
    __slots__ = ("subscription_id", "seller_id", "vendor_app_id", "charge_id", "unused_days", "amount", "platform_share", "vendor_share")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_APP_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    UNUSED_DAYS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    seller_id: str
    vendor_app_id: str
    charge_id: str
    unused_days: int
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    def __init__(self, subscription_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., vendor_app_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., unused_days: _Optional[int] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...
