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

class ShopTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHOP_TIER_UNSPECIFIED: _ClassVar[ShopTier]
    SHOP_TIER_STANDARD_BOOTH: _ClassVar[ShopTier]
    SHOP_TIER_FLAGSHIP: _ClassVar[ShopTier]

class ShopStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHOP_STATUS_UNSPECIFIED: _ClassVar[ShopStatus]
    SHOP_STATUS_OPEN: _ClassVar[ShopStatus]
    SHOP_STATUS_CLOSED: _ClassVar[ShopStatus]

class ProductStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRODUCT_STATUS_UNSPECIFIED: _ClassVar[ProductStatus]
    PRODUCT_STATUS_ACTIVE: _ClassVar[ProductStatus]
    PRODUCT_STATUS_DELISTED: _ClassVar[ProductStatus]

class ReservationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESERVATION_STATUS_UNSPECIFIED: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_HELD: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_REJECTED: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_COMMITTED: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_RELEASED: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_EXPIRED: _ClassVar[ReservationStatus]

class ShortageReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHORTAGE_REASON_UNSPECIFIED: _ClassVar[ShortageReason]
    SHORTAGE_REASON_INSUFFICIENT_STOCK: _ClassVar[ShortageReason]
    SHORTAGE_REASON_NOT_ON_SALE: _ClassVar[ShortageReason]
SHOP_TIER_UNSPECIFIED: ShopTier
SHOP_TIER_STANDARD_BOOTH: ShopTier
SHOP_TIER_FLAGSHIP: ShopTier
SHOP_STATUS_UNSPECIFIED: ShopStatus
SHOP_STATUS_OPEN: ShopStatus
SHOP_STATUS_CLOSED: ShopStatus
PRODUCT_STATUS_UNSPECIFIED: ProductStatus
PRODUCT_STATUS_ACTIVE: ProductStatus
PRODUCT_STATUS_DELISTED: ProductStatus
RESERVATION_STATUS_UNSPECIFIED: ReservationStatus
RESERVATION_STATUS_HELD: ReservationStatus
RESERVATION_STATUS_REJECTED: ReservationStatus
RESERVATION_STATUS_COMMITTED: ReservationStatus
RESERVATION_STATUS_RELEASED: ReservationStatus
RESERVATION_STATUS_EXPIRED: ReservationStatus
SHORTAGE_REASON_UNSPECIFIED: ShortageReason
SHORTAGE_REASON_INSUFFICIENT_STOCK: ShortageReason
SHORTAGE_REASON_NOT_ON_SALE: ShortageReason

class Attribute(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Shop(_message.Message):
    __slots__ = ("shop_id", "seller_id", "name", "description", "tier", "status", "opened_at", "version")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    seller_id: str
    name: str
    description: str
    tier: ShopTier
    status: ShopStatus
    opened_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, shop_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., tier: _Optional[_Union[ShopTier, str]] = ..., status: _Optional[_Union[ShopStatus, str]] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class Product(_message.Message):
    __slots__ = ("product_id", "shop_id", "seller_id", "title", "description", "attributes", "skus", "status", "listed_at", "version")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    SKUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    shop_id: str
    seller_id: str
    title: str
    description: str
    attributes: _containers.RepeatedCompositeFieldContainer[Attribute]
    skus: _containers.RepeatedCompositeFieldContainer[Sku]
    status: ProductStatus
    listed_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, product_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[Attribute, _Mapping]]] = ..., skus: _Optional[_Iterable[_Union[Sku, _Mapping]]] = ..., status: _Optional[_Union[ProductStatus, str]] = ..., listed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class Sku(_message.Message):
    __slots__ = ("sku_id", "code", "attributes", "price", "available", "reserved", "weight_grams")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    code: str
    attributes: _containers.RepeatedCompositeFieldContainer[Attribute]
    price: _money_pb2.Money
    available: int
    reserved: int
    weight_grams: int
    def __init__(self, sku_id: _Optional[str] = ..., code: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[Attribute, _Mapping]]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., available: _Optional[int] = ..., reserved: _Optional[int] = ..., weight_grams: _Optional[int] = ...) -> None: ...

class ReservationLine(_message.Message):
    __slots__ = ("sku_id", "product_id", "quantity")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    product_id: str
    quantity: int
    def __init__(self, sku_id: _Optional[str] = ..., product_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class Shortage(_message.Message):
    __slots__ = ("sku_id", "requested", "available", "reason")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    requested: int
    available: int
    reason: ShortageReason
    def __init__(self, sku_id: _Optional[str] = ..., requested: _Optional[int] = ..., available: _Optional[int] = ..., reason: _Optional[_Union[ShortageReason, str]] = ...) -> None: ...

class Reservation(_message.Message):
    __slots__ = ("reservation_id", "order_id", "status", "lines", "shortages", "created_at", "expires_at", "version")
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SHORTAGES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    order_id: str
    status: ReservationStatus
    lines: _containers.RepeatedCompositeFieldContainer[ReservationLine]
    shortages: _containers.RepeatedCompositeFieldContainer[Shortage]
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, reservation_id: _Optional[str] = ..., order_id: _Optional[str] = ..., status: _Optional[_Union[ReservationStatus, str]] = ..., lines: _Optional[_Iterable[_Union[ReservationLine, _Mapping]]] = ..., shortages: _Optional[_Iterable[_Union[Shortage, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...
