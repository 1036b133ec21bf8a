"""Commands: what callers ask identity to do (and the queries that take more than an id).
Secret fields stay out of every repr. Who asks is the verified caller, passed beside them."""

from __future__ import annotations

from dataclasses import dataclass, field

from mercato_identity.domain.accounts import Role
from mercato_identity.domain.apps import AppKind


@dataclass(frozen=True)
class RegisterAccount:
    email: str
    password: str = field(repr=False)
    role: Role


@dataclass(frozen=True)
class SignIn:
    email: str
    password: str = field(repr=False)
    source: str = ""
    """The caller's network address (see entrypoints: the peer, or a trusted edge's word)."""


@dataclass(frozen=True)
class RefreshSession:
    refresh_token: str = field(repr=False)


@dataclass(frozen=True)
class SignOut:
    """End the session the caller's access token belongs to."""


@dataclass(frozen=True)
class GetAccount:
    account_id: str | None  # None: the caller's own (or the one an app acts for)


@dataclass(frozen=True)
class RotateSigningKey:
    """Make a new signing key current; the previous one stays published for a while."""


@dataclass(frozen=True)
class RegisterApp:
    kind: AppKind
    name: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class RotateAppSecret:
    app_id: str


@dataclass(frozen=True)
class IssueAppToken:
    app_id: str
    app_secret: str = field(repr=False)
    grant_id: str | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class GrantAccess:
    app_id: str
    scopes: tuple[str, ...]
    grantor_account_id: str | None = None  # set by a service with grants:manage only


@dataclass(frozen=True)
class ListGrants:
    include_revoked: bool


@dataclass(frozen=True)
class RevokeAccess:
    grant_id: str


@dataclass(frozen=True)
class Authorize:
    app_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str
    nonce: str | None


@dataclass(frozen=True)
class ExchangeCode:
    app_id: str
    app_secret: str = field(repr=False)
    code: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
