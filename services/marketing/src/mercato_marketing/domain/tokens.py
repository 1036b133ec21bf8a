"""Signed, expiring tokens: what an ad's link carries, and what a click gives the order.

`<base64url JSON claims>.<base64url HMAC-SHA256>` with the service's secret. The claims are not
secret (a visitor may read them); they cannot be changed or made up without the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

MAX_TOKEN_LENGTH = 1024


class BadToken(ValueError):
    """A token that is malformed or whose signature does not match: forged."""


@dataclass(frozen=True)
class ClickClaims:
    """What one served ad's click token says: one impression of one campaign's product."""

    impression_id: str
    campaign_id: str
    publisher_id: str
    product_id: str
    issued_at: int
    expires_at: int
    # The fingerprint of whoever asked for the ad server-side ("" when unknown).
    requester: str = ""

    def expired(self, now: datetime) -> bool:
        return now.timestamp() >= self.expires_at


@dataclass(frozen=True)
class AttributionClaims:
    """What an attribution token says: this click, at this time."""

    click_id: str
    clicked_at: int

    @property
    def clicked(self) -> datetime:
        return datetime.fromtimestamp(self.clicked_at, UTC)


class TokenSigner:
    """Signs and verifies the tokens with one secret (MARKETING_CLICK_SECRET)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the click secret must be at least 16 bytes")
        self._secret = secret

    def click_token(self, claims: ClickClaims) -> str:
        return self._sign({"k": "click", **asdict(claims)})

    def attribution_token(self, claims: AttributionClaims) -> str:
        return self._sign({"k": "attr", **asdict(claims)})

    def click_claims(self, token: str) -> ClickClaims:
        fields = self._verify(token, "click")
        try:
            return ClickClaims(
                impression_id=str(fields["impression_id"]),
                campaign_id=str(fields["campaign_id"]),
                publisher_id=str(fields["publisher_id"]),
                product_id=str(fields["product_id"]),
                issued_at=_int(fields["issued_at"]),
                expires_at=_int(fields["expires_at"]),
                requester=str(fields.get("requester", "")),
            )
        except (KeyError, TypeError) as error:
            raise BadToken("not a click token") from error

    def attribution_claims(self, token: str) -> AttributionClaims:
        fields = self._verify(token, "attr")
        try:
            return AttributionClaims(
                click_id=str(fields["click_id"]), clicked_at=_int(fields["clicked_at"])
            )
        except (KeyError, TypeError) as error:
            raise BadToken("not an attribution token") from error

    def _sign(self, claims: dict[str, object]) -> str:
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{_b64(self._mac(body))}"

    def _verify(self, token: str, kind: str) -> dict[str, object]:
        if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise BadToken("malformed")
        body, signature = token.split(".")
        try:
            given = _unb64(signature)
        except ValueError as error:
            raise BadToken("malformed signature") from error
        if not hmac.compare_digest(given, self._mac(body)):
            raise BadToken("signature does not match")
        try:
            claims = json.loads(_unb64(body))
        except ValueError as error:
            raise BadToken("malformed claims") from error
        if not isinstance(claims, dict) or claims.pop("k", None) != kind:
            raise BadToken(f"not a {kind} token")
        return claims

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value
