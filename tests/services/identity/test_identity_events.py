"""identity's facts on Kafka (read like a partner would, from the real broker), and what its
log and events must never hold: a password, secret, hash, code or token."""

from __future__ import annotations

import hashlib
import uuid

from mercato.identity.v1 import accounts_pb2, apps_pb2, events_pb2, grants_pb2, keys_pb2
from mercato.identity.v1 import partner_sign_in_pb2 as sign_in_pb
from mercato_kit.events import EventEnvelope
from tests.services.identity.test_identity_accounts import refused
from tests.support.identity_service import (
    PASSWORD,
    TIMEOUT,
    IdentityProcess,
    SignedIn,
    identity_events,
    new_key,
    pkce_pair,
)


def _correlated(signed_in: SignedIn, correlation_id: str) -> list[tuple[str, str]]:
    return [*signed_in.metadata, ("x-correlation-id", correlation_id)]


def test_every_fact_is_published_with_its_payload_and_correlation(
    identity: IdentityProcess, operator: SignedIn, kafka_bootstrap_servers: str
) -> None:
    correlation_id = str(uuid.uuid4())
    seller = identity.signed_in(accounts_pb2.ROLE_SELLER)
    app = identity.apps.RegisterApp(
        apps_pb2.RegisterAppRequest(
            idempotency_key=new_key(),
            kind=apps_pb2.APP_KIND_CARRIER,
            name="Fast Parcel",
            scopes=["logistics:tracking"],
        ),
        metadata=_correlated(seller, correlation_id),
        timeout=TIMEOUT,
    )
    rotated_secret = identity.apps.RotateAppSecret(
        apps_pb2.RotateAppSecretRequest(idempotency_key=new_key(), app_id=app.app.app_id),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    )
    identity.remember(app.app_secret, rotated_secret.app_secret)
    grant = identity.grants.GrantAccess(
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(), app_id=app.app.app_id, scopes=["orders:read"]
        ),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    ).grant
    identity.grants.RevokeAccess(
        grants_pb2.RevokeAccessRequest(idempotency_key=new_key(), grant_id=grant.grant_id),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    )
    identity.accounts.SignOut(
        accounts_pb2.SignOutRequest(idempotency_key=new_key()),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    )
    key = identity.keys.RotateSigningKey(
        keys_pb2.RotateSigningKeyRequest(idempotency_key=new_key()),
        metadata=operator.metadata,
        timeout=TIMEOUT,
    )

    bootstrap = kafka_bootstrap_servers
    [registered] = identity_events(bootstrap, "identity.account", {seller.account.account_id}, 1)
    app_events = identity_events(bootstrap, "identity.app", {app.app.app_id}, 2)
    grant_events = identity_events(bootstrap, "identity.grant", {grant.grant_id}, 2)
    [signed_out] = identity_events(bootstrap, "identity.session", {seller.tokens.session_id}, 1)
    [key_rotated] = identity_events(bootstrap, "identity.signing_key", {key.kid}, 1)

    assert registered.unpack(events_pb2.AccountRegistered) == events_pb2.AccountRegistered(
        email=seller.account.email, role=accounts_pb2.ROLE_SELLER
    )
    assert [(e.event_type, e.aggregate_version) for e in app_events] == [
        ("mercato.identity.v1.AppRegistered", 1),
        ("mercato.identity.v1.AppSecretRotated", 2),
    ]
    assert app_events[0].correlation_id == correlation_id
    assert app_events[0].producer == "identity"
    assert app_events[0].unpack(events_pb2.AppRegistered) == events_pb2.AppRegistered(
        owner_account_id=seller.account.account_id,
        kind=apps_pb2.APP_KIND_CARRIER,
        name="Fast Parcel",
        scopes=["logistics:tracking"],
    )
    assert grant_events[0].unpack(events_pb2.AccessGranted) == events_pb2.AccessGranted(
        grantor_account_id=seller.account.account_id,
        grantor_role="seller",
        app_id=app.app.app_id,
        scopes=["orders:read"],
    )
    assert grant_events[1].unpack(events_pb2.AccessRevoked) == events_pb2.AccessRevoked(
        grantor_account_id=seller.account.account_id,
        app_id=app.app.app_id,
        reason=events_pb2.REVOCATION_REASON_REVOKED_BY_GRANTOR,
    )
    assert signed_out.unpack(events_pb2.SignedOut) == events_pb2.SignedOut(
        account_id=seller.account.account_id, reason=events_pb2.SIGN_OUT_REASON_SIGNED_OUT
    )
    assert key_rotated.unpack(events_pb2.SigningKeyRotated).previous_kid == key.previous_kid
    _assert_free_of_secrets(
        [registered, *app_events, *grant_events, signed_out, key_rotated], identity
    )


def _forbidden(identity: IdentityProcess) -> list[str]:
    secrets = [PASSWORD, "scrypt$", *identity.secrets_seen]
    digests = [hashlib.sha256(secret.encode()).hexdigest() for secret in identity.secrets_seen]
    return [*secrets, *digests]


def _assert_free_of_secrets(events: list[EventEnvelope], identity: IdentityProcess) -> None:
    for event in events:
        raw = event.to_bytes()
        for secret in _forbidden(identity):
            assert secret.encode() not in raw, f"{event.event_type} holds a secret"


def test_no_password_secret_hash_code_or_token_reaches_the_log(
    identity: IdentityProcess,
) -> None:
    # Every path that handles a secret, failures included, on top of what the other tests did.
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    refused(
        identity.accounts.SignIn,
        accounts_pb2.SignInRequest(email=buyer.account.email, password=PASSWORD + "-typo"),
    )
    identity.remember(PASSWORD + "-typo")
    rotated = identity.accounts.RefreshSession(
        accounts_pb2.RefreshSessionRequest(refresh_token=buyer.tokens.refresh_token),
        timeout=TIMEOUT,
    ).tokens
    identity.remember(rotated.refresh_token, rotated.access_token.token)
    refused(
        identity.accounts.RefreshSession,
        accounts_pb2.RefreshSessionRequest(refresh_token=buyer.tokens.refresh_token),
    )
    owner = identity.signed_in(accounts_pb2.ROLE_SELLER)
    shop, secret = identity.new_app(
        owner, apps_pb2.APP_KIND_PARTNER_SHOP, redirect_uris=("https://shop.example/in",)
    )
    refused(
        identity.apps.IssueAppToken,
        apps_pb2.IssueAppTokenRequest(app_id=shop.app_id, app_secret=secret + "x"),
    )
    shopper = identity.signed_in(accounts_pb2.ROLE_BUYER)
    verifier, challenge = pkce_pair()
    code = identity.sign_in.Authorize(
        sign_in_pb.AuthorizeRequest(
            app_id=shop.app_id,
            redirect_uri="https://shop.example/in",
            scopes=["profile:read", "orders:read"],
            code_challenge=challenge,
            code_challenge_method="S256",
        ),
        metadata=shopper.metadata,
        timeout=TIMEOUT,
    ).code
    identity.remember(code, verifier)
    exchange = sign_in_pb.ExchangeCodeRequest(
        app_id=shop.app_id,
        app_secret=secret,
        code=code,
        code_verifier=verifier,
        redirect_uri="https://shop.example/in",
    )
    answer = identity.sign_in.ExchangeCode(exchange, timeout=TIMEOUT)
    identity.remember(answer.id_token, answer.access_token.token)
    refused(identity.sign_in.ExchangeCode, exchange)

    logs = identity.logs()

    assert '"event": "grpc call"' in logs
    for secret_value in _forbidden(identity):
        assert secret_value not in logs, "a secret reached the log"
    assert "Traceback" not in logs
