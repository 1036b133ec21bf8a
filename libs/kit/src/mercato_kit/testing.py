"""Test doubles the kit ships for the services' tests; production code never imports this module.

- `LocalIssuer`: a stand-in for identity: it signs tokens that services started with its keys
  trust.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from mercato_kit.auth._caller import CallerKind
from mercato_kit.auth._interceptor import AUTHORIZATION_KEY
from mercato_kit.auth._keys import SigningKey, StaticKeyProvider, public_key_bytes
from mercato_kit.auth._tokens import MERCATO_AUDIENCE, TokenIssuer

__all__ = ["LocalIssuer"]


class LocalIssuer:
    """Signs real Ed25519 access tokens with a key of its own.

    issuer = LocalIssuer()
    env = {"AUTH_TRUSTED_KEYS": issuer.trusted_keys(), ...}   # start the service with it
    stub.ListProduct(request, metadata=issuer.metadata(subject=seller, roles=["seller"],
                                                       scopes=["catalog:write"]))
    """

    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.issuer = TokenIssuer(self.key)
        self.keys = StaticKeyProvider({self.key.kid: self.key.public_key})

    def trusted_keys(self) -> str:
        """The AUTH_TRUSTED_KEYS value that makes a service trust this issuer."""
        from mercato_kit.runtime import trusted_keys_setting

        return trusted_keys_setting([(self.key.kid, public_key_bytes(self.key.public_key))])

    def token(
        self,
        *,
        subject: str,
        kind: CallerKind = "account",
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        audience: str = MERCATO_AUDIENCE,
        on_behalf_of: str | None = None,
        grant_id: str | None = None,
        session_id: str | None = None,
        ttl: timedelta = timedelta(minutes=10),
    ) -> str:
        """A signed access token with these claims."""
        return self.issuer.issue(
            subject=subject,
            kind=kind,
            roles=roles,
            scopes=scopes,
            audience=audience,
            on_behalf_of=on_behalf_of,
            grant_id=grant_id,
            session_id=session_id,
            ttl=ttl,
        ).token

    def metadata(self, **claims: object) -> list[tuple[str, str]]:
        """gRPC call metadata carrying a token with these claims (see `token`)."""
        return [(AUTHORIZATION_KEY, f"Bearer {self.token(**claims)}")]  # type: ignore[arg-type]
