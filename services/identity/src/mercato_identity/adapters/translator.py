"""The one module that imports both identity's domain and the generated protobuf code."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from mercato.identity.v1 import accounts_pb2, apps_pb2, events_pb2, grants_pb2, tokens_pb2
from mercato_identity.domain import (
    Account,
    App,
    AppKind,
    Grant,
    PublishedKey,
    RevocationReason,
    Role,
    Session,
    SignOutReason,
)
from mercato_kit.auth import IssuedToken
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import InvalidArgument

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
    raise TypeError(f"no payload for {type(event).__name__}")


def timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def account_message(account: Account) -> accounts_pb2.Account:
    return accounts_pb2.Account(
        account_id=account.id,
        email=account.email,
        role=_ROLES[account.role],
        registered_at=timestamp(account.registered_at),
    )


def app_message(app: App) -> apps_pb2.App:
    return apps_pb2.App(
        app_id=app.id,
        owner_account_id=app.owner_account_id,
        kind=_APP_KINDS[app.kind],
        name=app.name,
        redirect_uris=app.redirect_uris,
        scopes=app.scopes,
        registered_at=timestamp(app.registered_at),
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
        granted_at=timestamp(grant.granted_at),
        revoked_at=timestamp(grant.revoked_at),
    )


def access_token_message(issued: IssuedToken, scopes: frozenset[str]) -> tokens_pb2.AccessToken:
    return tokens_pb2.AccessToken(
        token=issued.token, expires_at=timestamp(issued.expires_at), scopes=sorted(scopes)
    )
