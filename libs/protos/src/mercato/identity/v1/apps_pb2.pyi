import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.identity.v1 import tokens_pb2 as _tokens_pb2
from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AppKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APP_KIND_UNSPECIFIED: _ClassVar[AppKind]
    APP_KIND_VENDOR_APP: _ClassVar[AppKind]
    APP_KIND_PUBLISHER_SITE: _ClassVar[AppKind]
    APP_KIND_CARRIER: _ClassVar[AppKind]
    APP_KIND_PARTNER_SHOP: _ClassVar[AppKind]
    APP_KIND_SERVICE: _ClassVar[AppKind]
APP_KIND_UNSPECIFIED: AppKind
APP_KIND_VENDOR_APP: AppKind
APP_KIND_PUBLISHER_SITE: AppKind
APP_KIND_CARRIER: AppKind
APP_KIND_PARTNER_SHOP: AppKind
APP_KIND_SERVICE: AppKind

class App(_message.Message):
    __slots__ = ("app_id", "owner_account_id", "kind", "name", "redirect_uris", "scopes", "registered_at")
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URIS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    owner_account_id: str
    kind: AppKind
    name: str
    redirect_uris: _containers.RepeatedScalarFieldContainer[str]
    scopes: _containers.RepeatedScalarFieldContainer[str]
    registered_at: _timestamp_pb2.Timestamp
    def __init__(self, app_id: _Optional[str] = ..., owner_account_id: _Optional[str] = ..., kind: _Optional[_Union[AppKind, str]] = ..., name: _Optional[str] = ..., redirect_uris: _Optional[_Iterable[str]] = ..., scopes: _Optional[_Iterable[str]] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterAppRequest(_message.Message):
    __slots__ = ("idempotency_key", "kind", "name", "redirect_uris", "scopes")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URIS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    kind: AppKind
    name: str
    redirect_uris: _containers.RepeatedScalarFieldContainer[str]
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, idempotency_key: _Optional[str] = ..., kind: _Optional[_Union[AppKind, str]] = ..., name: _Optional[str] = ..., redirect_uris: _Optional[_Iterable[str]] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class RegisterAppResponse(_message.Message):
    __slots__ = ("app", "app_secret")
    APP_FIELD_NUMBER: _ClassVar[int]
    APP_SECRET_FIELD_NUMBER: _ClassVar[int]
    app: App
    app_secret: str
    def __init__(self, app: _Optional[_Union[App, _Mapping]] = ..., app_secret: _Optional[str] = ...) -> None: ...

class RotateAppSecretRequest(_message.Message):
    __slots__ = ("idempotency_key", "app_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    app_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., app_id: _Optional[str] = ...) -> None: ...

class RotateAppSecretResponse(_message.Message):
    __slots__ = ("app_secret",)
    APP_SECRET_FIELD_NUMBER: _ClassVar[int]
    app_secret: str
    def __init__(self, app_secret: _Optional[str] = ...) -> None: ...

class GetAppRequest(_message.Message):
    __slots__ = ("app_id",)
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    def __init__(self, app_id: _Optional[str] = ...) -> None: ...

class GetAppResponse(_message.Message):
    __slots__ = ("app",)
    APP_FIELD_NUMBER: _ClassVar[int]
    app: App
    def __init__(self, app: _Optional[_Union[App, _Mapping]] = ...) -> None: ...

class IssueAppTokenRequest(_message.Message):
    __slots__ = ("app_id", "app_secret", "grant_id", "scopes")
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    APP_SECRET_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    app_secret: str
    grant_id: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, app_id: _Optional[str] = ..., app_secret: _Optional[str] = ..., grant_id: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class IssueAppTokenResponse(_message.Message):
    __slots__ = ("access_token", "on_behalf_of")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    access_token: _tokens_pb2.AccessToken
    on_behalf_of: str
    def __init__(self, access_token: _Optional[_Union[_tokens_pb2.AccessToken, _Mapping]] = ..., on_behalf_of: _Optional[str] = ...) -> None: ...
