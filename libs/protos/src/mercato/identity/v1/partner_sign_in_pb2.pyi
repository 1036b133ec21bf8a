import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.identity.v1 import tokens_pb2 as _tokens_pb2
from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuthorizeRequest(_message.Message):
    __slots__ = ("app_id", "redirect_uri", "scopes", "code_challenge", "code_challenge_method", "nonce")
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    CODE_CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    CODE_CHALLENGE_METHOD_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    redirect_uri: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    code_challenge: str
    code_challenge_method: str
    nonce: str
    def __init__(self, app_id: _Optional[str] = ..., redirect_uri: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., code_challenge: _Optional[str] = ..., code_challenge_method: _Optional[str] = ..., nonce: _Optional[str] = ...) -> None: ...

class AuthorizeResponse(_message.Message):
    __slots__ = ("code", "expires_at", "redirect_uri", "grant_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    expires_at: _timestamp_pb2.Timestamp
    redirect_uri: str
    grant_id: str
    def __init__(self, code: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., redirect_uri: _Optional[str] = ..., grant_id: _Optional[str] = ...) -> None: ...

class ExchangeCodeRequest(_message.Message):
    __slots__ = ("app_id", "app_secret", "code", "code_verifier", "redirect_uri")
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    APP_SECRET_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CODE_VERIFIER_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    app_secret: str
    code: str
    code_verifier: str
    redirect_uri: str
    def __init__(self, app_id: _Optional[str] = ..., app_secret: _Optional[str] = ..., code: _Optional[str] = ..., code_verifier: _Optional[str] = ..., redirect_uri: _Optional[str] = ...) -> None: ...

class ExchangeCodeResponse(_message.Message):
    __slots__ = ("id_token", "id_token_expires_at", "access_token", "account_id", "grant_id")
    ID_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ID_TOKEN_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    id_token: str
    id_token_expires_at: _timestamp_pb2.Timestamp
    access_token: _tokens_pb2.AccessToken
    account_id: str
    grant_id: str
    def __init__(self, id_token: _Optional[str] = ..., id_token_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., access_token: _Optional[_Union[_tokens_pb2.AccessToken, _Mapping]] = ..., account_id: _Optional[str] = ..., grant_id: _Optional[str] = ...) -> None: ...
