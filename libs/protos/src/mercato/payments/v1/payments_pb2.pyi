from mercato.common.v1 import money_pb2 as _money_pb2
from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShopTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHOP_TIER_UNSPECIFIED: _ClassVar[ShopTier]
    SHOP_TIER_STANDARD: _ClassVar[ShopTier]
    SHOP_TIER_FLAGSHIP: _ClassVar[ShopTier]

class PaymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_STATUS_UNSPECIFIED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_DECLINED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_CAPTURED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_RELEASED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_REFUNDED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_VOIDED: _ClassVar[PaymentStatus]

class DeclineReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECLINE_REASON_UNSPECIFIED: _ClassVar[DeclineReason]
    DECLINE_REASON_CARD_DECLINED: _ClassVar[DeclineReason]
    DECLINE_REASON_PROVIDER_TIMEOUT: _ClassVar[DeclineReason]
    DECLINE_REASON_PROVIDER_ERROR: _ClassVar[DeclineReason]
    DECLINE_REASON_UNKNOWN_INSTRUMENT: _ClassVar[DeclineReason]

class ChargePurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHARGE_PURPOSE_UNSPECIFIED: _ClassVar[ChargePurpose]
    CHARGE_PURPOSE_ORDER_PAYMENT: _ClassVar[ChargePurpose]
    CHARGE_PURPOSE_BUDGET_DEPOSIT: _ClassVar[ChargePurpose]
    CHARGE_PURPOSE_APP_SUBSCRIPTION: _ClassVar[ChargePurpose]

class AppChargeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APP_CHARGE_STATUS_UNSPECIFIED: _ClassVar[AppChargeStatus]
    APP_CHARGE_STATUS_DECLINED: _ClassVar[AppChargeStatus]
    APP_CHARGE_STATUS_CHARGED: _ClassVar[AppChargeStatus]
    APP_CHARGE_STATUS_REFUNDED: _ClassVar[AppChargeStatus]
SHOP_TIER_UNSPECIFIED: ShopTier
SHOP_TIER_STANDARD: ShopTier
SHOP_TIER_FLAGSHIP: ShopTier
PAYMENT_STATUS_UNSPECIFIED: PaymentStatus
PAYMENT_STATUS_DECLINED: PaymentStatus
PAYMENT_STATUS_CAPTURED: PaymentStatus
PAYMENT_STATUS_RELEASED: PaymentStatus
PAYMENT_STATUS_REFUNDED: PaymentStatus
PAYMENT_STATUS_VOIDED: PaymentStatus
DECLINE_REASON_UNSPECIFIED: DeclineReason
DECLINE_REASON_CARD_DECLINED: DeclineReason
DECLINE_REASON_PROVIDER_TIMEOUT: DeclineReason
DECLINE_REASON_PROVIDER_ERROR: DeclineReason
DECLINE_REASON_UNKNOWN_INSTRUMENT: DeclineReason
CHARGE_PURPOSE_UNSPECIFIED: ChargePurpose
CHARGE_PURPOSE_ORDER_PAYMENT: ChargePurpose
CHARGE_PURPOSE_BUDGET_DEPOSIT: ChargePurpose
CHARGE_PURPOSE_APP_SUBSCRIPTION: ChargePurpose
APP_CHARGE_STATUS_UNSPECIFIED: AppChargeStatus
APP_CHARGE_STATUS_DECLINED: AppChargeStatus
APP_CHARGE_STATUS_CHARGED: AppChargeStatus
APP_CHARGE_STATUS_REFUNDED: AppChargeStatus

class CapturePaymentRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "buyer_id", "seller_id", "shop_id", "shop_tier", "amount", "instrument")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_TIER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    shop_tier: ShopTier
    amount: _money_pb2.Money
    instrument: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., shop_tier: _Optional[_Union[ShopTier, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., instrument: _Optional[str] = ...) -> None: ...

class CapturePaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class ReleaseEscrowRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ...) -> None: ...

class ReleaseEscrowResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class RefundPaymentRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "refund_id", "amount", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    refund_id: str
    amount: _money_pb2.Money
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ..., refund_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RefundPaymentResponse(_message.Message):
    __slots__ = ("payment", "refund")
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    refund: Refund
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ..., refund: _Optional[_Union[Refund, _Mapping]] = ...) -> None: ...

class GetPaymentRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class GetPaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class RunPayoutBatchRequest(_message.Message):
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

class RunPayoutBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: PayoutBatch
    def __init__(self, batch: _Optional[_Union[PayoutBatch, _Mapping]] = ...) -> None: ...

class GetSellerPayableRequest(_message.Message):
    __slots__ = ("seller_id",)
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    seller_id: str
    def __init__(self, seller_id: _Optional[str] = ...) -> None: ...

class GetSellerPayableResponse(_message.Message):
    __slots__ = ("balances",)
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    balances: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    def __init__(self, balances: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ...) -> None: ...

class DepositBudgetRequest(_message.Message):
    __slots__ = ("idempotency_key", "advertiser_id", "deposit_id", "amount", "instrument")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    advertiser_id: str
    deposit_id: str
    amount: _money_pb2.Money
    instrument: str
    def __init__(self, idempotency_key: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., instrument: _Optional[str] = ...) -> None: ...

class DepositBudgetResponse(_message.Message):
    __slots__ = ("deposited", "decline_reason", "budget")
    DEPOSITED_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    deposited: bool
    decline_reason: DeclineReason
    budget: Budget
    def __init__(self, deposited: _Optional[bool] = ..., decline_reason: _Optional[_Union[DeclineReason, str]] = ..., budget: _Optional[_Union[Budget, _Mapping]] = ...) -> None: ...

class GetBudgetRequest(_message.Message):
    __slots__ = ("advertiser_id",)
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    def __init__(self, advertiser_id: _Optional[str] = ...) -> None: ...

class GetBudgetResponse(_message.Message):
    __slots__ = ("budget",)
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    budget: Budget
    def __init__(self, budget: _Optional[_Union[Budget, _Mapping]] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "shop_tier", "status", "amount", "charge_id", "captured", "refunded", "in_escrow", "processing_fee", "commission_rate_bps", "decline_reason", "attempts", "release", "refunds", "version")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_TIER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    IN_ESCROW_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_FEE_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_RATE_BPS_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    shop_tier: ShopTier
    status: PaymentStatus
    amount: _money_pb2.Money
    charge_id: str
    captured: _money_pb2.Money
    refunded: _money_pb2.Money
    in_escrow: _money_pb2.Money
    processing_fee: _money_pb2.Money
    commission_rate_bps: int
    decline_reason: DeclineReason
    attempts: int
    release: Release
    refunds: _containers.RepeatedCompositeFieldContainer[Refund]
    version: int
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., shop_tier: _Optional[_Union[ShopTier, str]] = ..., status: _Optional[_Union[PaymentStatus, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., charge_id: _Optional[str] = ..., captured: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., in_escrow: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., processing_fee: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., commission_rate_bps: _Optional[int] = ..., decline_reason: _Optional[_Union[DeclineReason, str]] = ..., attempts: _Optional[int] = ..., release: _Optional[_Union[Release, _Mapping]] = ..., refunds: _Optional[_Iterable[_Union[Refund, _Mapping]]] = ..., version: _Optional[int] = ...) -> None: ...

class Release(_message.Message):
    __slots__ = ("gross", "commission", "seller_net")
    GROSS_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_FIELD_NUMBER: _ClassVar[int]
    SELLER_NET_FIELD_NUMBER: _ClassVar[int]
    gross: _money_pb2.Money
    commission: _money_pb2.Money
    seller_net: _money_pb2.Money
    def __init__(self, gross: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., commission: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., seller_net: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Refund(_message.Message):
    __slots__ = ("refund_id", "amount", "reason")
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    refund_id: str
    amount: _money_pb2.Money
    reason: str
    def __init__(self, refund_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class PayoutBatch(_message.Message):
    __slots__ = ("batch_id", "currency", "payouts", "total")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    currency: str
    payouts: _containers.RepeatedCompositeFieldContainer[Payout]
    total: _money_pb2.Money
    def __init__(self, batch_id: _Optional[str] = ..., currency: _Optional[str] = ..., payouts: _Optional[_Iterable[_Union[Payout, _Mapping]]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Payout(_message.Message):
    __slots__ = ("payout_id", "seller_id", "amount")
    PAYOUT_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    payout_id: str
    seller_id: str
    amount: _money_pb2.Money
    def __init__(self, payout_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Budget(_message.Message):
    __slots__ = ("advertiser_id", "deposited", "version")
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSITED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    deposited: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    version: int
    def __init__(self, advertiser_id: _Optional[str] = ..., deposited: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., version: _Optional[int] = ...) -> None: ...

class PaymentCaptured(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "shop_tier", "amount", "charge_id", "commission_rate_bps", "attempt")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_TIER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_RATE_BPS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    shop_tier: ShopTier
    amount: _money_pb2.Money
    charge_id: str
    commission_rate_bps: int
    attempt: int
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., shop_tier: _Optional[_Union[ShopTier, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., charge_id: _Optional[str] = ..., commission_rate_bps: _Optional[int] = ..., attempt: _Optional[int] = ...) -> None: ...

class ProcessingFeeCharged(_message.Message):
    __slots__ = ("purpose", "order_id", "advertiser_id", "deposit_id", "charge_id", "gross", "fee", "net_settled", "fee_rate_bps", "app_charge_id")
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    GROSS_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    NET_SETTLED_FIELD_NUMBER: _ClassVar[int]
    FEE_RATE_BPS_FIELD_NUMBER: _ClassVar[int]
    APP_CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    purpose: ChargePurpose
    order_id: str
    advertiser_id: str
    deposit_id: str
    charge_id: str
    gross: _money_pb2.Money
    fee: _money_pb2.Money
    net_settled: _money_pb2.Money
    fee_rate_bps: int
    app_charge_id: str
    def __init__(self, purpose: _Optional[_Union[ChargePurpose, str]] = ..., order_id: _Optional[str] = ..., advertiser_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., gross: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., fee: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., net_settled: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., fee_rate_bps: _Optional[int] = ..., app_charge_id: _Optional[str] = ...) -> None: ...

class PaymentDeclined(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "amount", "reason", "attempt", "shop_id", "shop_tier")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_TIER_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    amount: _money_pb2.Money
    reason: DeclineReason
    attempt: int
    shop_id: str
    shop_tier: ShopTier
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[_Union[DeclineReason, str]] = ..., attempt: _Optional[int] = ..., shop_id: _Optional[str] = ..., shop_tier: _Optional[_Union[ShopTier, str]] = ...) -> None: ...

class PaymentVoided(_message.Message):
    __slots__ = ("order_id", "refund_id", "reason", "buyer_id", "seller_id", "declined_attempts")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    DECLINED_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    refund_id: str
    reason: str
    buyer_id: str
    seller_id: str
    declined_attempts: int
    def __init__(self, order_id: _Optional[str] = ..., refund_id: _Optional[str] = ..., reason: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., declined_attempts: _Optional[int] = ...) -> None: ...

class RefundIssued(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "refund_id", "amount", "refunded_total", "remaining_in_escrow", "full", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    REMAINING_IN_ESCROW_FIELD_NUMBER: _ClassVar[int]
    FULL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    refund_id: str
    amount: _money_pb2.Money
    refunded_total: _money_pb2.Money
    remaining_in_escrow: _money_pb2.Money
    full: bool
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., refund_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., refunded_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., remaining_in_escrow: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., full: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class EscrowReleased(_message.Message):
    __slots__ = ("order_id", "seller_id", "shop_id", "shop_tier", "gross", "commission", "seller_net", "commission_rate_bps", "captured", "refunded")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_TIER_FIELD_NUMBER: _ClassVar[int]
    GROSS_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_FIELD_NUMBER: _ClassVar[int]
    SELLER_NET_FIELD_NUMBER: _ClassVar[int]
    COMMISSION_RATE_BPS_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    seller_id: str
    shop_id: str
    shop_tier: ShopTier
    gross: _money_pb2.Money
    commission: _money_pb2.Money
    seller_net: _money_pb2.Money
    commission_rate_bps: int
    captured: _money_pb2.Money
    refunded: _money_pb2.Money
    def __init__(self, order_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., shop_tier: _Optional[_Union[ShopTier, str]] = ..., gross: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., commission: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., seller_net: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., commission_rate_bps: _Optional[int] = ..., captured: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class PayoutSent(_message.Message):
    __slots__ = ("batch_id", "payout_id", "seller_id", "amount")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    payout_id: str
    seller_id: str
    amount: _money_pb2.Money
    def __init__(self, batch_id: _Optional[str] = ..., payout_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class PayoutBatchClosed(_message.Message):
    __slots__ = ("batch_id", "currency", "payout_count", "total")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    currency: str
    payout_count: int
    total: _money_pb2.Money
    def __init__(self, batch_id: _Optional[str] = ..., currency: _Optional[str] = ..., payout_count: _Optional[int] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class BudgetDeposited(_message.Message):
    __slots__ = ("advertiser_id", "deposit_id", "amount", "charge_id", "total_deposited")
    ADVERTISER_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DEPOSITED_FIELD_NUMBER: _ClassVar[int]
    advertiser_id: str
    deposit_id: str
    amount: _money_pb2.Money
    charge_id: str
    total_deposited: _money_pb2.Money
    def __init__(self, advertiser_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., charge_id: _Optional[str] = ..., total_deposited: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ChargeAppSubscriptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "charge_id", "subscription_id", "listing_id", "vendor_id", "seller_id", "amount", "platform_share", "vendor_share", "instrument")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    charge_id: str
    subscription_id: str
    listing_id: str
    vendor_id: str
    seller_id: str
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    instrument: str
    def __init__(self, idempotency_key: _Optional[str] = ..., charge_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., listing_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., instrument: _Optional[str] = ...) -> None: ...

class ChargeAppSubscriptionResponse(_message.Message):
    __slots__ = ("charged", "decline_reason", "charge")
    CHARGED_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    CHARGE_FIELD_NUMBER: _ClassVar[int]
    charged: bool
    decline_reason: DeclineReason
    charge: AppCharge
    def __init__(self, charged: _Optional[bool] = ..., decline_reason: _Optional[_Union[DeclineReason, str]] = ..., charge: _Optional[_Union[AppCharge, _Mapping]] = ...) -> None: ...

class RefundAppChargeRequest(_message.Message):
    __slots__ = ("idempotency_key", "refund_id", "charge_id", "amount", "platform_share", "vendor_share", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    refund_id: str
    charge_id: str
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., refund_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RefundAppChargeResponse(_message.Message):
    __slots__ = ("charge", "refund")
    CHARGE_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    charge: AppCharge
    refund: AppChargeRefund
    def __init__(self, charge: _Optional[_Union[AppCharge, _Mapping]] = ..., refund: _Optional[_Union[AppChargeRefund, _Mapping]] = ...) -> None: ...

class GetAppChargeRequest(_message.Message):
    __slots__ = ("charge_id",)
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    def __init__(self, charge_id: _Optional[str] = ...) -> None: ...

class GetAppChargeResponse(_message.Message):
    __slots__ = ("charge",)
    CHARGE_FIELD_NUMBER: _ClassVar[int]
    charge: AppCharge
    def __init__(self, charge: _Optional[_Union[AppCharge, _Mapping]] = ...) -> None: ...

class RunVendorPayoutBatchRequest(_message.Message):
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

class RunVendorPayoutBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: VendorPayoutBatch
    def __init__(self, batch: _Optional[_Union[VendorPayoutBatch, _Mapping]] = ...) -> None: ...

class GetVendorPayableRequest(_message.Message):
    __slots__ = ("vendor_id",)
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    vendor_id: str
    def __init__(self, vendor_id: _Optional[str] = ...) -> None: ...

class GetVendorPayableResponse(_message.Message):
    __slots__ = ("balances",)
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    balances: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    def __init__(self, balances: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ...) -> None: ...

class AppCharge(_message.Message):
    __slots__ = ("charge_id", "subscription_id", "listing_id", "vendor_id", "seller_id", "status", "amount", "platform_share", "vendor_share", "provider_charge_id", "refunded", "platform_refunded", "vendor_refunded", "processing_fee", "decline_reason", "attempts", "refunds", "version")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_REFUNDED_FIELD_NUMBER: _ClassVar[int]
    VENDOR_REFUNDED_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_FEE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    subscription_id: str
    listing_id: str
    vendor_id: str
    seller_id: str
    status: AppChargeStatus
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    provider_charge_id: str
    refunded: _money_pb2.Money
    platform_refunded: _money_pb2.Money
    vendor_refunded: _money_pb2.Money
    processing_fee: _money_pb2.Money
    decline_reason: DeclineReason
    attempts: int
    refunds: _containers.RepeatedCompositeFieldContainer[AppChargeRefund]
    version: int
    def __init__(self, charge_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., listing_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., status: _Optional[_Union[AppChargeStatus, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., provider_charge_id: _Optional[str] = ..., refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., processing_fee: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., decline_reason: _Optional[_Union[DeclineReason, str]] = ..., attempts: _Optional[int] = ..., refunds: _Optional[_Iterable[_Union[AppChargeRefund, _Mapping]]] = ..., version: _Optional[int] = ...) -> None: ...

class AppChargeRefund(_message.Message):
    __slots__ = ("refund_id", "amount", "platform_share", "vendor_share", "reason")
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    refund_id: str
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    reason: str
    def __init__(self, refund_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class VendorPayoutBatch(_message.Message):
    __slots__ = ("batch_id", "currency", "payouts", "total")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    currency: str
    payouts: _containers.RepeatedCompositeFieldContainer[VendorPayout]
    total: _money_pb2.Money
    def __init__(self, batch_id: _Optional[str] = ..., currency: _Optional[str] = ..., payouts: _Optional[_Iterable[_Union[VendorPayout, _Mapping]]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class VendorPayout(_message.Message):
    __slots__ = ("payout_id", "vendor_id", "amount")
    PAYOUT_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    payout_id: str
    vendor_id: str
    amount: _money_pb2.Money
    def __init__(self, payout_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class AppCharged(_message.Message):
    __slots__ = ("charge_id", "subscription_id", "listing_id", "vendor_id", "seller_id", "amount", "platform_share", "vendor_share", "provider_charge_id", "attempt")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    subscription_id: str
    listing_id: str
    vendor_id: str
    seller_id: str
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    provider_charge_id: str
    attempt: int
    def __init__(self, charge_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., listing_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., provider_charge_id: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class AppChargeDeclined(_message.Message):
    __slots__ = ("charge_id", "subscription_id", "listing_id", "vendor_id", "seller_id", "amount", "reason", "attempt", "platform_share", "vendor_share")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LISTING_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    subscription_id: str
    listing_id: str
    vendor_id: str
    seller_id: str
    amount: _money_pb2.Money
    reason: DeclineReason
    attempt: int
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    def __init__(self, charge_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., listing_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[_Union[DeclineReason, str]] = ..., attempt: _Optional[int] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class AppChargeRefunded(_message.Message):
    __slots__ = ("charge_id", "refund_id", "subscription_id", "vendor_id", "seller_id", "amount", "platform_share", "vendor_share", "refunded_total", "full", "reason")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_SHARE_FIELD_NUMBER: _ClassVar[int]
    VENDOR_SHARE_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    FULL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    refund_id: str
    subscription_id: str
    vendor_id: str
    seller_id: str
    amount: _money_pb2.Money
    platform_share: _money_pb2.Money
    vendor_share: _money_pb2.Money
    refunded_total: _money_pb2.Money
    full: bool
    reason: str
    def __init__(self, charge_id: _Optional[str] = ..., refund_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., platform_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vendor_share: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., refunded_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., full: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class VendorPaidOut(_message.Message):
    __slots__ = ("batch_id", "payout_id", "vendor_id", "amount")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    payout_id: str
    vendor_id: str
    amount: _money_pb2.Money
    def __init__(self, batch_id: _Optional[str] = ..., payout_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class VendorPayoutBatchClosed(_message.Message):
    __slots__ = ("batch_id", "currency", "payout_count", "total")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    currency: str
    payout_count: int
    total: _money_pb2.Money
    def __init__(self, batch_id: _Optional[str] = ..., currency: _Optional[str] = ..., payout_count: _Optional[int] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...
