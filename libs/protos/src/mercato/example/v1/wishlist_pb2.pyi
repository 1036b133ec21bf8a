from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateWishlistRequest(_message.Message):
    __slots__ = ("idempotency_key", "owner_id", "name")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    owner_id: str
    name: str
    def __init__(self, idempotency_key: _Optional[str] = ..., owner_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CreateWishlistResponse(_message.Message):
    __slots__ = ("wishlist_id", "version")
    WISHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    wishlist_id: str
    version: int
    def __init__(self, wishlist_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class AddItemRequest(_message.Message):
    __slots__ = ("idempotency_key", "wishlist_id", "sku", "quantity")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    WISHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    wishlist_id: str
    sku: str
    quantity: int
    def __init__(self, idempotency_key: _Optional[str] = ..., wishlist_id: _Optional[str] = ..., sku: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class AddItemResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class GetWishlistRequest(_message.Message):
    __slots__ = ("wishlist_id",)
    WISHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    wishlist_id: str
    def __init__(self, wishlist_id: _Optional[str] = ...) -> None: ...

class GetWishlistResponse(_message.Message):
    __slots__ = ("wishlist",)
    WISHLIST_FIELD_NUMBER: _ClassVar[int]
    wishlist: Wishlist
    def __init__(self, wishlist: _Optional[_Union[Wishlist, _Mapping]] = ...) -> None: ...

class ListWishlistsRequest(_message.Message):
    __slots__ = ("owner_id",)
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    owner_id: str
    def __init__(self, owner_id: _Optional[str] = ...) -> None: ...

class ListWishlistsResponse(_message.Message):
    __slots__ = ("wishlists",)
    WISHLISTS_FIELD_NUMBER: _ClassVar[int]
    wishlists: _containers.RepeatedCompositeFieldContainer[WishlistSummary]
    def __init__(self, wishlists: _Optional[_Iterable[_Union[WishlistSummary, _Mapping]]] = ...) -> None: ...

class Wishlist(_message.Message):
    __slots__ = ("wishlist_id", "owner_id", "name", "items", "version")
    WISHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    wishlist_id: str
    owner_id: str
    name: str
    items: _containers.RepeatedCompositeFieldContainer[Item]
    version: int
    def __init__(self, wishlist_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., name: _Optional[str] = ..., items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., version: _Optional[int] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("sku", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class WishlistSummary(_message.Message):
    __slots__ = ("wishlist_id", "name", "item_count")
    WISHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    wishlist_id: str
    name: str
    item_count: int
    def __init__(self, wishlist_id: _Optional[str] = ..., name: _Optional[str] = ..., item_count: _Optional[int] = ...) -> None: ...

class WishlistCreated(_message.Message):
    __slots__ = ("owner_id", "name")
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    owner_id: str
    name: str
    def __init__(self, owner_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ItemAdded(_message.Message):
    __slots__ = ("sku", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...
