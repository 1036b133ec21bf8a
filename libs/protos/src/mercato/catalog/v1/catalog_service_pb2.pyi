from mercato.catalog.v1 import catalog_pb2 as _catalog_pb2
from mercato.common.v1 import money_pb2 as _money_pb2
from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OpenShopRequest(_message.Message):
    __slots__ = ("idempotency_key", "name", "description", "tier")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    name: str
    description: str
    tier: _catalog_pb2.ShopTier
    def __init__(self, idempotency_key: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., tier: _Optional[_Union[_catalog_pb2.ShopTier, str]] = ...) -> None: ...

class OpenShopResponse(_message.Message):
    __slots__ = ("shop",)
    SHOP_FIELD_NUMBER: _ClassVar[int]
    shop: _catalog_pb2.Shop
    def __init__(self, shop: _Optional[_Union[_catalog_pb2.Shop, _Mapping]] = ...) -> None: ...

class UpdateShopProfileRequest(_message.Message):
    __slots__ = ("idempotency_key", "shop_id", "name", "description")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    shop_id: str
    name: str
    description: str
    def __init__(self, idempotency_key: _Optional[str] = ..., shop_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class UpdateShopProfileResponse(_message.Message):
    __slots__ = ("shop",)
    SHOP_FIELD_NUMBER: _ClassVar[int]
    shop: _catalog_pb2.Shop
    def __init__(self, shop: _Optional[_Union[_catalog_pb2.Shop, _Mapping]] = ...) -> None: ...

class CloseShopRequest(_message.Message):
    __slots__ = ("idempotency_key", "shop_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    shop_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., shop_id: _Optional[str] = ...) -> None: ...

class CloseShopResponse(_message.Message):
    __slots__ = ("shop",)
    SHOP_FIELD_NUMBER: _ClassVar[int]
    shop: _catalog_pb2.Shop
    def __init__(self, shop: _Optional[_Union[_catalog_pb2.Shop, _Mapping]] = ...) -> None: ...

class GetShopRequest(_message.Message):
    __slots__ = ("shop_id",)
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    def __init__(self, shop_id: _Optional[str] = ...) -> None: ...

class GetShopResponse(_message.Message):
    __slots__ = ("shop",)
    SHOP_FIELD_NUMBER: _ClassVar[int]
    shop: _catalog_pb2.Shop
    def __init__(self, shop: _Optional[_Union[_catalog_pb2.Shop, _Mapping]] = ...) -> None: ...

class SkuSpec(_message.Message):
    __slots__ = ("code", "attributes", "price", "stock", "weight_grams")
    CODE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    code: str
    attributes: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Attribute]
    price: _money_pb2.Money
    stock: int
    weight_grams: int
    def __init__(self, code: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[_catalog_pb2.Attribute, _Mapping]]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., stock: _Optional[int] = ..., weight_grams: _Optional[int] = ...) -> None: ...

class ListProductRequest(_message.Message):
    __slots__ = ("idempotency_key", "shop_id", "title", "description", "attributes", "skus")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    SKUS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    shop_id: str
    title: str
    description: str
    attributes: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Attribute]
    skus: _containers.RepeatedCompositeFieldContainer[SkuSpec]
    def __init__(self, idempotency_key: _Optional[str] = ..., shop_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[_catalog_pb2.Attribute, _Mapping]]] = ..., skus: _Optional[_Iterable[_Union[SkuSpec, _Mapping]]] = ...) -> None: ...

class ListProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _catalog_pb2.Product
    def __init__(self, product: _Optional[_Union[_catalog_pb2.Product, _Mapping]] = ...) -> None: ...

class UpdateProductRequest(_message.Message):
    __slots__ = ("idempotency_key", "product_id", "title", "description", "attributes")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    product_id: str
    title: str
    description: str
    attributes: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Attribute]
    def __init__(self, idempotency_key: _Optional[str] = ..., product_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[_catalog_pb2.Attribute, _Mapping]]] = ...) -> None: ...

class UpdateProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _catalog_pb2.Product
    def __init__(self, product: _Optional[_Union[_catalog_pb2.Product, _Mapping]] = ...) -> None: ...

class ChangePriceRequest(_message.Message):
    __slots__ = ("idempotency_key", "product_id", "sku_id", "price")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    product_id: str
    sku_id: str
    price: _money_pb2.Money
    def __init__(self, idempotency_key: _Optional[str] = ..., product_id: _Optional[str] = ..., sku_id: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ChangePriceResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _catalog_pb2.Product
    def __init__(self, product: _Optional[_Union[_catalog_pb2.Product, _Mapping]] = ...) -> None: ...

class AdjustStockRequest(_message.Message):
    __slots__ = ("idempotency_key", "product_id", "sku_id", "delta")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    product_id: str
    sku_id: str
    delta: int
    def __init__(self, idempotency_key: _Optional[str] = ..., product_id: _Optional[str] = ..., sku_id: _Optional[str] = ..., delta: _Optional[int] = ...) -> None: ...

class AdjustStockResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _catalog_pb2.Product
    def __init__(self, product: _Optional[_Union[_catalog_pb2.Product, _Mapping]] = ...) -> None: ...

class DelistProductRequest(_message.Message):
    __slots__ = ("idempotency_key", "product_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    product_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., product_id: _Optional[str] = ...) -> None: ...

class DelistProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _catalog_pb2.Product
    def __init__(self, product: _Optional[_Union[_catalog_pb2.Product, _Mapping]] = ...) -> None: ...

class GetProductRequest(_message.Message):
    __slots__ = ("product_id",)
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    def __init__(self, product_id: _Optional[str] = ...) -> None: ...

class GetProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: _catalog_pb2.Product
    def __init__(self, product: _Optional[_Union[_catalog_pb2.Product, _Mapping]] = ...) -> None: ...

class ListShopProductsRequest(_message.Message):
    __slots__ = ("shop_id", "page_size", "page_token")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    page_size: int
    page_token: str
    def __init__(self, shop_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListShopProductsResponse(_message.Message):
    __slots__ = ("products", "next_page_token")
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Product]
    next_page_token: str
    def __init__(self, products: _Optional[_Iterable[_Union[_catalog_pb2.Product, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SearchProductsRequest(_message.Message):
    __slots__ = ("query", "shop_id", "min_price", "max_price", "in_stock", "page_size", "page_token")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    query: str
    shop_id: str
    min_price: _money_pb2.Money
    max_price: _money_pb2.Money
    in_stock: bool
    page_size: int
    page_token: str
    def __init__(self, query: _Optional[str] = ..., shop_id: _Optional[str] = ..., min_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., max_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., in_stock: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchProductsResponse(_message.Message):
    __slots__ = ("products", "next_page_token")
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[_catalog_pb2.Product]
    next_page_token: str
    def __init__(self, products: _Optional[_Iterable[_Union[_catalog_pb2.Product, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReserveLine(_message.Message):
    __slots__ = ("sku_id", "quantity")
    SKU_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku_id: str
    quantity: int
    def __init__(self, sku_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class ReserveStockRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "lines")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    lines: _containers.RepeatedCompositeFieldContainer[ReserveLine]
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[ReserveLine, _Mapping]]] = ...) -> None: ...

class ReserveStockResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: _catalog_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_catalog_pb2.Reservation, _Mapping]] = ...) -> None: ...

class CommitReservationRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ...) -> None: ...

class CommitReservationResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: _catalog_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_catalog_pb2.Reservation, _Mapping]] = ...) -> None: ...

class ReleaseReservationRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ...) -> None: ...

class ReleaseReservationResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: _catalog_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_catalog_pb2.Reservation, _Mapping]] = ...) -> None: ...

class GetReservationRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class GetReservationResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: _catalog_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_catalog_pb2.Reservation, _Mapping]] = ...) -> None: ...
