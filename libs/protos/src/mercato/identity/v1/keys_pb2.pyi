import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PublicKey(_message.Message):
    __slots__ = ("kid", "kty", "crv", "alg", "use", "x", "current", "published_until")
    KID_FIELD_NUMBER: _ClassVar[int]
    KTY_FIELD_NUMBER: _ClassVar[int]
    CRV_FIELD_NUMBER: _ClassVar[int]
    ALG_FIELD_NUMBER: _ClassVar[int]
    USE_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    kid: str
    kty: str
    crv: str
    alg: str
    use: str
    x: str
    current: bool
    published_until: _timestamp_pb2.Timestamp
    def __init__(self, kid: _Optional[str] = ..., kty: _Optional[str] = ..., crv: _Optional[str] = ..., alg: _Optional[str] = ..., use: _Optional[str] = ..., x: _Optional[str] = ..., current: _Optional[bool] = ..., published_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetKeySetRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetKeySetResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[PublicKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[PublicKey, _Mapping]]] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ("idempotency_key",)
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    def __init__(self, idempotency_key: _Optional[str] = ...) -> None: ...

class RotateSigningKeyResponse(_message.Message):
    __slots__ = ("kid", "previous_kid", "previous_published_until")
    KID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_KID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PUBLISHED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    kid: str
    previous_kid: str
    previous_published_until: _timestamp_pb2.Timestamp
    def __init__(self, kid: _Optional[str] = ..., previous_kid: _Optional[str] = ..., previous_published_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
