import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.common.v1 import money_pb2 as _money_pb2
from mercato.marketing.v1 import marketing_pb2 as _marketing_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CampaignLaunched(_message.Message):
    __slots__ = ("advertiser_id", "shop_id", "name", "product_ids", "pricing", "bid", "commission_bps", "targeting", "starts_at", "ends_at", "total_cap", "daily_cap")
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_IDS_FIELD_NUMBER: _ClassVar[int]
    PRICING_FIELD_NUMBER: _ClassVar[int]
    BID_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_BPS_FIELD_NUMBER: _ClassVar[int]
    TARGETING_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CAP_FIELD_NUMBER: _ClassVar[int]
    DAILY_CAP_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    shop_id: str
    name: str
    product_ids: _containers.RepeatedScalarFieldContainer[str]
    pricing: _marketing_pb2.PricingModel
    bid: _money_pb2.Money
    commission_bps: int
    targeting: _marketing_pb2.Targeting
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    total_cap: _money_pb2.Money
    daily_cap: _money_pb2.Money
    def __init__(self, advertiser_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., name: _Optional[str] = ..., product_ids: _Optional[_Iterable[str]] = ..., pricing: _Optional[_Union[_marketing_pb2.PricingModel, str]] = ..., bid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., commission_bps: _Optional[int] = ..., targeting: _Optional[_Union[_marketing_pb2.Targeting, _Mapping]] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., total_cap: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., daily_cap: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CampaignPaused(_message.Message):
    __slots__ = ("advertiser_id",)
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    def __init__(self, advertiser_id: _Optional[str] = ...) -> None: ...

class CampaignResumed(_message.Message):
    __slots__ = ("advertiser_id",)
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    def __init__(self, advertiser_id: _Optional[str] = ...) -> None: ...

class CampaignEnded(_message.Message):
    __slots__ = ("advertiser_id",)
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    def __init__(self, advertiser_id: _Optional[str] = ...) -> None: ...

class CampaignExhausted(_message.Message):
    __slots__ = ("advertiser_id", "spent")
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    SPENT_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    spent: _money_pb2.Money
    def __init__(self, advertiser_id: _Optional[str] = ..., spent: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class BudgetCredited(_message.Message):
    __slots__ = ("deposit_event_id", "amount", "available")
    DEPOSIT_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    deposit_event_id: str
    amount: _money_pb2.Money
    available: _money_pb2.Money
    def __init__(self, deposit_event_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., available: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class BudgetExhausted(_message.Message):
    __slots__ = ("available",)
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    available: _money_pb2.Money
    def __init__(self, available: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class BudgetReplenished(_message.Message):
    __slots__ = ("available",)
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    available: _money_pb2.Money
    def __init__(self, available: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class AdClicked(_message.Message):
    __slots__ = ("campaign_id", "advertiser_id", "publisher_id", "product_id", "shop_id", "pricing", "cost", "publisher_share", "platform_share", "fingerprint", "clicked_at")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    PRICING_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_SHARE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    CLICKED_AT_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    advertiser_id: str
    publisher_id: str
    product_id: str
    shop_id: str
    pricing: _marketing_pb2.PricingModel
    cost: _money_pb2.Money
    publisher_share: _money_pb2.Money
    platform_share: _money_pb2.Money
    fingerprint: str
    clicked_at: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., publisher_id: _Optional[str] = ..., product_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., pricing: _Optional[_Union[_marketing_pb2.PricingModel, str]] = ..., cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., publisher_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., fingerprint: _Optional[str] = ..., clicked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ClickRejected(_message.Message):
    __slots__ = ("campaign_id", "advertiser_id", "publisher_id", "reason", "fingerprint", "clicked_at")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    CLICKED_AT_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    advertiser_id: str
    publisher_id: str
    reason: _marketing_pb2.ClickRejection
    fingerprint: str
    clicked_at: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., publisher_id: _Optional[str] = ..., reason: _Optional[_Union[_marketing_pb2.ClickRejection, str]] = ..., fingerprint: _Optional[str] = ..., clicked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ClickInvalidated(_message.Message):
    __slots__ = ("campaign_id", "advertiser_id", "publisher_id", "reason", "cost", "publisher_share", "platform_share")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_SHARE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    advertiser_id: str
    publisher_id: str
    reason: _marketing_pb2.ClickRejection
    cost: _money_pb2.Money
    publisher_share: _money_pb2.Money
    platform_share: _money_pb2.Money
    def __init__(self, campaign_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., publisher_id: _Optional[str] = ..., reason: _Optional[_Union[_marketing_pb2.ClickRejection, str]] = ..., cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., publisher_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ConversionAttributed(_message.Message):
    __slots__ = ("click_id", "campaign_id", "advertiser_id", "publisher_id", "shop_id", "pricing", "order_value", "commission", "attributed_at")
    CLICK_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    PRICING_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTED_AT_FIELD_NUMBER: _ClassVar[int]
    click_id: str
    campaign_id: str
    advertiser_id: str
    publisher_id: str
    shop_id: str
    pricing: _marketing_pb2.PricingModel
    order_value: _money_pb2.Money
    commission: _money_pb2.Money
    attributed_at: _timestamp_pb2.Timestamp
    def __init__(self, click_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., publisher_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., pricing: _Optional[_Union[_marketing_pb2.PricingModel, str]] = ..., order_value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., commission: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., attributed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AttributionRejected(_message.Message):
    __slots__ = ("reason", "click_id")
    REASON_FIELD_NUMBER: _ClassVar[int]
    CLICK_ID_FIELD_NUMBER: _ClassVar[int]
    reason: str
    click_id: str
    def __init__(self, reason: _Optional[str] = ..., click_id: _Optional[str] = ...) -> None: ...

class CommissionCharged(_message.Message):
    __slots__ = ("campaign_id", "advertiser_id", "publisher_id", "commission", "publisher_share", "platform_share")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_SHARE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    advertiser_id: str
    publisher_id: str
    commission: _money_pb2.Money
    publisher_share: _money_pb2.Money
    platform_share: _money_pb2.Money
    def __init__(self, campaign_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., publisher_id: _Optional[str] = ..., commission: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., publisher_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ConversionLapsed(_message.Message):
    __slots__ = ("campaign_id", "advertiser_id", "released")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    advertiser_id: str
    released: _money_pb2.Money
    def __init__(self, campaign_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., released: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ConversionReversed(_message.Message):
    __slots__ = ("campaign_id", "advertiser_id", "publisher_id", "commission", "publisher_share", "platform_share", "after_payout", "released")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_SHARE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    AFTER_PAYOUT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    advertiser_id: str
    publisher_id: str
    commission: _money_pb2.Money
    publisher_share: _money_pb2.Money
    platform_share: _money_pb2.Money
    after_payout: bool
    released: _money_pb2.Money
    def __init__(self, campaign_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., publisher_id: _Optional[str] = ..., commission: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., publisher_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., after_payout: _Optional[bool] = ..., released: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class PublisherPaidOut(_message.Message):
    __slots__ = ("publisher_id", "amount")
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    publisher_id: str
    amount: _money_pb2.Money
    def __init__(self, publisher_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class PublisherPayoutBatchClosed(_message.Message):
    __slots__ = ("currency", "payouts", "total")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    currency: str
    payouts: int
    total: _money_pb2.Money
    def __init__(self, currency: _Optional[str] = ..., payouts: _Optional[int] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class TrafficFlagged(_message.Message):
    __slots__ = ("kind", "key", "window_start", "window_end", "clicks", "limit")
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    CLICKS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    key: str
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    clicks: int
    limit: int
    def __init__(self, kind: _Optional[str] = ..., key: _Optional[str] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clicks: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...
