"""Access tokens: JWTs signed by identity with Ed25519 (EdDSA), verified locally everywhere.

Claims: `iss` "mercato-identity"; `aud` ("mercato" for Mercato's own APIs, an app id for a
partner site's sign-in tokens); `sub` (account or app id); `kind` ("account" | "app");
`roles`; `scope` (space-separated); `iat`, `nbf`, `exp`, `jti`; and optionally `obo` (the account
an app acts for), `grant` (the seller's grant that allows it) and `sid` (the sign-in session).
Identity tokens for partner sites may carry more (`nonce`, `email`), which verifiers ignore.
The header's `kid` names the signing key, so keys rotate without downtime: a verifier accepts
every key identity still publishes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import jwt

from mercato_kit.auth._caller import Caller, CallerKind
from mercato_kit.auth._keys import KeyProvider, SigningKey
from mercato_kit.errors import Unauthenticated
from mercato_kit.ids import new_id

ISSUER = "mercato-identity"
MERCATO_AUDIENCE = "mercato"
_ALGORITHM = "EdDSA"
_LEEWAY = timedelta(seconds=5)
_MAX_TOKEN_LENGTH = 8192
_REGISTERED_CLAIMS = frozenset(
    {"iss", "aud", "sub", "kind", "roles", "scope", "iat", "nbf", "exp", "jti"}
    | {"obo", "grant", "sid"}
)


@dataclass(frozen=True)
class IssuedToken:
    """A signed token and the facts a response reports about it."""

    token: str
    token_id: str
    expires_at: datetime


class TokenIssuer:
    """Signs access tokens with the current signing key (identity owns the only issuer)."""

    def __init__(self, key: SigningKey, *, ttl: timedelta = timedelta(minutes=10)) -> None:
        self.key = key
        self.ttl = ttl

    def issue(
        self,
        *,
        subject: str,
        kind: CallerKind,
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        audience: str = MERCATO_AUDIENCE,
        on_behalf_of: str | None = None,
        grant_id: str | None = None,
        session_id: str | None = None,
        ttl: timedelta | None = None,
        now: datetime | None = None,
        extra_claims: Mapping[str, str] | None = None,
    ) -> IssuedToken:
        """Sign a token for `subject`; `extra_claims` may add claims, never replace one."""
        issued_at = now or datetime.now(UTC)
        expires_at = issued_at + (ttl or self.ttl)
        token_id = new_id()
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": audience,
            "sub": subject,
            "kind": kind,
            "roles": sorted(set(roles)),
            "scope": " ".join(sorted(set(scopes))),
            "iat": int(issued_at.timestamp()),
            "nbf": int(issued_at.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": token_id,
        }
        for name, value in (("obo", on_behalf_of), ("grant", grant_id), ("sid", session_id)):
            if value:
                claims[name] = value
        for name, value in (extra_claims or {}).items():
            if name in claims or name in _REGISTERED_CLAIMS:
                raise ValueError(f"claim {name!r} is set by the issuer")
            claims[name] = value
        token = jwt.encode(
            claims, self.key.private_key, algorithm=_ALGORITHM, headers={"kid": self.key.kid}
        )
        return IssuedToken(token, token_id, datetime.fromtimestamp(claims["exp"], UTC))


class Revocations(Protocol):
    """What a verifier asks before trusting a well-signed token."""

    def is_revoked(self, *, token_id: str, session_id: str | None, grant_id: str | None) -> bool:
        """True when the token, its session or its grant has been revoked."""
        ...


class InMemoryRevocations:
    """Revoked grants, sessions and tokens held in memory (fed from identity's events)."""

    def __init__(self) -> None:
        self.grants: set[str] = set()
        self.sessions: set[str] = set()
        self.tokens: set[str] = set()

    def revoke_grant(self, grant_id: str) -> None:
        """Every token issued under this grant stops working."""
        self.grants.add(grant_id)

    def revoke_session(self, session_id: str) -> None:
        """Every token of this sign-in session stops working."""
        self.sessions.add(session_id)

    def revoke_token(self, token_id: str) -> None:
        """This one token stops working."""
        self.tokens.add(token_id)

    def is_revoked(self, *, token_id: str, session_id: str | None, grant_id: str | None) -> bool:
        """See Revocations."""
        return (
            token_id in self.tokens
            or (session_id is not None and session_id in self.sessions)
            or (grant_id is not None and grant_id in self.grants)
        )


CACHED_TOKENS = 4096
"""How many verified tokens a verifier remembers (least recently used first out)."""


@dataclass(frozen=True)
class _Verified:
    caller: Caller
    kid: str
    key: Any
    until: datetime


class TokenVerifier:
    """Verifies access tokens locally: signature, issuer, audience, time, revocation.

    Every failure is the same kind of error, Unauthenticated, with a message that says what
    was wrong without echoing the token.

    A token whose signature and claims verified is remembered (up to `cached` tokens, the
    least recently used forgotten first) until it expires, so a client sending the same token
    on every call pays the Ed25519 verification once. A remembered token is still checked
    on every call against the revocations, its expiry, and the key it was signed with (which
    must still be the one the key provider gives for its `kid`: a retired key's tokens are
    verified again, and refused).
    """

    def __init__(
        self,
        keys: KeyProvider,
        *,
        audience: str = MERCATO_AUDIENCE,
        revocations: Revocations | None = None,
        cached: int = CACHED_TOKENS,
    ) -> None:
        self._keys = keys
        self._audience = audience
        self._revocations = revocations or InMemoryRevocations()
        self._cached = cached
        self._verified: OrderedDict[str, _Verified] = OrderedDict()

    async def verify(self, token: str) -> Caller:
        """The caller a token proves; Unauthenticated when it proves nothing."""
        remembered = self._verified.get(token)
        if remembered is not None:
            if datetime.now(UTC) < remembered.until and (
                await self._keys.public_key(remembered.kid) is remembered.key
            ):
                self._verified.move_to_end(token)
                self._check_revoked(remembered.caller)
                return remembered.caller
            self._verified.pop(token, None)
        caller, kid, key = await self._verify_signed(token)
        self._check_revoked(caller)
        if self._cached > 0:
            # Until `exp` exactly: the leeway is for clocks that disagree with identity's at
            # the first verification, not a reason to keep a token longer.
            self._verified[token] = _Verified(caller, kid, key, caller.expires_at)
            if len(self._verified) > self._cached:
                self._verified.popitem(last=False)
        return caller

    def _check_revoked(self, caller: Caller) -> None:
        if self._revocations.is_revoked(
            token_id=caller.token_id, session_id=caller.session_id, grant_id=caller.grant_id
        ):
            raise Unauthenticated("access token has been revoked")

    async def _verify_signed(self, token: str) -> tuple[Caller, str, Any]:
        """The caller of a token whose signature, issuer, audience and times verify; the kid
        and key it was verified with."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            raise Unauthenticated("malformed access token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed access token") from None
        kid = header.get("kid")
        if header.get("alg") != _ALGORITHM or not isinstance(kid, str):
            raise Unauthenticated("access token not signed by identity")
        key = await self._keys.public_key(kid)
        if key is None:
            raise Unauthenticated("access token signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[_ALGORITHM],
                audience=self._audience,
                issuer=ISSUER,
                leeway=_LEEWAY,
                options={"require": ["exp", "iat", "nbf", "sub", "jti", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("access token expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("access token is for another audience") from None
        except jwt.PyJWTError:
            raise Unauthenticated("access token is not valid") from None
        return _caller_from(claims), kid, key


def _caller_from(claims: dict[str, Any]) -> Caller:
    kind = claims.get("kind")
    roles = claims.get("roles", [])
    scope = claims.get("scope", "")
    if kind not in ("account", "app") or not isinstance(roles, list) or not isinstance(scope, str):
        raise Unauthenticated("access token is not valid")
    return Caller(
        subject=str(claims["sub"]),
        kind=kind,
        roles=frozenset(str(role) for role in roles),
        scopes=frozenset(scope.split()),
        token_id=str(claims["jti"]),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        on_behalf_of=claims.get("obo"),
        grant_id=claims.get("grant"),
        session_id=claims.get("sid"),
    )
