"""Partner apps and sellers' grants through the running service, over a real gRPC channel."""

from __future__ import annotations

import hashlib

import grpc

from mercato.identity.v1 import accounts_pb2, apps_pb2, grants_pb2
from mercato_kit.grpc import INVALID_FIELD_KEY
from tests.services.identity.test_identity_accounts import refused, trailer, verify
from tests.support.identity_service import (
    TIMEOUT,
    IdentityProcess,
    SignedIn,
    bearer,
    new_key,
)

SELLER = accounts_pb2.ROLE_SELLER


def _grant(
    identity: IdentityProcess, seller: SignedIn, app_id: str, *scopes: str
) -> grants_pb2.Grant:
    return identity.grants.GrantAccess(
        grants_pb2.GrantAccessRequest(idempotency_key=new_key(), app_id=app_id, scopes=scopes),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    ).grant


def test_an_app_secret_is_shown_once_and_kept_only_as_a_digest(identity: IdentityProcess) -> None:
    vendor = identity.signed_in(SELLER)
    request = apps_pb2.RegisterAppRequest(
        idempotency_key=new_key(), kind=apps_pb2.APP_KIND_VENDOR_APP, name="Stock Sync 2.0"
    )

    first = identity.apps.RegisterApp(request, metadata=vendor.metadata, timeout=TIMEOUT)
    again = identity.apps.RegisterApp(request, metadata=vendor.metadata, timeout=TIMEOUT)
    identity.remember(first.app_secret)

    assert first.app_secret.startswith("mas_")
    assert again.app == first.app
    assert again.app_secret == ""
    assert first.app.owner_account_id == vendor.account.account_id
    digest = hashlib.sha256(first.app_secret.encode()).hexdigest()
    assert identity.count("apps", "secret_digest = :d", d=digest) == 1
    assert identity.count("apps", "secret_digest = :s", s=first.app_secret) == 0
    assert identity.count("idempotency_keys", "response LIKE :s", s=f"%{first.app_secret}%") == 0


def test_an_app_gets_a_token_for_itself_with_its_key_and_secret(identity: IdentityProcess) -> None:
    owner = identity.signed_in(SELLER)
    carrier, secret = identity.new_app(
        owner, apps_pb2.APP_KIND_CARRIER, scopes=("logistics:tracking", "events:subscribe")
    )

    everything = identity.app_token(carrier.app_id, secret)
    narrowed = identity.app_token(carrier.app_id, secret, scopes=("logistics:tracking",))

    caller = verify(identity, everything.access_token.token)
    assert caller.kind == "app"
    assert caller.subject == carrier.app_id
    assert caller.roles == {"carrier"}
    assert caller.scopes == {"logistics:tracking", "events:subscribe"}
    assert caller.on_behalf_of is None
    assert list(narrowed.access_token.scopes) == ["logistics:tracking"]
    assert everything.on_behalf_of == ""


def test_a_wrong_secret_and_an_unknown_app_get_the_same_answer(identity: IdentityProcess) -> None:
    owner = identity.signed_in(SELLER)
    app, secret = identity.new_app(owner)
    other, _ = identity.new_app(owner)

    wrong = refused(
        identity.apps.IssueAppToken,
        apps_pb2.IssueAppTokenRequest(app_id=app.app_id, app_secret=secret[:-1] + "x"),
    )
    unknown = refused(
        identity.apps.IssueAppToken,
        apps_pb2.IssueAppTokenRequest(app_id=other.app_id[:-4] + "0000", app_secret=secret),
    )
    swapped = refused(
        identity.apps.IssueAppToken,
        apps_pb2.IssueAppTokenRequest(app_id=other.app_id, app_secret=secret),
    )

    assert {wrong.code(), unknown.code(), swapped.code()} == {grpc.StatusCode.UNAUTHENTICATED}
    assert wrong.details() == unknown.details() == swapped.details()


def test_rotating_the_secret_retires_the_old_one(identity: IdentityProcess) -> None:
    owner = identity.signed_in(SELLER)
    stranger = identity.signed_in(SELLER)
    app, old = identity.new_app(owner)

    by_stranger = refused(
        identity.apps.RotateAppSecret,
        apps_pb2.RotateAppSecretRequest(idempotency_key=new_key(), app_id=app.app_id),
        metadata=stranger.metadata,
    )
    new = identity.apps.RotateAppSecret(
        apps_pb2.RotateAppSecretRequest(idempotency_key=new_key(), app_id=app.app_id),
        metadata=owner.metadata,
        timeout=TIMEOUT,
    ).app_secret
    identity.remember(new)

    assert by_stranger.code() == grpc.StatusCode.PERMISSION_DENIED
    assert new
    assert new != old
    assert identity.app_token(app.app_id, new).access_token.token
    stale = refused(
        identity.apps.IssueAppToken,
        apps_pb2.IssueAppTokenRequest(app_id=app.app_id, app_secret=old),
    )
    assert stale.code() == grpc.StatusCode.UNAUTHENTICATED


def test_only_operators_register_service_apps(
    identity: IdentityProcess, operator: SignedIn
) -> None:
    seller = identity.signed_in(SELLER)
    request = apps_pb2.RegisterAppRequest(
        idempotency_key=new_key(),
        kind=apps_pb2.APP_KIND_SERVICE,
        name="orders",
        scopes=["payments:capture", "logistics:ship"],
    )

    by_seller = refused(identity.apps.RegisterApp, request, metadata=seller.metadata)
    made = identity.apps.RegisterApp(request, metadata=operator.metadata, timeout=TIMEOUT)
    identity.remember(made.app_secret)
    token = identity.app_token(made.app.app_id, made.app_secret)

    assert by_seller.code() == grpc.StatusCode.PERMISSION_DENIED
    assert verify(identity, token.access_token.token).scopes == {
        "payments:capture",
        "logistics:ship",
    }


def test_an_app_token_cannot_register_apps(identity: IdentityProcess) -> None:
    owner = identity.signed_in(SELLER)
    app, secret = identity.new_app(owner, apps_pb2.APP_KIND_CARRIER)
    token = identity.app_token(app.app_id, secret).access_token.token

    error = refused(
        identity.apps.RegisterApp,
        apps_pb2.RegisterAppRequest(
            idempotency_key=new_key(), kind=apps_pb2.APP_KIND_CARRIER, name="Shadow"
        ),
        metadata=bearer(token),
    )

    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_bad_app_registrations_name_the_field_and_store_nothing(
    identity: IdentityProcess,
) -> None:
    owner = identity.signed_in(SELLER)
    before = identity.count("apps")
    cases = {
        "name": {"name": "Robert'); DROP TABLE apps;--"},
        "scopes[1]": {"scopes": ["logistics:tracking", "marketing:ads"]},
        "scopes[0]": {"scopes": ["logistics tracking"]},
        "redirect_uris[0]": {"redirect_uris": ["http://evil.example/steal"]},
        "kind": {"kind": apps_pb2.APP_KIND_UNSPECIFIED},
    }

    for field, changes in cases.items():
        request = apps_pb2.RegisterAppRequest(
            idempotency_key=new_key(), kind=apps_pb2.APP_KIND_CARRIER, name="Fine Name"
        )
        for name, value in changes.items():
            if isinstance(value, list):
                getattr(request, name).extend(value)
            else:
                setattr(request, name, value)
        error = refused(identity.apps.RegisterApp, request, metadata=owner.metadata)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert trailer(error, INVALID_FIELD_KEY) == field

    assert identity.count("apps") == before


def test_a_seller_grants_an_app_scopes_and_the_app_acts_for_the_seller_within_them(
    identity: IdentityProcess,
) -> None:
    vendor = identity.signed_in(SELLER)
    seller = identity.signed_in(SELLER)
    app, secret = identity.new_app(vendor)

    grant = _grant(identity, seller, app.app_id, "orders:read", "catalog:write")
    answer = identity.app_token(
        app.app_id, secret, grant_id=grant.grant_id, scopes=("orders:read", "payments:read")
    )

    caller = verify(identity, answer.access_token.token)
    assert grant.status == grants_pb2.GRANT_STATUS_ACTIVE
    assert list(grant.scopes) == ["catalog:write", "orders:read"]
    assert answer.on_behalf_of == seller.account.account_id
    assert caller.subject == app.app_id
    assert caller.on_behalf_of == seller.account.account_id
    assert caller.grant_id == grant.grant_id
    assert caller.scopes == {"orders:read"}
    assert caller.acts_for(seller.account.account_id, "orders:read")
    assert not caller.acts_for(seller.account.account_id, "catalog:write")


def test_a_seller_grants_only_grantable_scopes_and_only_sellers_grant(
    identity: IdentityProcess,
) -> None:
    seller = identity.signed_in(SELLER)
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    app, _ = identity.new_app(seller)

    not_grantable = refused(
        identity.grants.GrantAccess,
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(), app_id=app.app_id, scopes=["orders:read", "payments:capture"]
        ),
        metadata=seller.metadata,
    )
    by_buyer = refused(
        identity.grants.GrantAccess,
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(), app_id=app.app_id, scopes=["orders:read"]
        ),
        metadata=buyer.metadata,
    )

    assert not_grantable.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert trailer(not_grantable, INVALID_FIELD_KEY) == "scopes[1]"
    assert by_buyer.code() == grpc.StatusCode.PERMISSION_DENIED
    assert identity.count("grants", "app_id = :app", app=app.app_id) == 0


def test_one_active_grant_per_seller_and_app(identity: IdentityProcess) -> None:
    seller = identity.signed_in(SELLER)
    app, _ = identity.new_app(seller)
    first = _grant(identity, seller, app.app_id, "orders:read")

    second = refused(
        identity.grants.GrantAccess,
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(), app_id=app.app_id, scopes=["catalog:read"]
        ),
        metadata=seller.metadata,
    )

    assert second.code() == grpc.StatusCode.ALREADY_EXISTS
    assert first.grant_id in (second.details() or "")


def test_grants_are_listed_for_the_seller_and_for_the_app(identity: IdentityProcess) -> None:
    vendor = identity.signed_in(SELLER)
    sellers = [identity.signed_in(SELLER) for _ in range(2)]
    app, secret = identity.new_app(vendor)
    given = [_grant(identity, seller, app.app_id, "orders:read") for seller in sellers]
    identity.grants.RevokeAccess(
        grants_pb2.RevokeAccessRequest(idempotency_key=new_key(), grant_id=given[0].grant_id),
        metadata=sellers[0].metadata,
        timeout=TIMEOUT,
    )
    app_token = identity.app_token(app.app_id, secret).access_token.token

    sellers_view = identity.grants.ListGrants(
        grants_pb2.ListGrantsRequest(include_revoked=True), metadata=sellers[0].metadata
    ).grants
    apps_active = identity.grants.ListGrants(
        grants_pb2.ListGrantsRequest(), metadata=bearer(app_token)
    ).grants
    apps_all = identity.grants.ListGrants(
        grants_pb2.ListGrantsRequest(include_revoked=True), metadata=bearer(app_token)
    ).grants

    assert [(g.grant_id, g.status) for g in sellers_view] == [
        (given[0].grant_id, grants_pb2.GRANT_STATUS_REVOKED)
    ]
    assert [g.grant_id for g in apps_active] == [given[1].grant_id]
    assert {g.grant_id for g in apps_all} == {g.grant_id for g in given}


def test_a_revoked_grant_stops_working_at_once(identity: IdentityProcess) -> None:
    vendor = identity.signed_in(SELLER)
    seller = identity.signed_in(SELLER)
    app, secret = identity.new_app(vendor)
    grant = _grant(identity, seller, app.app_id, "orders:read")
    acting = identity.app_token(app.app_id, secret, grant_id=grant.grant_id).access_token.token
    before = identity.grants.ListGrants(grants_pb2.ListGrantsRequest(), metadata=bearer(acting))

    revoked = identity.grants.RevokeAccess(
        grants_pb2.RevokeAccessRequest(idempotency_key=new_key(), grant_id=grant.grant_id),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    ).grant
    old_token = refused(
        identity.grants.ListGrants, grants_pb2.ListGrantsRequest(), metadata=bearer(acting)
    )
    new_token = refused(
        identity.apps.IssueAppToken,
        apps_pb2.IssueAppTokenRequest(
            app_id=app.app_id, app_secret=secret, grant_id=grant.grant_id
        ),
    )

    assert [g.grant_id for g in before.grants] == [grant.grant_id]
    assert revoked.status == grants_pb2.GRANT_STATUS_REVOKED
    assert revoked.HasField("revoked_at")
    assert old_token.code() == grpc.StatusCode.UNAUTHENTICATED
    assert new_token.code() == grpc.StatusCode.PERMISSION_DENIED


def test_nobody_else_sees_or_revokes_a_grant_or_uses_another_apps_grant(
    identity: IdentityProcess,
) -> None:
    seller = identity.signed_in(SELLER)
    stranger = identity.signed_in(SELLER)
    app, _ = identity.new_app(seller)
    other_app, other_secret = identity.new_app(seller)
    grant = _grant(identity, seller, app.app_id, "orders:read")

    by_stranger = refused(
        identity.grants.RevokeAccess,
        grants_pb2.RevokeAccessRequest(idempotency_key=new_key(), grant_id=grant.grant_id),
        metadata=stranger.metadata,
    )
    by_other_app = refused(
        identity.apps.IssueAppToken,
        apps_pb2.IssueAppTokenRequest(
            app_id=other_app.app_id, app_secret=other_secret, grant_id=grant.grant_id
        ),
    )

    assert by_stranger.code() == grpc.StatusCode.NOT_FOUND
    assert by_other_app.code() == grpc.StatusCode.NOT_FOUND
    assert identity.count("grants", "grant_id = :id AND revoked_at IS NULL", id=grant.grant_id) == 1


def test_one_sellers_idempotency_key_never_answers_another_seller(
    identity: IdentityProcess,
) -> None:
    vendor = identity.signed_in(SELLER)
    app, _ = identity.new_app(vendor)
    first, second = identity.signed_in(SELLER), identity.signed_in(SELLER)
    request = grants_pb2.GrantAccessRequest(
        idempotency_key=new_key(), app_id=app.app_id, scopes=["orders:read"]
    )

    mine = identity.grants.GrantAccess(request, metadata=first.metadata, timeout=TIMEOUT).grant
    theirs = identity.grants.GrantAccess(request, metadata=second.metadata, timeout=TIMEOUT).grant

    assert mine.grantor_account_id == first.account.account_id
    assert theirs.grantor_account_id == second.account.account_id
    assert mine.grant_id != theirs.grant_id


def test_the_scope_catalogue_is_public(identity: IdentityProcess) -> None:
    scopes = {
        scope.name: scope
        for scope in identity.grants.ListScopes(grants_pb2.ListScopesRequest()).scopes
    }

    assert scopes["catalog:write"].seller_grantable
    assert not scopes["payments:capture"].seller_grantable
    assert list(scopes["logistics:tracking"].app_kinds) == ["carrier"]
    assert scopes["profile:read"].buyer_consentable


def test_a_service_with_grants_manage_grants_and_revokes_for_a_seller(
    identity: IdentityProcess, operator: SignedIn
) -> None:
    seller = identity.signed_in(SELLER)
    buyer = identity.signed_in(accounts_pb2.ROLE_BUYER)
    vendor_app, vendor_secret = identity.new_app(identity.signed_in(SELLER))
    store, store_secret = identity.new_app(
        operator, apps_pb2.APP_KIND_SERVICE, scopes=("grants:manage",)
    )
    plain, plain_secret = identity.new_app(
        operator, apps_pb2.APP_KIND_SERVICE, scopes=("orders:read",)
    )
    as_store = bearer(identity.app_token(store.app_id, store_secret).access_token.token)
    as_plain = bearer(identity.app_token(plain.app_id, plain_secret).access_token.token)
    own = _grant(identity, seller, vendor_app.app_id, "catalog:read")

    def for_seller(grantor: str, metadata: list[tuple[str, str]], key: str) -> grants_pb2.Grant:
        return identity.grants.GrantAccess(
            grants_pb2.GrantAccessRequest(
                idempotency_key=key,
                app_id=vendor_app.app_id,
                scopes=["orders:read"],
                grantor_account_id=grantor,
            ),
            metadata=metadata,
            timeout=TIMEOUT,
        ).grant

    key = new_key()
    made = for_seller(seller.account.account_id, as_store, key)
    again = for_seller(seller.account.account_id, as_store, key)
    acting = identity.app_token(vendor_app.app_id, vendor_secret, grant_id=made.grant_id)
    no_scope = refused(
        identity.grants.GrantAccess,
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(),
            app_id=vendor_app.app_id,
            scopes=["orders:read"],
            grantor_account_id=seller.account.account_id,
        ),
        metadata=as_plain,
    )
    for_buyer = refused(
        identity.grants.GrantAccess,
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(),
            app_id=vendor_app.app_id,
            scopes=["orders:read"],
            grantor_account_id=buyer.account.account_id,
        ),
        metadata=as_store,
    )
    seller_naming_another = refused(
        identity.grants.GrantAccess,
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(),
            app_id=vendor_app.app_id,
            scopes=["orders:read"],
            grantor_account_id=buyer.account.account_id,
        ),
        metadata=seller.metadata,
    )
    revoked = identity.grants.RevokeAccess(
        grants_pb2.RevokeAccessRequest(idempotency_key=new_key(), grant_id=made.grant_id),
        metadata=as_store,
        timeout=TIMEOUT,
    ).grant

    assert made.grantor_account_id == seller.account.account_id
    assert list(made.scopes) == ["orders:read"]
    assert again.grant_id == made.grant_id
    assert acting.on_behalf_of == seller.account.account_id
    assert identity.count("grants", "grant_id = :id AND revoked_at IS NULL", id=own.grant_id) == 0
    assert no_scope.code() == grpc.StatusCode.PERMISSION_DENIED
    assert for_buyer.code() == grpc.StatusCode.NOT_FOUND
    assert seller_naming_another.code() == grpc.StatusCode.PERMISSION_DENIED
    assert revoked.status == grants_pb2.GRANT_STATUS_REVOKED
