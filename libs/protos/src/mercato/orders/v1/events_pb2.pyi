import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.common.v1 import money_pb2 as _money_pb2
from mercato.orders.v1 import orders_pb2 as _orders_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrderPlaced(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "lines", "total", "shipping_address", "attribution_token", "placed_at", "shop_tier")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    SHOP_TIER_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_orders_pb2.OrderLine]
    total: _money_pb2.Money
    shipping_address: _orders_pb2.ShippingAddress
    attribution_token: str
    placed_at: _timestamp_pb2.Timestamp
    shop_tier: str
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_orders_pb2.OrderLine, _Mapping]]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., shipping_address: _Optional[_Union[_orders_pb2.ShippingAddress, _Mapping]] = ..., attribution_token: _Optional[str] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., shop_tier: _Optional[str] = ...) -> None: ...

class OrderConfirmed(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "confirmed_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    confirmed_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., confirmed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderPaid(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "amount", "paid_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    amount: _money_pb2.Money
    paid_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderShipped(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "shipment_id", "shipped_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPPED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    shipment_id: str
    shipped_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., shipment_id: _Optional[str] = ..., shipped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderDelivered(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "delivered_at", "auto_confirm_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    AUTO_CONFIRM_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    delivered_at: _timestamp_pb2.Timestamp
    auto_confirm_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., auto_confirm_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderCompleted(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "amount", "confirmed_by_buyer", "completed_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_BUYER_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    amount: _money_pb2.Money
    confirmed_by_buyer: bool
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., confirmed_by_buyer: _Optional[bool] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderCancelled(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "reason", "refunded", "cancelled_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    reason: str
    refunded: _money_pb2.Money
    cancelled_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., reason: _Optional[str] = ..., refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderRefunded(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "amount", "reason", "refunded_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    amount: _money_pb2.Money
    reason: str
    refunded_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., refunded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderPaymentDeclined(_message.Message):
    __slots__ = ("order_id", "reason", "declined_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECLINED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    declined_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ..., declined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderStockCommitted(_message.Message):
    __slots__ = ("order_id", "committed_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    committed_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., committed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderShipmentCreated(_message.Message):
    __slots__ = ("order_id", "shipment_id", "created_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    shipment_id: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., shipment_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderShipmentCancelled(_message.Message):
    __slots__ = ("order_id", "shipment_id", "cancelled_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    shipment_id: str
    cancelled_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., shipment_id: _Optional[str] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderReceiptConfirmed(_message.Message):
    __slots__ = ("order_id", "by_buyer", "confirmed_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BY_BUYER_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    by_buyer: bool
    confirmed_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., by_buyer: _Optional[bool] = ..., confirmed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderCancellationStarted(_message.Message):
    __slots__ = ("order_id", "reason", "started_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    started_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderStockReleased(_message.Message):
    __slots__ = ("order_id", "released_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    RELEASED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    released_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., released_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderPaymentRefunded(_message.Message):
    __slots__ = ("order_id", "amount", "refunded_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    amount: _money_pb2.Money
    refunded_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., refunded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderRefundStarted(_message.Message):
    __slots__ = ("order_id", "reason", "started_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    started_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
