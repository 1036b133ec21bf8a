"""The one module that imports both identity's domain and the generated protobuf code:
requests -> commands, events -> payloads, aggregates and results -> messages."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from google.protobuf.any_pb2 import Any
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from mercato.identity.v1 import (
    accounts_pb2,
    apps_pb2,
    events_pb2,
    grants_pb2,
    keys_pb2,
    partner_sign_in_pb2,
    security_pb2,
    tokens_pb2,
)
from mercato_identity.adapters.security_events import AuditedEvent
from mercato_identity.application.accounts import SessionTokens
from mercato_identity.application.partner_sign_in import IssuedCode, RedeemedCode
from mercato_identity.domain import (
    Account,
    App,
    AppKind,
    Grant,
    OperatorAction,
    PublishedKey,
    RevocationReason,
    Role,
    SecurityEvent,
    Session,
    SignOutReason,
)
from mercato_identity.domain.commands import (
    Authorize,
    ExchangeCode,
    GetAccount,
    GrantAccess,
    IssueAppToken,
    ListGrants,
    RefreshSession,
    RegisterAccount,
    RegisterApp,
    RevokeAccess,
    RotateAppSecret,
    RotateSigningKey,
    SignIn,
    SignOut,
)
from mercato_kit.auth import IssuedToken, Scope
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import InvalidArgument
from mercato_kit.protobuf import timestamp_message

_ROLES = {
    Role.BUYER: accounts_pb2.ROLE_BUYER,
    Role.SELLER: accounts_pb2.ROLE_SELLER,
    Role.OPERATOR: accounts_pb2.ROLE_OPERATOR,
}
_APP_KINDS = {
    AppKind.VENDOR_APP: apps_pb2.APP_KIND_VENDOR_APP,
    AppKind.PUBLISHER_SITE: apps_pb2.APP_KIND_PUBLISHER_SITE,
    AppKind.CARRIER: apps_pb2.APP_KIND_CARRIER,
    AppKind.PARTNER_SHOP: apps_pb2.APP_KIND_PARTNER_SHOP,
    AppKind.SERVICE: apps_pb2.APP_KIND_SERVICE,
}
_REVOCATION_REASONS = {
    RevocationReason.REVOKED_BY_GRANTOR: events_pb2.REVOCATION_REASON_REVOKED_BY_GRANTOR,
    RevocationReason.REVOKED_BY_OPERATOR: events_pb2.REVOCATION_REASON_REVOKED_BY_OPERATOR,
    RevocationReason.SUPERSEDED: events_pb2.REVOCATION_REASON_SUPERSEDED,
}
_SIGN_OUT_REASONS = {
    SignOutReason.SIGNED_OUT: events_pb2.SIGN_OUT_REASON_SIGNED_OUT,
    SignOutReason.REFRESH_TOKEN_REUSED: events_pb2.SIGN_OUT_REASON_REFRESH_TOKEN_REUSED,
}
_OPERATOR_ACTIONS = {
    OperatorAction.REGISTERED_OPERATOR: events_pb2.OPERATOR_ACTION_REGISTERED_OPERATOR,
    OperatorAction.REVOKED_GRANT: events_pb2.OPERATOR_ACTION_REVOKED_GRANT,
    OperatorAction.ROTATED_SIGNING_KEY: events_pb2.OPERATOR_ACTION_ROTATED_SIGNING_KEY,
    OperatorAction.RESEALED_SIGNING_KEYS: events_pb2.OPERATOR_ACTION_RESEALED_SIGNING_KEYS,
}


def role_from(value: int, field: str = "role") -> Role:
    for role, number in _ROLES.items():
        if number == value:
            return role
    raise InvalidArgument(field, "must be ROLE_BUYER, ROLE_SELLER or ROLE_OPERATOR")


def app_kind_from(value: int, field: str = "kind") -> AppKind:
    for kind, number in _APP_KINDS.items():
        if number == value:
            return kind
    raise InvalidArgument(field, "must be one of the APP_KIND_ values")


def payload_of(aggregate: Aggregate, event: DomainEvent) -> Message:
    """The published payload of a domain event (never a secret, hash, code or token)."""
    match event:
        case Account.Registered(email=email, role=role):
            return events_pb2.AccountRegistered(email=email, role=_ROLES[role])
        case App.Registered() as registered:
            return events_pb2.AppRegistered(
                owner_account_id=registered.owner_account_id,
                kind=_APP_KINDS[registered.kind],
                name=registered.name,
                redirect_uris=registered.redirect_uris,
                scopes=registered.scopes,
            )
        case App.SecretRotated():
            return events_pb2.AppSecretRotated()
        case Grant.Granted() as granted:
            return events_pb2.AccessGranted(
                grantor_account_id=granted.grantor_account_id,
                grantor_role=granted.grantor_role,
                app_id=granted.app_id,
                scopes=granted.scopes,
            )
        case Grant.Revoked(grantor_account_id=grantor, app_id=app_id, reason=reason):
            return events_pb2.AccessRevoked(
                grantor_account_id=grantor, app_id=app_id, reason=_REVOCATION_REASONS[reason]
            )
        case Session.SignedOut(account_id=account_id, reason=reason):
            return events_pb2.SignedOut(account_id=account_id, reason=_SIGN_OUT_REASONS[reason])
        case PublishedKey.Rotated(previous_kid=previous_kid):
            return events_pb2.SigningKeyRotated(previous_kid=previous_kid)
        case Account.RegistrationAttempted(role=role, by_operator=by_operator):
            return events_pb2.AccountRegistrationAttempted(
                role=_ROLES[role], by_operator=by_operator
            )
        case SecurityEvent.SignedIn(account_id=account_id, session_id=session_id, source=source):
            return events_pb2.SignInSucceeded(
                account_id=account_id, session_id=session_id, source_address=source
            )
        case SecurityEvent.SignInFailed(account_id=account_id, source=source) as failed:
            return events_pb2.SignInFailed(
                account_id=account_id,
                source_address=source,
                blocked_seconds=failed.blocked_seconds,
            )
        case SecurityEvent.OperatorActed() as acted:
            return events_pb2.OperatorActed(
                operator_account_id=acted.operator_account_id,
                action=_OPERATOR_ACTIONS[acted.action],
                target_type=acted.target_type,
                target_id=acted.target_id,
            )
    raise TypeError(f"no payload for {type(event).__name__}")


def _timestamp(moment: datetime | None) -> Timestamp | None:
    return None if moment is None else timestamp_message(moment)


def account_message(account: Account) -> accounts_pb2.Account:
    return accounts_pb2.Account(
        account_id=account.id,
        email=account.email,
        role=_ROLES[account.role],
        registered_at=_timestamp(account.registered_at),
    )


def app_message(app: App) -> apps_pb2.App:
    return apps_pb2.App(
        app_id=app.id,
        owner_account_id=app.owner_account_id,
        kind=_APP_KINDS[app.kind],
        name=app.name,
        redirect_uris=app.redirect_uris,
        scopes=app.scopes,
        registered_at=_timestamp(app.registered_at),
    )


def grant_message(grant: Grant) -> grants_pb2.Grant:
    return grants_pb2.Grant(
        grant_id=grant.id,
        grantor_account_id=grant.grantor_account_id,
        app_id=grant.app_id,
        scopes=grant.scopes,
        status=grants_pb2.GRANT_STATUS_ACTIVE
        if grant.is_active
        else grants_pb2.GRANT_STATUS_REVOKED,
        granted_at=_timestamp(grant.granted_at),
        revoked_at=_timestamp(grant.revoked_at),
    )


def access_token_message(issued: IssuedToken, scopes: frozenset[str]) -> tokens_pb2.AccessToken:
    return tokens_pb2.AccessToken(
        token=issued.token, expires_at=timestamp_message(issued.expires_at), scopes=sorted(scopes)
    )


def session_tokens_message(result: SessionTokens) -> tokens_pb2.SessionTokens:
    assert result.session.expires_at is not None
    return tokens_pb2.SessionTokens(
        access_token=access_token_message(result.access_token, result.scopes),
        refresh_token=result.refresh_token,
        refresh_token_expires_at=timestamp_message(result.session.expires_at),
        session_id=result.session.id,
    )


def public_key_message(key: PublishedKey, raw: bytes, retention: timedelta) -> keys_pb2.PublicKey:
    """A published key as a JWK (OKP, Ed25519), and until when it is published."""
    return keys_pb2.PublicKey(
        kid=key.id,
        kty="OKP",
        crv="Ed25519",
        alg="EdDSA",
        use="sig",
        x=base64.urlsafe_b64encode(raw).decode().rstrip("="),
        current=key.is_current,
        published_until=_timestamp(key.published_until(retention)),
    )


def rotated_key_message(
    key: PublishedKey, previous: PublishedKey | None, retention: timedelta
) -> keys_pb2.RotateSigningKeyResponse:
    return keys_pb2.RotateSigningKeyResponse(
        kid=key.id,
        previous_kid=previous.id if previous else "",
        previous_published_until=(
            _timestamp(previous.published_until(retention)) if previous else None
        ),
    )


def scope_message(scope: Scope) -> grants_pb2.Scope:
    return grants_pb2.Scope(
        name=scope.name,
        description=scope.description,
        roles=sorted(scope.roles),
        app_kinds=sorted(scope.app_kinds),
        seller_grantable=scope.seller_grantable,
        buyer_consentable=scope.buyer_consentable,
    )


def authorize_response(issued: IssuedCode) -> partner_sign_in_pb2.AuthorizeResponse:
    return partner_sign_in_pb2.AuthorizeResponse(
        code=issued.code,
        expires_at=timestamp_message(issued.record.expires_at),
        redirect_uri=issued.record.redirect_uri,
        grant_id=issued.grant.id,
    )


def exchange_code_response(redeemed: RedeemedCode) -> partner_sign_in_pb2.ExchangeCodeResponse:
    response = partner_sign_in_pb2.ExchangeCodeResponse(
        id_token=redeemed.identity_token.token,
        id_token_expires_at=timestamp_message(redeemed.identity_token.expires_at),
        account_id=redeemed.account_id,
        grant_id=redeemed.grant_id,
    )
    if redeemed.access_token is not None:
        response.access_token.CopyFrom(
            access_token_message(redeemed.access_token, redeemed.access_scopes)
        )
    return response


# Requests -> commands (requests arrive validated by the kit's edge).


def register_account_command(request: accounts_pb2.RegisterAccountRequest) -> RegisterAccount:
    return RegisterAccount(request.email, request.password, role_from(request.role))


def sign_in_command(request: accounts_pb2.SignInRequest, source: str) -> SignIn:
    return SignIn(request.email, request.password, source)


def refresh_session_command(request: accounts_pb2.RefreshSessionRequest) -> RefreshSession:
    return RefreshSession(request.refresh_token)


def sign_out_command(request: accounts_pb2.SignOutRequest) -> SignOut:
    return SignOut()


def get_account_query(request: accounts_pb2.GetAccountRequest) -> GetAccount:
    return GetAccount(request.account_id if request.HasField("account_id") else None)


def rotate_signing_key_command(request: keys_pb2.RotateSigningKeyRequest) -> RotateSigningKey:
    return RotateSigningKey()


def register_app_command(request: apps_pb2.RegisterAppRequest) -> RegisterApp:
    return RegisterApp(
        kind=app_kind_from(request.kind),
        name=request.name,
        redirect_uris=tuple(request.redirect_uris),
        scopes=tuple(request.scopes),
    )


def rotate_app_secret_command(request: apps_pb2.RotateAppSecretRequest) -> RotateAppSecret:
    return RotateAppSecret(request.app_id)


def issue_app_token_command(request: apps_pb2.IssueAppTokenRequest) -> IssueAppToken:
    return IssueAppToken(
        request.app_id,
        request.app_secret,
        request.grant_id if request.HasField("grant_id") else None,
        tuple(request.scopes),
    )


def grant_access_command(request: grants_pb2.GrantAccessRequest) -> GrantAccess:
    grantor = request.grantor_account_id if request.HasField("grantor_account_id") else None
    return GrantAccess(request.app_id, tuple(request.scopes), grantor)


def list_grants_query(request: grants_pb2.ListGrantsRequest) -> ListGrants:
    return ListGrants(include_revoked=request.include_revoked)


def revoke_access_command(request: grants_pb2.RevokeAccessRequest) -> RevokeAccess:
    return RevokeAccess(request.grant_id)


def authorize_command(request: partner_sign_in_pb2.AuthorizeRequest) -> Authorize:
    return Authorize(
        app_id=request.app_id,
        redirect_uri=request.redirect_uri,
        scopes=tuple(request.scopes),
        code_challenge=request.code_challenge,
        nonce=request.nonce if request.HasField("nonce") else None,
    )


def exchange_code_command(request: partner_sign_in_pb2.ExchangeCodeRequest) -> ExchangeCode:
    return ExchangeCode(
        app_id=request.app_id,
        app_secret=request.app_secret,
        code=request.code,
        code_verifier=request.code_verifier,
        redirect_uri=request.redirect_uri,
    )


def registration_accepted(account: Account) -> accounts_pb2.RegisterAccountResponse:
    """The same answer for a new address and a taken one: the normalised address only."""
    return accounts_pb2.RegisterAccountResponse(email=account.email)


def security_event_message(event: AuditedEvent) -> security_pb2.SecurityEvent:
    return security_pb2.SecurityEvent(
        event_id=event.event_id,
        event_type=event.event_type,
        occurred_at=timestamp_message(event.occurred_at),
        account_id=event.account_id,
        app_id=event.app_id,
        payload=Any(type_url=f"type.googleapis.com/{event.event_type}", value=event.payload),
    )
