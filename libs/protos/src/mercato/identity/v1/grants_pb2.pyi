import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GrantStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRANT_STATUS_UNSPECIFIED: _ClassVar[GrantStatus]
    GRANT_STATUS_ACTIVE: _ClassVar[GrantStatus]
    GRANT_STATUS_REVOKED: _ClassVar[GrantStatus]
GRANT_STATUS_UNSPECIFIED: GrantStatus
GRANT_STATUS_ACTIVE: GrantStatus
GRANT_STATUS_REVOKED: GrantStatus

class Grant(_message.Message):
    __slots__ = ("grant_id", "grantor_account_id", "app_id", "scopes", "status", "granted_at", "revoked_at")
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTOR_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    grantor_account_id: str
    app_id: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    status: GrantStatus
    granted_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, grant_id: _Optional[str] = ..., grantor_account_id: _Optional[str] = ..., app_id: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[GrantStatus, str]] = ..., granted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GrantAccessRequest(_message.Message):
    __slots__ = ("idempotency_key", "app_id", "scopes", "grantor_account_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    GRANTOR_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    app_id: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    grantor_account_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., app_id: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., grantor_account_id: _Optional[str] = ...) -> None: ...

class GrantAccessResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: Grant
    def __init__(self, grant: _Optional[_Union[Grant, _Mapping]] = ...) -> None: ...

class ListGrantsRequest(_message.Message):
    __slots__ = ("include_revoked",)
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    include_revoked: bool
    def __init__(self, include_revoked: _Optional[bool] = ...) -> None: ...

class ListGrantsResponse(_message.Message):
    __slots__ = ("grants",)
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[Grant]
    def __init__(self, grants: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ...) -> None: ...

class RevokeAccessRequest(_message.Message):
    __slots__ = ("idempotency_key", "grant_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    grant_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., grant_id: _Optional[str] = ...) -> None: ...

class RevokeAccessResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: Grant
    def __init__(self, grant: _Optional[_Union[Grant, _Mapping]] = ...) -> None: ...

class ListScopesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListScopesResponse(_message.Message):
    __slots__ = ("scopes",)
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    scopes: _containers.RepeatedCompositeFieldContainer[Scope]
    def __init__(self, scopes: _Optional[_Iterable[_Union[Scope, _Mapping]]] = ...) -> None: ...

class Scope(_message.Message):
    __slots__ = ("name", "description", "roles", "app_kinds", "seller_grantable", "buyer_consentable")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    APP_KINDS_FIELD_NUMBER: _ClassVar[int]
    SELLER_GRANTABLE_FIELD_NUMBER: _ClassVar[int]
    BUYER_CONSENTABLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    app_kinds: _containers.RepeatedScalarFieldContainer[str]
    seller_grantable: bool
    buyer_consentable: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., app_kinds: _Optional[_Iterable[str]] = ..., seller_grantable: _Optional[bool] = ..., buyer_consentable: _Optional[bool] = ...) -> None: ...
