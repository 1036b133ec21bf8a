"""Authentication and authorisation, the same in every service.

identity signs short-lived access tokens (Ed25519 JWTs, `TokenIssuer`); every other service
verifies them locally (`TokenVerifier`) with the public keys identity publishes
(`RemoteKeyProvider`), refusing revoked grants and sessions (`Revocations`, fed from identity's
events). Each RPC declares what it needs beside its handler (`@requires("catalog:write")`,
`@public`); `AuthInterceptor` enforces it and binds the `Caller` for the handler:

    caller = require_caller()
    caller.require_acting_for(shop.seller_id, "catalog:write")
"""

from mercato_kit.auth._caller import (
    Caller,
    CallerKind,
    bind_caller,
    current_caller,
    require_caller,
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
from mercato_kit.auth._testing import LocalIssuer
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
    "AUTHENTICATED",
    "AUTHORIZATION_KEY",
    "ISSUER",
    "MERCATO_AUDIENCE",
    "AuthInterceptor",
    "AuthPolicies",
    "Caller",
    "CallerKind",
    "InMemoryRevocations",
    "IssuedToken",
    "KeyFetcher",
    "KeyProvider",
    "LocalIssuer",
    "Policy",
    "RemoteKeyProvider",
    "Revocations",
    "SigningKey",
    "StaticKeyProvider",
    "TokenIssuer",
    "TokenVerifier",
    "bind_caller",
    "current_caller",
    "public",
    "public_key_bytes",
    "public_key_from_bytes",
    "require_caller",
    "requires",
]
