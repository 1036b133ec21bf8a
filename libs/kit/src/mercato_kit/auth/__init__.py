"""Authentication and authorisation, the same in every service.

identity signs short-lived access tokens (Ed25519 JWTs, `TokenIssuer`); every other service
verifies them locally (`TokenVerifier`) with the public keys identity publishes
(`RemoteKeyProvider` with `identity_key_fetcher`), refusing revoked grants and sessions
(`InMemoryRevocations`, fed from identity's events by `follow_revocations`, which the runtime
runs in every service). Scope names are defined once, in `SCOPES`. Each RPC declares what it
needs beside its handler (`@requires("catalog:write")`, `@public`); `AuthInterceptor` enforces
it and binds the `Caller` for the handler:

    caller = require_caller()
    caller.require_acting_for(shop.seller_id, "catalog:write")

A service calling another as itself (an app of kind "service") sends the token that
`ServiceCredentials` gets from identity and keeps fresh: `metadata=await creds.metadata()`.
"""

from mercato_kit.auth._caller import (
    Caller,
    CallerKind,
    bind_caller,
    current_caller,
    require_caller,
)
from mercato_kit.auth._identity import (
    REVOCATION_TOPICS,
    RevocationFollower,
    follow_revocations,
    identity_key_fetcher,
)
from mercato_kit.auth._interceptor import AUTHORIZATION_KEY, AuthInterceptor
from mercato_kit.auth._keys import (
    KeyFetcher,
    KeyProvider,
    RemoteKeyProvider,
    SigningKey,
    StaticKeyProvider,
    public_key_bytes,
    public_key_from_bytes,
)
from mercato_kit.auth._policy import AUTHENTICATED, AuthPolicies, Policy, public, requires
from mercato_kit.auth._scopes import (
    ACCOUNT_ROLES,
    APP_KINDS,
    SCOPES,
    Scope,
    buyer_consentable_scopes,
    scope_named,
    scopes_for_app_kind,
    scopes_for_role,
    seller_grantable_scopes,
)
from mercato_kit.auth._service_token import (
    CredentialsRefused,
    IdentityUnavailable,
    ServiceCredentials,
    ServiceCredentialsError,
)
from mercato_kit.auth._tokens import (
    ISSUER,
    MERCATO_AUDIENCE,
    InMemoryRevocations,
    IssuedToken,
    Revocations,
    TokenIssuer,
    TokenVerifier,
)

__all__ = [
    "ACCOUNT_ROLES",
    "APP_KINDS",
    "AUTHENTICATED",
    "AUTHORIZATION_KEY",
    "ISSUER",
    "MERCATO_AUDIENCE",
    "REVOCATION_TOPICS",
    "SCOPES",
    "AuthInterceptor",
    "AuthPolicies",
    "Caller",
    "CallerKind",
    "CredentialsRefused",
    "IdentityUnavailable",
    "InMemoryRevocations",
    "IssuedToken",
    "KeyFetcher",
    "KeyProvider",
    "Policy",
    "RemoteKeyProvider",
    "RevocationFollower",
    "Revocations",
    "Scope",
    "ServiceCredentials",
    "ServiceCredentialsError",
    "SigningKey",
    "StaticKeyProvider",
    "TokenIssuer",
    "TokenVerifier",
    "bind_caller",
    "buyer_consentable_scopes",
    "current_caller",
    "follow_revocations",
    "identity_key_fetcher",
    "public",
    "public_key_bytes",
    "public_key_from_bytes",
    "require_caller",
    "requires",
    "scope_named",
    "scopes_for_app_kind",
    "scopes_for_role",
    "seller_grantable_scopes",
]
