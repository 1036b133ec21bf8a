"""Authorization codes of partner sign-in, bound to a PKCE challenge (RFC 7636, S256 only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from mercato_identity.domain.errors import AuthorizationCodeRejected

IDENTITY_SCOPE = "profile:read"
"""The scope that lets a partner shop learn who the buyer is; the others let it act for them."""


def s256(code_verifier: str) -> str:
    """The S256 code challenge of a verifier: base64url(SHA-256(verifier)), unpadded."""
    hashed = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(hashed).decode().rstrip("=")


@dataclass
class AuthorizationCode:
    """A one-time code: its digest (the code itself is never kept) and what it was issued for."""

    digest: str
    app_id: str
    account_id: str
    grant_id: str
    scopes: tuple[str, ...]
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        digest: str,
        *,
        app_id: str,
        account_id: str,
        grant_id: str,
        scopes: tuple[str, ...],
        redirect_uri: str,
        code_challenge: str,
        nonce: str | None,
        now: datetime,
        ttl: timedelta,
    ) -> AuthorizationCode:
        return cls(
            digest=digest,
            app_id=app_id,
            account_id=account_id,
            grant_id=grant_id,
            scopes=scopes,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            nonce=nonce,
            issued_at=now,
            expires_at=now + ttl,
        )

    def redeem(self, *, app_id: str, code_verifier: str, redirect_uri: str, now: datetime) -> None:
        """Spend the code, or AuthorizationCodeRejected (the same whatever the reason)."""
        valid = (
            self.used_at is None
            and now < self.expires_at
            and self.app_id == app_id
            and hmac.compare_digest(self.redirect_uri, redirect_uri)
            and hmac.compare_digest(s256(code_verifier), self.code_challenge)
        )
        if not valid:
            raise AuthorizationCodeRejected()
        self.used_at = now

    @property
    def access_scopes(self) -> tuple[str, ...]:
        """The consented scopes an access token acting for the buyer carries."""
        return tuple(scope for scope in self.scopes if scope != IDENTITY_SCOPE)
