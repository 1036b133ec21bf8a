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

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_PLACED: _ClassVar[OrderStatus]
    ORDER_STATUS_CONFIRMED: _ClassVar[OrderStatus]
    ORDER_STATUS_PAID: _ClassVar[OrderStatus]
    ORDER_STATUS_SHIPPED: _ClassVar[OrderStatus]
    ORDER_STATUS_DELIVERED: _ClassVar[OrderStatus]
    ORDER_STATUS_COMPLETED: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELLED: _ClassVar[OrderStatus]
    ORDER_STATUS_REFUNDED: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELLING: _ClassVar[OrderStatus]
    ORDER_STATUS_REFUNDING: _ClassVar[OrderStatus]
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_PLACED: OrderStatus
ORDER_STATUS_CONFIRMED: OrderStatus
ORDER_STATUS_PAID: OrderStatus
ORDER_STATUS_SHIPPED: OrderStatus
ORDER_STATUS_DELIVERED: OrderStatus
ORDER_STATUS_COMPLETED: OrderStatus
ORDER_STATUS_CANCELLED: OrderStatus
ORDER_STATUS_REFUNDED: OrderStatus
ORDER_STATUS_CANCELLING: OrderStatus
ORDER_STATUS_REFUNDING: OrderStatus

class OrderLineRequest(_message.Message):
    __slots__ = ("sku_id", "quantity", "product_id")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    quantity: int
    product_id: str
    def __init__(self, sku_id: _Optional[str] = ..., quantity: _Optional[int] = ..., product_id: _Optional[str] = ...) -> None: ...

class ShippingAddress(_message.Message):
    __slots__ = ("region", "city", "postal_code", "street_address", "recipient_name")
    REGION_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    STREET_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_NAME_FIELD_NUMBER: _ClassVar[int]
    region: str
    city: str
    postal_code: str
    street_address: str
    recipient_name: str
    def __init__(self, region: _Optional[str] = ..., city: _Optional[str] = ..., postal_code: _Optional[str] = ..., street_address: _Optional[str] = ..., recipient_name: _Optional[str] = ...) -> None: ...

class PlaceOrderRequest(_message.Message):
    __slots__ = ("idempotency_key", "lines", "shipping_address", "instrument", "attribution_token")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    lines: _containers.RepeatedCompositeFieldContainer[OrderLineRequest]
    shipping_address: ShippingAddress
    instrument: str
    attribution_token: str
    def __init__(self, idempotency_key: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[OrderLineRequest, _Mapping]]] = ..., shipping_address: _Optional[_Union[ShippingAddress, _Mapping]] = ..., instrument: _Optional[str] = ..., attribution_token: _Optional[str] = ...) -> None: ...

class PlaceOrderResponse(_message.Message):
    __slots__ = ("order_id", "status")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    status: OrderStatus
    def __init__(self, order_id: _Optional[str] = ..., status: _Optional[_Union[OrderStatus, str]] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class GetOrderResponse(_message.Message):
    __slots__ = ("order", "timeline")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    order: Order
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ...) -> None: ...

class ListBuyerOrdersRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBuyerOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    next_page_token: str
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListShopOrdersRequest(_message.Message):
    __slots__ = ("shop_id", "page_size", "page_token")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    page_size: int
    page_token: str
    def __init__(self, shop_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListShopOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    next_page_token: str
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ConfirmReceiptRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ...) -> None: ...

class ConfirmReceiptResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class RequestRefundRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RequestRefundResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class OrderLine(_message.Message):
    __slots__ = ("sku_id", "product_id", "title", "quantity", "unit_price", "line_total", "weight_grams")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    LINE_TOTAL_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    product_id: str
    title: str
    quantity: int
    unit_price: _money_pb2.Money
    line_total: _money_pb2.Money
    weight_grams: int
    def __init__(self, sku_id: _Optional[str] = ..., product_id: _Optional[str] = ..., title: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., line_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., weight_grams: _Optional[int] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("order_id", "buyer_id", "seller_id", "shop_id", "status", "lines", "total", "shipping_address", "attribution_token", "reason", "placed_at", "updated_at", "version", "shipment_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str
    status: OrderStatus
    lines: _containers.RepeatedCompositeFieldContainer[OrderLine]
    total: _money_pb2.Money
    shipping_address: ShippingAddress
    attribution_token: str
    reason: str
    placed_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    version: int
    shipment_id: str
    def __init__(self, order_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., lines: _Optional[_Iterable[_Union[OrderLine, _Mapping]]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., shipping_address: _Optional[_Union[ShippingAddress, _Mapping]] = ..., attribution_token: _Optional[str] = ..., reason: _Optional[str] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., shipment_id: _Optional[str] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("event", "status", "note", "at")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    event: str
    status: OrderStatus
    note: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, event: _Optional[str] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., note: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
