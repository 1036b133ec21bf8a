"""The scope catalogue, the one place scope names are defined, is consistent."""

from __future__ import annotations

import re

from mercato_kit.auth import (
    ACCOUNT_ROLES,
    APP_KINDS,
    SCOPES,
    buyer_consentable_scopes,
    scope_named,
    scopes_for_app_kind,
    scopes_for_role,
    seller_grantable_scopes,
)


def test_every_scope_is_named_area_colon_permission_once() -> None:
    names = [scope.name for scope in SCOPES]

    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z]+:[a-z_]+", name) for name in names)
    assert all(scope.description for scope in SCOPES)


def test_every_holder_is_a_known_role_or_app_kind() -> None:
    for scope in SCOPES:
        assert scope.roles <= set(ACCOUNT_ROLES), scope.name
        assert scope.app_kinds <= set(APP_KINDS), scope.name


def test_what_sellers_grant_they_hold_themselves() -> None:
    assert seller_grantable_scopes() <= scopes_for_role("seller")
    assert buyer_consentable_scopes() <= scopes_for_role("buyer")


def test_the_services_scopes_are_for_service_apps_and_carriers_track() -> None:
    assert {"payments:capture", "logistics:ship"} <= scopes_for_app_kind("service")
    assert "payments:capture" not in seller_grantable_scopes()
    assert scopes_for_app_kind("carrier") >= {"logistics:tracking"}
    assert scope_named("catalog:write") is not None
    assert scope_named("catalog:delete_everything") is None
