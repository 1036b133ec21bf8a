"""Issuing tokens with identity's current signing key, for accounts and for apps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from mercato_identity.application.ports import SigningKeys
from mercato_identity.domain import Account, App
from mercato_identity.domain.partner_sign_in import IDENTITY_SCOPE
from mercato_kit.auth import IssuedToken, TokenIssuer, scopes_for_role

_KEY_LEEWAY = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenPolicy:
    access_token_ttl: timedelta = timedelta(minutes=10)
    identity_token_ttl: timedelta = timedelta(minutes=5)
    session_lifetime: timedelta = timedelta(days=30)
    authorization_code_ttl: timedelta = timedelta(seconds=60)

    @property
    def key_retention(self) -> timedelta:
        """How long a retired signing key stays published: its last tokens' lifetime, and a bit."""
        return max(self.access_token_ttl, self.identity_token_ttl) + _KEY_LEEWAY


class Tokens:
    def __init__(self, keys: SigningKeys, policy: TokenPolicy) -> None:
        self._keys = keys
        self.policy = policy

    async def _issuer(self, ttl: timedelta) -> TokenIssuer:
        return TokenIssuer(await self._keys.signing_key(), ttl=ttl)

    async def for_account(
        self, account: Account, session_id: str
    ) -> tuple[IssuedToken, frozenset[str]]:
        scopes = scopes_for_role(account.role)
        issuer = await self._issuer(self.policy.access_token_ttl)
        token = issuer.issue(
            subject=account.id,
            kind="account",
            roles=[account.role],
            scopes=scopes,
            session_id=session_id,
        )
        return token, scopes

    async def for_app(
        self,
        app: App,
        scopes: Iterable[str],
        *,
        on_behalf_of: str | None = None,
        grant_id: str | None = None,
    ) -> IssuedToken:
        issuer = await self._issuer(self.policy.access_token_ttl)
        return issuer.issue(
            subject=app.id,
            kind="app",
            roles=[app.kind],
            scopes=scopes,
            on_behalf_of=on_behalf_of,
            grant_id=grant_id,
        )

    async def identity_token(
        self, account: Account, *, audience: str, scopes: Iterable[str], nonce: str | None
    ) -> IssuedToken:
        """Who the account is, for one partner app (`aud` = its app id)."""
        consented = frozenset(scopes)
        claims = {"nonce": nonce} if nonce else {}
        if IDENTITY_SCOPE in consented:
            claims["email"] = account.email
        issuer = await self._issuer(self.policy.identity_token_ttl)
        return issuer.issue(
            subject=account.id,
            kind="account",
            roles=[account.role],
            scopes=consented,
            audience=audience,
            extra_claims=claims,
        )
