"""Signing in on a partner shop with a Mercato identity (authorization code + PKCE), and the
signing keys: published, rotated without downtime. Through the running service."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import grpc
import jwt
import pytest

from mercato.identity.v1 import accounts_pb2, apps_pb2, grants_pb2, keys_pb2
from mercato.identity.v1 import partner_sign_in_pb2 as pb
from mercato_kit.errors import Unauthenticated
from mercato_kit.grpc import INVALID_FIELD_KEY
from tests.services.identity.test_identity_accounts import refused, trailer, verify
from tests.support.identity_service import (
    TIMEOUT,
    IdentityProcess,
    SignedIn,
    bearer,
    new_key,
    pkce_pair,
)

BACK = "https://partner-shop.example/signed-in"


@pytest.fixture
def shop(identity: IdentityProcess) -> tuple[apps_pb2.App, str]:
    owner = identity.signed_in(accounts_pb2.ROLE_SELLER)
    return identity.new_app(owner, apps_pb2.APP_KIND_PARTNER_SHOP, redirect_uris=(BACK,))


def _authorize(
    identity: IdentityProcess,
    buyer: SignedIn,
    app_id: str,
    challenge: str,
    *scopes: str,
    nonce: str | None = "n-0S6_WzA2Mj",
) -> pb.AuthorizeResponse:
    request = pb.AuthorizeRequest(
        app_id=app_id,
        redirect_uri=BACK,
        scopes=scopes,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    if nonce is not None:
        request.nonce = nonce
    answer = identity.sign_in.Authorize(request, metadata=buyer.metadata, timeout=TIMEOUT)
    identity.remember(answer.code)
    return answer


def _exchange(
    identity: IdentityProcess, app_id: str, secret: str, code: str, verifier: str
) -> pb.ExchangeCodeResponse:
    answer = identity.sign_in.ExchangeCode(
        pb.ExchangeCodeRequest(
            app_id=app_id,
            app_secret=secret,
            code=code,
            code_verifier=verifier,
            redirect_uri=BACK,
        ),
        timeout=TIMEOUT,
    )
    identity.remember(answer.id_token, answer.access_token.token, verifier)
    return answer


def test_a_buyer_signs_in_on_a_partner_shop_with_pkce(
    identity: IdentityProcess, shop: tuple[apps_pb2.App, str]
) -> None:
    app, secret = shop
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    verifier, challenge = pkce_pair()

    code = _authorize(identity, buyer, app.app_id, challenge, "profile:read", "orders:read")
    answer = _exchange(identity, app.app_id, secret, code.code, verifier)

    who = jwt.decode(answer.id_token, options={"verify_signature": False})
    assert verify(identity, answer.id_token, audience=app.app_id).subject == (
        buyer.account.account_id
    )
    assert who["aud"] == app.app_id
    assert who["nonce"] == "n-0S6_WzA2Mj"
    assert who["email"] == buyer.account.email
    assert answer.account_id == buyer.account.account_id
    acting = verify(identity, answer.access_token.token)
    assert acting.subject == app.app_id
    assert acting.on_behalf_of == buyer.account.account_id
    assert acting.grant_id == answer.grant_id == code.grant_id
    assert acting.scopes == {"orders:read"}
    with pytest.raises(Unauthenticated, match="another audience"):
        verify(identity, answer.id_token)


def test_the_consent_is_a_grant_the_shop_uses_and_the_buyer_revokes(
    identity: IdentityProcess, shop: tuple[apps_pb2.App, str]
) -> None:
    app, secret = shop
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    _, challenge = pkce_pair()
    code = _authorize(identity, buyer, app.app_id, challenge, "orders:write")

    later = identity.app_token(app.app_id, secret, grant_id=code.grant_id)
    listed = identity.grants.ListGrants(grants_pb2.ListGrantsRequest(), metadata=buyer.metadata)
    identity.grants.RevokeAccess(
        grants_pb2.RevokeAccessRequest(idempotency_key=new_key(), grant_id=code.grant_id),
        metadata=buyer.metadata,
        timeout=TIMEOUT,
    )
    after = refused(
        identity.apps.IssueAppToken,
        apps_pb2.IssueAppTokenRequest(app_id=app.app_id, app_secret=secret, grant_id=code.grant_id),
    )

    assert later.on_behalf_of == buyer.account.account_id
    assert [(g.grant_id, list(g.scopes)) for g in listed.grants] == [
        (code.grant_id, ["orders:write"])
    ]
    assert after.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_code_works_once(identity: IdentityProcess, shop: tuple[apps_pb2.App, str]) -> None:
    app, secret = shop
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    verifier, challenge = pkce_pair()
    code = _authorize(identity, buyer, app.app_id, challenge, "profile:read")
    _exchange(identity, app.app_id, secret, code.code, verifier)

    again = refused(
        identity.sign_in.ExchangeCode,
        pb.ExchangeCodeRequest(
            app_id=app.app_id,
            app_secret=secret,
            code=code.code,
            code_verifier=verifier,
            redirect_uri=BACK,
        ),
    )

    assert again.code() == grpc.StatusCode.UNAUTHENTICATED


def test_profile_only_consent_gives_an_identity_but_no_access_token(
    identity: IdentityProcess, shop: tuple[apps_pb2.App, str]
) -> None:
    app, secret = shop
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    verifier, challenge = pkce_pair()
    code = _authorize(identity, buyer, app.app_id, challenge, "profile:read", nonce=None)

    answer = _exchange(identity, app.app_id, secret, code.code, verifier)

    assert answer.id_token
    assert not answer.HasField("access_token")
    assert "nonce" not in jwt.decode(answer.id_token, options={"verify_signature": False})


def test_a_wrong_verifier_secret_app_or_redirect_uri_is_refused_alike(
    identity: IdentityProcess, shop: tuple[apps_pb2.App, str]
) -> None:
    app, secret = shop
    other_app, other_secret = identity.new_app(
        identity.signed_in(accounts_pb2.ROLE_SELLER),
        apps_pb2.APP_KIND_PARTNER_SHOP,
        redirect_uris=(BACK,),
    )
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    verifier, challenge = pkce_pair()
    code = _authorize(identity, buyer, app.app_id, challenge, "profile:read").code
    wrong_verifier, _ = pkce_pair()
    attempts = {
        "wrong verifier": (app.app_id, secret, wrong_verifier, BACK),
        "wrong secret": (app.app_id, other_secret, verifier, BACK),
        "another app": (other_app.app_id, other_secret, verifier, BACK),
        "another redirect": (app.app_id, secret, verifier, BACK + "/elsewhere"),
    }

    answers = {
        name: refused(
            identity.sign_in.ExchangeCode,
            pb.ExchangeCodeRequest(
                app_id=app_id,
                app_secret=app_secret,
                code=code,
                code_verifier=code_verifier,
                redirect_uri=redirect_uri,
            ),
        )
        for name, (app_id, app_secret, code_verifier, redirect_uri) in attempts.items()
    }
    still_good = _exchange(identity, app.app_id, secret, code, verifier)

    assert {answer.code() for answer in answers.values()} == {grpc.StatusCode.UNAUTHENTICATED}
    assert {answer.details() for answer in answers.values()} == {
        "the authorization code is not valid"
    }
    assert still_good.account_id == buyer.account.account_id


def test_an_unregistered_redirect_uri_or_plain_pkce_is_refused_and_no_code_made(
    identity: IdentityProcess, shop: tuple[apps_pb2.App, str]
) -> None:
    app, _ = shop
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    _, challenge = pkce_pair()
    before = identity.count("authorization_codes")

    elsewhere = refused(
        identity.sign_in.Authorize,
        pb.AuthorizeRequest(
            app_id=app.app_id,
            redirect_uri="https://attacker.example/catch",
            scopes=["profile:read"],
            code_challenge=challenge,
            code_challenge_method="S256",
        ),
        metadata=buyer.metadata,
    )
    plain = refused(
        identity.sign_in.Authorize,
        pb.AuthorizeRequest(
            app_id=app.app_id,
            redirect_uri=BACK,
            scopes=["profile:read"],
            code_challenge=challenge,
            code_challenge_method="plain",
        ),
        metadata=buyer.metadata,
    )
    not_consentable = refused(
        identity.sign_in.Authorize,
        pb.AuthorizeRequest(
            app_id=app.app_id,
            redirect_uri=BACK,
            scopes=["profile:read", "catalog:write"],
            code_challenge=challenge,
            code_challenge_method="S256",
        ),
        metadata=buyer.metadata,
    )

    assert trailer(elsewhere, INVALID_FIELD_KEY) == "redirect_uri"
    assert trailer(plain, INVALID_FIELD_KEY) == "code_challenge_method"
    assert trailer(not_consentable, INVALID_FIELD_KEY) == "scopes[1]"
    assert identity.count("authorization_codes") == before


def test_only_signed_in_buyers_authorise_partner_shops(
    identity: IdentityProcess, shop: tuple[apps_pb2.App, str]
) -> None:
    app, _ = shop
    seller = identity.signed_in(accounts_pb2.ROLE_SELLER)
    _, challenge = pkce_pair()
    request = pb.AuthorizeRequest(
        app_id=app.app_id,
        redirect_uri=BACK,
        scopes=["profile:read"],
        code_challenge=challenge,
        code_challenge_method="S256",
    )

    by_seller = refused(identity.sign_in.Authorize, request, metadata=seller.metadata)
    anonymous = refused(identity.sign_in.Authorize, request)

    assert by_seller.code() == grpc.StatusCode.PERMISSION_DENIED
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED


def test_consenting_to_more_scopes_replaces_the_grant(
    identity: IdentityProcess, shop: tuple[apps_pb2.App, str]
) -> None:
    app, _ = shop
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    _, challenge = pkce_pair()

    first = _authorize(identity, buyer, app.app_id, challenge, "profile:read")
    covered = _authorize(identity, buyer, app.app_id, challenge, "profile:read")
    wider = _authorize(identity, buyer, app.app_id, challenge, "orders:read")

    grants = identity.grants.ListGrants(
        grants_pb2.ListGrantsRequest(include_revoked=True), metadata=buyer.metadata
    ).grants
    assert covered.grant_id == first.grant_id
    assert wider.grant_id != first.grant_id
    assert {(g.grant_id, g.status, tuple(g.scopes)) for g in grants} == {
        (first.grant_id, grants_pb2.GRANT_STATUS_REVOKED, ("profile:read",)),
        (wider.grant_id, grants_pb2.GRANT_STATUS_ACTIVE, ("orders:read", "profile:read")),
    }


# signing keys


def test_the_key_set_publishes_the_current_key_as_a_jwk(identity: IdentityProcess) -> None:
    keys = identity.keys.GetKeySet(keys_pb2.GetKeySetRequest(), timeout=TIMEOUT).keys
    token = identity.signed_in(accounts_pb2.ROLE_BUYER).token

    current = keys[0]
    assert current.current
    assert (current.kty, current.crv, current.alg, current.use) == (
        "OKP",
        "Ed25519",
        "EdDSA",
        "sig",
    )
    assert len(base64.urlsafe_b64decode(current.x + "=")) == 32
    assert jwt.get_unverified_header(token)["kid"] == current.kid
    assert sum(key.current for key in keys) == 1


def test_rotation_keeps_the_previous_keys_tokens_valid_until_they_expire(
    identity: IdentityProcess, operator: SignedIn
) -> None:
    before = identity.signed_in(accounts_pb2.ROLE_BUYER)
    old_kid = jwt.get_unverified_header(before.token)["kid"]

    rotated = identity.keys.RotateSigningKey(
        keys_pb2.RotateSigningKeyRequest(idempotency_key=new_key()),
        metadata=operator.metadata,
        timeout=TIMEOUT,
    )
    after = identity.signed_in(accounts_pb2.ROLE_BUYER)
    keys = {key.kid: key for key in identity.keys.GetKeySet(keys_pb2.GetKeySetRequest()).keys}
    old_still_works = identity.accounts.GetAccount(
        accounts_pb2.GetAccountRequest(), metadata=before.metadata, timeout=TIMEOUT
    )

    assert rotated.previous_kid == old_kid
    assert jwt.get_unverified_header(after.token)["kid"] == rotated.kid
    assert keys[rotated.kid].current
    assert not keys[old_kid].current
    old_expiry = jwt.decode(before.token, options={"verify_signature": False})["exp"]
    published_until = keys[old_kid].published_until.ToDatetime(tzinfo=UTC)
    assert published_until > datetime.fromtimestamp(old_expiry, UTC)
    assert rotated.previous_published_until == keys[old_kid].published_until
    assert old_still_works.account == before.account
    assert verify(identity, before.token).subject == before.account.account_id
    assert verify(identity, after.token).subject == after.account.account_id


def test_only_operators_rotate_keys(identity: IdentityProcess) -> None:
    seller = identity.signed_in(accounts_pb2.ROLE_SELLER)
    request = keys_pb2.RotateSigningKeyRequest(idempotency_key=new_key())

    by_seller = refused(identity.keys.RotateSigningKey, request, metadata=seller.metadata)
    anonymous = refused(identity.keys.RotateSigningKey, request)
    forged = refused(
        identity.keys.RotateSigningKey, request, metadata=bearer(seller.token[:-4] + "AAAA")
    )

    assert by_seller.code() == grpc.StatusCode.PERMISSION_DENIED
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    assert forged.code() == grpc.StatusCode.UNAUTHENTICATED
