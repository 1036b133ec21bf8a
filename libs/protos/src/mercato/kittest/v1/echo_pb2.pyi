from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EchoRequest(_message.Message):
    __slots__ = ("text", "email", "reference", "currency", "colour", "quantity", "lines", "tags", "address", "unchecked_address", "note", "lines_by_sku", "free")
    class LinesBySkuEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Line
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Line, _Mapping]] = ...) -> None: ...
    TEXT_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    COLOUR_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    UNCHECKED_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    LINES_BY_SKU_FIELD_NUMBER: _ClassVar[int]
    FREE_FIELD_NUMBER: _ClassVar[int]
    text: str
    email: str
    reference: str
    currency: str
    colour: str
    quantity: int
    lines: _containers.RepeatedCompositeFieldContainer[Line]
    tags: _containers.RepeatedScalarFieldContainer[str]
    address: Address
    unchecked_address: Address
    note: str
    lines_by_sku: _containers.MessageMap[str, Line]
    free: str
    def __init__(self, text: _Optional[str] = ..., email: _Optional[str] = ..., reference: _Optional[str] = ..., currency: _Optional[str] = ..., colour: _Optional[str] = ..., quantity: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[Line, _Mapping]]] = ..., tags: _Optional[_Iterable[str]] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., unchecked_address: _Optional[_Union[Address, _Mapping]] = ..., note: _Optional[str] = ..., lines_by_sku: _Optional[_Mapping[str, Line]] = ..., free: _Optional[str] = ...) -> None: ...

class Line(_message.Message):
    __slots__ = ("sku", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class Address(_message.Message):
    __slots__ = ("city",)
    CITY_FIELD_NUMBER: _ClassVar[int]
    city: str
    def __init__(self, city: _Optional[str] = ...) -> None: ...

class EchoResponse(_message.Message):
    __slots__ = ("text", "correlation_id", "traceparent")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    text: str
    correlation_id: str
    traceparent: str
    def __init__(self, text: _Optional[str] = ..., correlation_id: _Optional[str] = ..., traceparent: _Optional[str] = ...) -> None: ...

class EchoStreamRequest(_message.Message):
    __slots__ = ("text", "count", "fail_with", "pause_ms")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FAIL_WITH_FIELD_NUMBER: _ClassVar[int]
    PAUSE_MS_FIELD_NUMBER: _ClassVar[int]
    text: str
    count: int
    fail_with: str
    pause_ms: int
    def __init__(self, text: _Optional[str] = ..., count: _Optional[int] = ..., fail_with: _Optional[str] = ..., pause_ms: _Optional[int] = ...) -> None: ...

class EchoStreamResponse(_message.Message):
    __slots__ = ("text", "index", "correlation_id")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    text: str
    index: int
    correlation_id: str
    def __init__(self, text: _Optional[str] = ..., index: _Optional[int] = ..., correlation_id: _Optional[str] = ...) -> None: ...

class FailRequest(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class FailResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SlowRequest(_message.Message):
    __slots__ = ("millis",)
    MILLIS_FIELD_NUMBER: _ClassVar[int]
    millis: int
    def __init__(self, millis: _Optional[int] = ...) -> None: ...

class SlowResponse(_message.Message):
    __slots__ = ("millis",)
    MILLIS_FIELD_NUMBER: _ClassVar[int]
    millis: int
    def __init__(self, millis: _Optional[int] = ...) -> None: ...
