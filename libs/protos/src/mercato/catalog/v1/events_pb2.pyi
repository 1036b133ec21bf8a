import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.catalog.v1 import catalog_pb2 as _catalog_pb2
from mercato.common.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShopOpened(_message.Message):
    __slots__ = ("seller_id", "name", "description", "tier")
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    seller_id: str
    name: str
    description: str
    tier: _catalog_pb2.ShopTier
    def __init__(self, seller_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., tier: _Optional[_Union[_catalog_pb2.ShopTier, str]] = ...) -> None: ...

class ShopProfileUpdated(_message.Message):
    __slots__ = ("seller_id", "name", "description")
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    seller_id: str
    name: str
    description: str
    def __init__(self, seller_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ShopClosed(_message.Message):
    __slots__ = ("seller_id",)
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    seller_id: str
    def __init__(self, seller_id: _Optional[str] = ...) -> None: ...

class ProductListed(_message.Message):
    __slots__ = ("shop_id", "seller_id", "title", "description", "attributes", "skus")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    SKUS_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    seller_id: str
    title: str
    description: str
    attributes: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Attribute]
    skus: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Sku]
    def __init__(self, shop_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[_catalog_pb2.Attribute, _Mapping]]] = ..., skus: _Optional[_Iterable[_Union[_catalog_pb2.Sku, _Mapping]]] = ...) -> None: ...

class ProductUpdated(_message.Message):
    __slots__ = ("shop_id", "seller_id", "title", "description", "attributes")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    seller_id: str
    title: str
    description: str
    attributes: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Attribute]
    def __init__(self, shop_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[_catalog_pb2.Attribute, _Mapping]]] = ...) -> None: ...

class PriceChanged(_message.Message):
    __slots__ = ("shop_id", "seller_id", "sku_id", "old_price", "new_price")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    OLD_PRICE_FIELD_NUMBER: _ClassVar[int]
    NEW_PRICE_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    seller_id: str
    sku_id: str
    old_price: _money_pb2.Money
    new_price: _money_pb2.Money
    def __init__(self, shop_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., sku_id: _Optional[str] = ..., old_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., new_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class StockAdjusted(_message.Message):
    __slots__ = ("shop_id", "seller_id", "sku_id", "delta", "available")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    seller_id: str
    sku_id: str
    delta: int
    available: int
    def __init__(self, shop_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., sku_id: _Optional[str] = ..., delta: _Optional[int] = ..., available: _Optional[int] = ...) -> None: ...

class ProductDelisted(_message.Message):
    __slots__ = ("shop_id", "seller_id")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    seller_id: str
    def __init__(self, shop_id: _Optional[str] = ..., seller_id: _Optional[str] = ...) -> None: ...

class StockReserved(_message.Message):
    __slots__ = ("order_id", "lines", "expires_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.ReservationLine]
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_catalog_pb2.ReservationLine, _Mapping]]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReservationRejected(_message.Message):
    __slots__ = ("order_id", "lines", "shortages")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SHORTAGES_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.ReservationLine]
    shortages: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Shortage]
    def __init__(self, order_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_catalog_pb2.ReservationLine, _Mapping]]] = ..., shortages: _Optional[_Iterable[_Union[_catalog_pb2.Shortage, _Mapping]]] = ...) -> None: ...

class ReservationCommitted(_message.Message):
    __slots__ = ("order_id", "lines")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.ReservationLine]
    def __init__(self, order_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_catalog_pb2.ReservationLine, _Mapping]]] = ...) -> None: ...

class ReservationReleased(_message.Message):
    __slots__ = ("order_id", "lines", "after_commit")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    AFTER_COMMIT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.ReservationLine]
    after_commit: bool
    def __init__(self, order_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_catalog_pb2.ReservationLine, _Mapping]]] = ..., after_commit: _Optional[bool] = ...) -> None: ...

class ReservationExpired(_message.Message):
    __slots__ = ("order_id", "lines")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.ReservationLine]
    def __init__(self, order_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_catalog_pb2.ReservationLine, _Mapping]]] = ...) -> None: ...
