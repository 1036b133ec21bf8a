import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.common.v1 import money_pb2 as _money_pb2
from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PricingModel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRICING_MODEL_UNSPECIFIED: _ClassVar[PricingModel]
    PRICING_MODEL_CPC: _ClassVar[PricingModel]
    PRICING_MODEL_CPS: _ClassVar[PricingModel]

class CampaignStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_STATUS_UNSPECIFIED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_ACTIVE: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_PAUSED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_EXHAUSTED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_ENDED: _ClassVar[CampaignStatus]

class ClickRejection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLICK_REJECTION_UNSPECIFIED: _ClassVar[ClickRejection]
    CLICK_REJECTION_REPLAYED: _ClassVar[ClickRejection]
    CLICK_REJECTION_EXPIRED: _ClassVar[ClickRejection]
    CLICK_REJECTION_FORGED: _ClassVar[ClickRejection]
    CLICK_REJECTION_DUPLICATE: _ClassVar[ClickRejection]
    CLICK_REJECTION_FLOOD_FINGERPRINT: _ClassVar[ClickRejection]
    CLICK_REJECTION_FLOOD_PUBLISHER: _ClassVar[ClickRejection]
    CLICK_REJECTION_SELF_CLICK: _ClassVar[ClickRejection]
    CLICK_REJECTION_CAMPAIGN_INACTIVE: _ClassVar[ClickRejection]
    CLICK_REJECTION_CAMPAIGN_EXHAUSTED: _ClassVar[ClickRejection]
    CLICK_REJECTION_BUDGET_EXHAUSTED: _ClassVar[ClickRejection]
PRICING_MODEL_UNSPECIFIED: PricingModel
PRICING_MODEL_CPC: PricingModel
PRICING_MODEL_CPS: PricingModel
CAMPAIGN_STATUS_UNSPECIFIED: CampaignStatus
CAMPAIGN_STATUS_ACTIVE: CampaignStatus
CAMPAIGN_STATUS_PAUSED: CampaignStatus
CAMPAIGN_STATUS_EXHAUSTED: CampaignStatus
CAMPAIGN_STATUS_ENDED: CampaignStatus
CLICK_REJECTION_UNSPECIFIED: ClickRejection
CLICK_REJECTION_REPLAYED: ClickRejection
CLICK_REJECTION_EXPIRED: ClickRejection
CLICK_REJECTION_FORGED: ClickRejection
CLICK_REJECTION_DUPLICATE: ClickRejection
CLICK_REJECTION_FLOOD_FINGERPRINT: ClickRejection
CLICK_REJECTION_FLOOD_PUBLISHER: ClickRejection
CLICK_REJECTION_SELF_CLICK: ClickRejection
CLICK_REJECTION_CAMPAIGN_INACTIVE: ClickRejection
CLICK_REJECTION_CAMPAIGN_EXHAUSTED: ClickRejection
CLICK_REJECTION_BUDGET_EXHAUSTED: ClickRejection

class Targeting(_message.Message):
    __slots__ = ("keywords", "categories", "regions")
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    keywords: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    regions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keywords: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ..., regions: _Optional[_Iterable[str]] = ...) -> None: ...

class LaunchCampaignRequest(_message.Message):
    __slots__ = ("idempotency_key", "shop_id", "name", "product_ids", "pricing", "bid", "commission_bps", "targeting", "starts_at", "ends_at", "total_cap", "daily_cap")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
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
    idempotency_key: str
    shop_id: str
    name: str
    product_ids: _containers.RepeatedScalarFieldContainer[str]
    pricing: PricingModel
    bid: _money_pb2.Money
    commission_bps: int
    targeting: Targeting
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    total_cap: _money_pb2.Money
    daily_cap: _money_pb2.Money
    def __init__(self, idempotency_key: _Optional[str] = ..., shop_id: _Optional[str] = ..., name: _Optional[str] = ..., product_ids: _Optional[_Iterable[str]] = ..., pricing: _Optional[_Union[PricingModel, str]] = ..., bid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., commission_bps: _Optional[int] = ..., targeting: _Optional[_Union[Targeting, _Mapping]] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., total_cap: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., daily_cap: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class LaunchCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class PauseCampaignRequest(_message.Message):
    __slots__ = ("idempotency_key", "campaign_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    campaign_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., campaign_id: _Optional[str] = ...) -> None: ...

class PauseCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class ResumeCampaignRequest(_message.Message):
    __slots__ = ("idempotency_key", "campaign_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    campaign_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., campaign_id: _Optional[str] = ...) -> None: ...

class ResumeCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class EndCampaignRequest(_message.Message):
    __slots__ = ("idempotency_key", "campaign_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    campaign_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., campaign_id: _Optional[str] = ...) -> None: ...

class EndCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class GetCampaignRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class GetCampaignResponse(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: Campaign
    def __init__(self, campaign: _Optional[_Union[Campaign, _Mapping]] = ...) -> None: ...

class ListCampaignsRequest(_message.Message):
    __slots__ = ("advertiser_id",)
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    def __init__(self, advertiser_id: _Optional[str] = ...) -> None: ...

class ListCampaignsResponse(_message.Message):
    __slots__ = ("campaigns",)
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    campaigns: _containers.RepeatedCompositeFieldContainer[Campaign]
    def __init__(self, campaigns: _Optional[_Iterable[_Union[Campaign, _Mapping]]] = ...) -> None: ...

class Campaign(_message.Message):
    __slots__ = ("campaign_id", "advertiser_id", "shop_id", "name", "product_ids", "pricing", "bid", "commission_bps", "targeting", "starts_at", "ends_at", "total_cap", "daily_cap", "status", "spent", "version")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
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
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SPENT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    advertiser_id: str
    shop_id: str
    name: str
    product_ids: _containers.RepeatedScalarFieldContainer[str]
    pricing: PricingModel
    bid: _money_pb2.Money
    commission_bps: int
    targeting: Targeting
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    total_cap: _money_pb2.Money
    daily_cap: _money_pb2.Money
    status: CampaignStatus
    spent: _money_pb2.Money
    version: int
    def __init__(self, campaign_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., name: _Optional[str] = ..., product_ids: _Optional[_Iterable[str]] = ..., pricing: _Optional[_Union[PricingModel, str]] = ..., bid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., commission_bps: _Optional[int] = ..., targeting: _Optional[_Union[Targeting, _Mapping]] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., total_cap: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., daily_cap: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., status: _Optional[_Union[CampaignStatus, str]] = ..., spent: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class GetAdvertiserBudgetRequest(_message.Message):
    __slots__ = ("advertiser_id",)
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    def __init__(self, advertiser_id: _Optional[str] = ...) -> None: ...

class AdvertiserBalance(_message.Message):
    __slots__ = ("deposited", "spent", "held", "available")
    DEPOSITED_FIELD_NUMBER: _ClassVar[int]
    SPENT_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    deposited: _money_pb2.Money
    spent: _money_pb2.Money
    held: _money_pb2.Money
    available: _money_pb2.Money
    def __init__(self, deposited: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., spent: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., held: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., available: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class GetAdvertiserBudgetResponse(_message.Message):
    __slots__ = ("advertiser_id", "balances")
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    balances: _containers.RepeatedCompositeFieldContainer[AdvertiserBalance]
    def __init__(self, advertiser_id: _Optional[str] = ..., balances: _Optional[_Iterable[_Union[AdvertiserBalance, _Mapping]]] = ...) -> None: ...

class ReportRequestWindow(_message.Message):
    __slots__ = ("from_day", "to_day")
    FROM_DAY_FIELD_NUMBER: _ClassVar[int]
    TO_DAY_FIELD_NUMBER: _ClassVar[int]
    from_day: str
    to_day: str
    def __init__(self, from_day: _Optional[str] = ..., to_day: _Optional[str] = ...) -> None: ...

class GetAdvertiserReportRequest(_message.Message):
    __slots__ = ("advertiser_id", "window", "as_of")
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    window: ReportRequestWindow
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, advertiser_id: _Optional[str] = ..., window: _Optional[_Union[ReportRequestWindow, _Mapping]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RejectionCount(_message.Message):
    __slots__ = ("reason", "count")
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    reason: ClickRejection
    count: int
    def __init__(self, reason: _Optional[_Union[ClickRejection, str]] = ..., count: _Optional[int] = ...) -> None: ...

class CampaignDay(_message.Message):
    __slots__ = ("campaign_id", "day", "impressions", "clicks_accepted", "clicks_rejected", "clicks_invalidated", "spend", "conversions", "attributed_gmv", "return_on_spend_bps")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    CLICKS_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    CLICKS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    CLICKS_INVALIDATED_FIELD_NUMBER: _ClassVar[int]
    SPEND_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTED_GMV_FIELD_NUMBER: _ClassVar[int]
    RETURN_ON_SPEND_BPS_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    day: str
    impressions: int
    clicks_accepted: int
    clicks_rejected: _containers.RepeatedCompositeFieldContainer[RejectionCount]
    clicks_invalidated: int
    spend: _money_pb2.Money
    conversions: int
    attributed_gmv: _money_pb2.Money
    return_on_spend_bps: int
    def __init__(self, campaign_id: _Optional[str] = ..., day: _Optional[str] = ..., impressions: _Optional[int] = ..., clicks_accepted: _Optional[int] = ..., clicks_rejected: _Optional[_Iterable[_Union[RejectionCount, _Mapping]]] = ..., clicks_invalidated: _Optional[int] = ..., spend: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., conversions: _Optional[int] = ..., attributed_gmv: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., return_on_spend_bps: _Optional[int] = ...) -> None: ...

class GetAdvertiserReportResponse(_message.Message):
    __slots__ = ("days",)
    DAYS_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[CampaignDay]
    def __init__(self, days: _Optional[_Iterable[_Union[CampaignDay, _Mapping]]] = ...) -> None: ...

class Visitor(_message.Message):
    __slots__ = ("fingerprint", "account_id", "region")
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    fingerprint: str
    account_id: str
    region: str
    def __init__(self, fingerprint: _Optional[str] = ..., account_id: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class ServeAdsRequest(_message.Message):
    __slots__ = ("slot", "keywords", "category", "region", "count", "visitor")
    SLOT_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    VISITOR_FIELD_NUMBER: _ClassVar[int]
    slot: str
    keywords: _containers.RepeatedScalarFieldContainer[str]
    category: str
    region: str
    count: int
    visitor: Visitor
    def __init__(self, slot: _Optional[str] = ..., keywords: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., region: _Optional[str] = ..., count: _Optional[int] = ..., visitor: _Optional[_Union[Visitor, _Mapping]] = ...) -> None: ...

class Ad(_message.Message):
    __slots__ = ("campaign_id", "product_id", "shop_id", "title", "price", "image_ref", "click_token", "click_url", "pricing", "expires_at")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REF_FIELD_NUMBER: _ClassVar[int]
    CLICK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLICK_URL_FIELD_NUMBER: _ClassVar[int]
    PRICING_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    product_id: str
    shop_id: str
    title: str
    price: _money_pb2.Money
    image_ref: str
    click_token: str
    click_url: str
    pricing: PricingModel
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., product_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., title: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., image_ref: _Optional[str] = ..., click_token: _Optional[str] = ..., click_url: _Optional[str] = ..., pricing: _Optional[_Union[PricingModel, str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ServeAdsResponse(_message.Message):
    __slots__ = ("ads",)
    ADS_FIELD_NUMBER: _ClassVar[int]
    ads: _containers.RepeatedCompositeFieldContainer[Ad]
    def __init__(self, ads: _Optional[_Iterable[_Union[Ad, _Mapping]]] = ...) -> None: ...

class RecordClickRequest(_message.Message):
    __slots__ = ("click_token", "visitor")
    CLICK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    VISITOR_FIELD_NUMBER: _ClassVar[int]
    click_token: str
    visitor: Visitor
    def __init__(self, click_token: _Optional[str] = ..., visitor: _Optional[_Union[Visitor, _Mapping]] = ...) -> None: ...

class Click(_message.Message):
    __slots__ = ("click_id", "accepted", "rejection", "charged", "attribution_token", "product_id", "shop_id")
    CLICK_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    CHARGED_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    click_id: str
    accepted: bool
    rejection: ClickRejection
    charged: _money_pb2.Money
    attribution_token: str
    product_id: str
    shop_id: str
    def __init__(self, click_id: _Optional[str] = ..., accepted: _Optional[bool] = ..., rejection: _Optional[_Union[ClickRejection, str]] = ..., charged: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., attribution_token: _Optional[str] = ..., product_id: _Optional[str] = ..., shop_id: _Optional[str] = ...) -> None: ...

class RecordClickResponse(_message.Message):
    __slots__ = ("click",)
    CLICK_FIELD_NUMBER: _ClassVar[int]
    click: Click
    def __init__(self, click: _Optional[_Union[Click, _Mapping]] = ...) -> None: ...

class GetPublisherReportRequest(_message.Message):
    __slots__ = ("publisher_id", "as_of")
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    publisher_id: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, publisher_id: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PublisherMoney(_message.Message):
    __slots__ = ("earned", "reversed", "paid", "payable")
    EARNED_FIELD_NUMBER: _ClassVar[int]
    REVERSED_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    PAYABLE_FIELD_NUMBER: _ClassVar[int]
    earned: _money_pb2.Money
    reversed: _money_pb2.Money
    paid: _money_pb2.Money
    payable: _money_pb2.Money
    def __init__(self, earned: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reversed: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., paid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payable: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class GetPublisherReportResponse(_message.Message):
    __slots__ = ("publisher_id", "impressions", "clicks_accepted", "clicks_rejected", "clicks_invalidated", "conversions", "reversals", "money")
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    CLICKS_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    CLICKS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    CLICKS_INVALIDATED_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    REVERSALS_FIELD_NUMBER: _ClassVar[int]
    MONEY_FIELD_NUMBER: _ClassVar[int]
    publisher_id: str
    impressions: int
    clicks_accepted: int
    clicks_rejected: _containers.RepeatedCompositeFieldContainer[RejectionCount]
    clicks_invalidated: int
    conversions: int
    reversals: int
    money: _containers.RepeatedCompositeFieldContainer[PublisherMoney]
    def __init__(self, publisher_id: _Optional[str] = ..., impressions: _Optional[int] = ..., clicks_accepted: _Optional[int] = ..., clicks_rejected: _Optional[_Iterable[_Union[RejectionCount, _Mapping]]] = ..., clicks_invalidated: _Optional[int] = ..., conversions: _Optional[int] = ..., reversals: _Optional[int] = ..., money: _Optional[_Iterable[_Union[PublisherMoney, _Mapping]]] = ...) -> None: ...

class RunPublisherPayoutBatchRequest(_message.Message):
    __slots__ = ("idempotency_key", "batch_id", "currency", "max_payouts")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    MAX_PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    batch_id: str
    currency: str
    max_payouts: int
    def __init__(self, idempotency_key: _Optional[str] = ..., batch_id: _Optional[str] = ..., currency: _Optional[str] = ..., max_payouts: _Optional[int] = ...) -> None: ...

class PublisherPayout(_message.Message):
    __slots__ = ("publisher_id", "amount")
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    publisher_id: str
    amount: _money_pb2.Money
    def __init__(self, publisher_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class RunPublisherPayoutBatchResponse(_message.Message):
    __slots__ = ("batch_id", "payouts")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    payouts: _containers.RepeatedCompositeFieldContainer[PublisherPayout]
    def __init__(self, batch_id: _Optional[str] = ..., payouts: _Optional[_Iterable[_Union[PublisherPayout, _Mapping]]] = ...) -> None: ...
