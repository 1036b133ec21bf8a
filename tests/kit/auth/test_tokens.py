"""The verifier refuses every token that proves nothing: expired, not yet valid, forged,
tampered, for another audience or issuer, signed with an unknown key, or revoked."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mercato_kit.auth import (
    InMemoryRevocations,
    SigningKey,
    StaticKeyProvider,
    TokenIssuer,
    TokenVerifier,
    public_key_bytes,
)
from mercato_kit.errors import Unauthenticated

KEY = SigningKey.generate()


def _verifier(
    revocations: InMemoryRevocations | None = None, audience: str = "mercato"
) -> TokenVerifier:
    keys = StaticKeyProvider({KEY.kid: KEY.public_key})
    return TokenVerifier(keys, audience=audience, revocations=revocations)


def _token(**options: object) -> str:
    settings: dict[str, object] = {"subject": "acc-1", "kind": "account", "roles": ["seller"]}
    settings.update(options)
    return TokenIssuer(KEY).issue(**settings).token  # type: ignore[arg-type]


async def _refusal(token: str, verifier: TokenVerifier | None = None) -> str:
    with pytest.raises(Unauthenticated) as refused:
        await (verifier or _verifier()).verify(token)
    return refused.value.message


async def test_a_well_signed_token_gives_its_caller() -> None:
    token = _token(
        kind="app",
        subject="app-1",
        roles=["vendor_app"],
        scopes=["orders:read", "catalog:write"],
        on_behalf_of="seller-1",
        grant_id="grant-1",
    )

    caller = await _verifier().verify(token)

    assert caller.subject == "app-1"
    assert caller.kind == "app"
    assert caller.roles == {"vendor_app"}
    assert caller.scopes == {"orders:read", "catalog:write"}
    assert caller.on_behalf_of == "seller-1"
    assert caller.grant_id == "grant-1"
    assert caller.acts_for("seller-1", "orders:read")


async def test_an_expired_token_is_refused() -> None:
    token = _token(now=datetime.now(UTC) - timedelta(minutes=11), ttl=timedelta(minutes=10))

    assert await _refusal(token) == "access token expired"


async def test_a_token_not_yet_valid_is_refused() -> None:
    token = _token(now=datetime.now(UTC) + timedelta(minutes=5))

    assert await _refusal(token) == "access token is not valid"


async def test_a_token_for_another_audience_is_refused() -> None:
    token = _token(audience="partner-shop-app")

    assert await _refusal(token) == "access token is for another audience"
    assert (await _verifier(audience="partner-shop-app").verify(token)).subject == "acc-1"


async def test_a_token_signed_by_another_key_under_the_same_kid_is_refused() -> None:
    impostor = SigningKey(kid=KEY.kid, private_key=Ed25519PrivateKey.generate())
    token = TokenIssuer(impostor).issue(subject="acc-1", kind="account", roles=["operator"]).token

    assert await _refusal(token) == "access token is not valid"


async def test_a_tampered_payload_is_refused() -> None:
    head, payload, signature = _token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["operator"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    assert await _refusal(f"{head}.{forged}.{signature}") == "access token is not valid"


async def test_unsigned_and_symmetric_tokens_are_refused() -> None:
    claims = jwt.decode(_token(), options={"verify_signature": False})
    unsigned = jwt.encode(claims, key=None, algorithm="none", headers={"kid": KEY.kid})
    # The classic confusion: HMAC "signed" with the public key as the secret.
    confused = jwt.encode(
        claims,
        key=public_key_bytes(KEY.public_key).hex(),
        algorithm="HS256",
        headers={"kid": KEY.kid},
    )

    assert await _refusal(unsigned) == "access token not signed by identity"
    assert await _refusal(confused) == "access token not signed by identity"


async def test_another_issuers_token_is_refused() -> None:
    claims = jwt.decode(_token(), options={"verify_signature": False})
    claims["iss"] = "somebody-else"
    token = jwt.encode(claims, KEY.private_key, algorithm="EdDSA", headers={"kid": KEY.kid})

    assert await _refusal(token) == "access token is not valid"


async def test_a_token_of_an_unknown_key_or_no_token_at_all_is_refused() -> None:
    stranger = TokenIssuer(SigningKey.generate()).issue(subject="acc-1", kind="account").token

    assert await _refusal(stranger) == "access token signed with an unknown key"
    assert await _refusal("") == "malformed access token"
    assert await _refusal("a.b") == "malformed access token"
    assert await _refusal("x" * 9000) == "malformed access token"


@pytest.mark.parametrize("revoked", ["token", "session", "grant"])
async def test_a_revoked_token_session_or_grant_is_refused(revoked: str) -> None:
    revocations = InMemoryRevocations()
    issued = TokenIssuer(KEY).issue(
        subject="app-1", kind="app", on_behalf_of="seller-1", grant_id="g-1", session_id="s-1"
    )
    verifier = _verifier(revocations)
    assert (await verifier.verify(issued.token)).subject == "app-1"

    {
        "token": lambda: revocations.revoke_token(issued.token_id),
        "session": lambda: revocations.revoke_session("s-1"),
        "grant": lambda: revocations.revoke_grant("g-1"),
    }[revoked]()

    assert await _refusal(issued.token, verifier) == "access token has been revoked"


async def test_a_token_with_an_unknown_kind_is_refused() -> None:
    claims = jwt.decode(_token(), options={"verify_signature": False})
    claims["kind"] = "superuser"
    token = jwt.encode(claims, KEY.private_key, algorithm="EdDSA", headers={"kid": KEY.kid})

    assert await _refusal(token) == "access token is not valid"


def test_extra_claims_add_to_a_token_but_never_replace_one() -> None:
    issuer = TokenIssuer(KEY)

    token = issuer.issue(subject="acc-1", kind="account", extra_claims={"nonce": "n-1"}).token
    with pytest.raises(ValueError, match="sub"):
        issuer.issue(subject="acc-1", kind="account", extra_claims={"sub": "operator"})
    with pytest.raises(ValueError, match="grant"):
        issuer.issue(subject="acc-1", kind="account", extra_claims={"grant": "g-9"})

    assert jwt.decode(token, options={"verify_signature": False})["nonce"] == "n-1"


async def test_a_token_is_verified_once_and_remembered_until_its_key_is_retired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = StaticKeyProvider({KEY.kid: KEY.public_key})
    verifier = TokenVerifier(keys, cached=2)
    decoded: list[str] = []
    decode = jwt.decode

    def counting_decode(token: str, *args: object, **kwargs: object) -> object:
        decoded.append(token)
        return decode(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting_decode)
    first, second, third = _token(subject="a"), _token(subject="b"), _token(subject="c")

    callers = [await verifier.verify(token) for token in (first, first, second, first, third)]
    assert [caller.subject for caller in callers] == ["a", "a", "b", "a", "c"]
    assert decoded == [first, second, third]  # `second` was the least recently used

    await verifier.verify(second)
    assert decoded == [first, second, third, second]

    keys.remove(KEY.kid)
    assert await _refusal(first, verifier) == "access token signed with an unknown key"
