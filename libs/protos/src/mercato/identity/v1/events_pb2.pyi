from mercato.identity.v1 import accounts_pb2 as _accounts_pb2
from mercato.identity.v1 import apps_pb2 as _apps_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RevocationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVOCATION_REASON_UNSPECIFIED: _ClassVar[RevocationReason]
    REVOCATION_REASON_REVOKED_BY_GRANTOR: _ClassVar[RevocationReason]
    REVOCATION_REASON_REVOKED_BY_OPERATOR: _ClassVar[RevocationReason]
    REVOCATION_REASON_SUPERSEDED: _ClassVar[RevocationReason]

class SignOutReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGN_OUT_REASON_UNSPECIFIED: _ClassVar[SignOutReason]
    SIGN_OUT_REASON_SIGNED_OUT: _ClassVar[SignOutReason]
    SIGN_OUT_REASON_REFRESH_TOKEN_REUSED: _ClassVar[SignOutReason]

class OperatorAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATOR_ACTION_UNSPECIFIED: _ClassVar[OperatorAction]
    OPERATOR_ACTION_REGISTERED_OPERATOR: _ClassVar[OperatorAction]
    OPERATOR_ACTION_REVOKED_GRANT: _ClassVar[OperatorAction]
    OPERATOR_ACTION_ROTATED_SIGNING_KEY: _ClassVar[OperatorAction]
    OPERATOR_ACTION_RESEALED_SIGNING_KEYS: _ClassVar[OperatorAction]
REVOCATION_REASON_UNSPECIFIED: RevocationReason
REVOCATION_REASON_REVOKED_BY_GRANTOR: RevocationReason
REVOCATION_REASON_REVOKED_BY_OPERATOR: RevocationReason
REVOCATION_REASON_SUPERSEDED: RevocationReason
SIGN_OUT_REASON_UNSPECIFIED: SignOutReason
SIGN_OUT_REASON_SIGNED_OUT: SignOutReason
SIGN_OUT_REASON_REFRESH_TOKEN_REUSED: SignOutReason
OPERATOR_ACTION_UNSPECIFIED: OperatorAction
OPERATOR_ACTION_REGISTERED_OPERATOR: OperatorAction
OPERATOR_ACTION_REVOKED_GRANT: OperatorAction
OPERATOR_ACTION_ROTATED_SIGNING_KEY: OperatorAction
OPERATOR_ACTION_RESEALED_SIGNING_KEYS: OperatorAction

class AccountRegistered(_message.Message):
    __slots__ = ("email", "role")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    email: str
    role: _accounts_pb2.Role
    def __init__(self, email: _Optional[str] = ..., role: _Optional[_Union[_accounts_pb2.Role, str]] = ...) -> None: ...

class AppRegistered(_message.Message):
    __slots__ = ("owner_account_id", "kind", "name", "redirect_uris", "scopes")
    OWNER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URIS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    owner_account_id: str
    kind: _apps_pb2.AppKind
    name: str
    redirect_uris: _containers.RepeatedScalarFieldContainer[str]
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, owner_account_id: _Optional[str] = ..., kind: _Optional[_Union[_apps_pb2.AppKind, str]] = ..., name: _Optional[str] = ..., redirect_uris: _Optional[_Iterable[str]] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class AppSecretRotated(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AccessGranted(_message.Message):
    __slots__ = ("grantor_account_id", "grantor_role", "app_id", "scopes")
    GRANTOR_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    grantor_account_id: str
    grantor_role: str
    app_id: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, grantor_account_id: _Optional[str] = ..., grantor_role: _Optional[str] = ..., app_id: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class AccessRevoked(_message.Message):
    __slots__ = ("grantor_account_id", "app_id", "reason")
    GRANTOR_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    grantor_account_id: str
    app_id: str
    reason: RevocationReason
    def __init__(self, grantor_account_id: _Optional[str] = ..., app_id: _Optional[str] = ..., reason: _Optional[_Union[RevocationReason, str]] = ...) -> None: ...

class SignedOut(_message.Message):
    __slots__ = ("account_id", "reason")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    reason: SignOutReason
    def __init__(self, account_id: _Optional[str] = ..., reason: _Optional[_Union[SignOutReason, str]] = ...) -> None: ...

class SigningKeyRotated(_message.Message):
    __slots__ = ("previous_kid",)
    PREVIOUS_KID_FIELD_NUMBER: _ClassVar[int]
    previous_kid: str
    def __init__(self, previous_kid: _Optional[str] = ...) -> None: ...

class AccountRegistrationAttempted(_message.Message):
    __slots__ = ("role", "by_operator")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    BY_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    role: _accounts_pb2.Role
    by_operator: bool
    def __init__(self, role: _Optional[_Union[_accounts_pb2.Role, str]] = ..., by_operator: _Optional[bool] = ...) -> None: ...

class SignInSucceeded(_message.Message):
    __slots__ = ("account_id", "session_id", "source_address")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    session_id: str
    source_address: str
    def __init__(self, account_id: _Optional[str] = ..., session_id: _Optional[str] = ..., source_address: _Optional[str] = ...) -> None: ...

class SignInFailed(_message.Message):
    __slots__ = ("account_id", "source_address", "blocked_seconds")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    source_address: str
    blocked_seconds: int
    def __init__(self, account_id: _Optional[str] = ..., source_address: _Optional[str] = ..., blocked_seconds: _Optional[int] = ...) -> None: ...

class OperatorActed(_message.Message):
    __slots__ = ("operator_account_id", "action", "target_type", "target_id")
    OPERATOR_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    operator_account_id: str
    action: OperatorAction
    target_type: str
    target_id: str
    def __init__(self, operator_account_id: _Optional[str] = ..., action: _Optional[_Union[OperatorAction, str]] = ..., target_type: _Optional[str] = ..., target_id: _Optional[str] = ...) -> None: ...
