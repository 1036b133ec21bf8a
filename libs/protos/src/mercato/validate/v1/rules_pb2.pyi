from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
FIELD_FIELD_NUMBER: _ClassVar[int]
field: _descriptor.FieldDescriptor

class FieldRules(_message.Message):
    __slots__ = ("required", "string", "int", "repeated", "message")
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    STRING_FIELD_NUMBER: _ClassVar[int]
    INT_FIELD_NUMBER: _ClassVar[int]
    REPEATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    required: bool
    string: StringRules
    int: IntRules
    repeated: RepeatedRules
    message: MessageRules
    def __init__(self, required: _Optional[bool] = ..., string: _Optional[_Union[StringRules, _Mapping]] = ..., int: _Optional[_Union[IntRules, _Mapping]] = ..., repeated: _Optional[_Union[RepeatedRules, _Mapping]] = ..., message: _Optional[_Union[MessageRules, _Mapping]] = ...) -> None: ...

class StringRules(_message.Message):
    __slots__ = ("min_len", "max_len", "pattern", "email", "uuid", "allow_control_chars")
    MIN_LEN_FIELD_NUMBER: _ClassVar[int]
    MAX_LEN_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    ALLOW_CONTROL_CHARS_FIELD_NUMBER: _ClassVar[int]
    IN_FIELD_NUMBER: _ClassVar[int]
    min_len: int
    max_len: int
    pattern: str
    email: bool
    uuid: bool
    allow_control_chars: bool
    def __init__(self, min_len: _Optional[int] = ..., max_len: _Optional[int] = ..., pattern: _Optional[str] = ..., email: _Optional[bool] = ..., uuid: _Optional[bool] = ..., allow_control_chars: _Optional[bool] = ..., **kwargs) -> None: ...

class IntRules(_message.Message):
    __slots__ = ("gt", "gte", "lt", "lte")
    GT_FIELD_NUMBER: _ClassVar[int]
    GTE_FIELD_NUMBER: _ClassVar[int]
    LT_FIELD_NUMBER: _ClassVar[int]
    LTE_FIELD_NUMBER: _ClassVar[int]
    gt: int
    gte: int
    lt: int
    lte: int
    def __init__(self, gt: _Optional[int] = ..., gte: _Optional[int] = ..., lt: _Optional[int] = ..., lte: _Optional[int] = ...) -> None: ...

class RepeatedRules(_message.Message):
    __slots__ = ("min_items", "max_items")
    MIN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    min_items: int
    max_items: int
    def __init__(self, min_items: _Optional[int] = ..., max_items: _Optional[int] = ...) -> None: ...

class MessageRules(_message.Message):
    __slots__ = ("skip",)
    SKIP_FIELD_NUMBER: _ClassVar[int]
    skip: bool
    def __init__(self, skip: _Optional[bool] = ...) -> None: ...
