"""The one place Mercato's scopes are defined: who holds each one, and who may hand it on.

A scope is `<area>:<permission>`. An RPC declares the scopes it needs (`@requires("orders:read")`);
identity decides which tokens carry them:

- an account's own token carries the scopes of its role (`roles`);
- an app's own token (client credentials) carries the scopes it registered with, each one its
  kind may hold (`app_kinds`); apps of kind "service" are Mercato's own services;
- an app acting for a seller carries what the seller granted, from the `seller_grantable`
  scopes; an app acting for a buyer (partner sign-in) what the buyer consented to, from the
  `buyer_consentable` ones.

A service that needs a new scope adds it here, so identity can issue it and partners can read
it in the catalogue (identity's GrantService.ListScopes).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ACCOUNT_ROLES",
    "APP_KINDS",
    "SCOPES",
    "Scope",
    "buyer_consentable_scopes",
    "scope_named",
    "scopes_for_app_kind",
    "scopes_for_role",
    "seller_grantable_scopes",
]

ACCOUNT_ROLES: tuple[str, ...] = ("buyer", "seller", "operator")
"""The roles of accounts (an account token's `roles` holds one of them)."""

APP_KINDS: tuple[str, ...] = ("vendor_app", "publisher_site", "carrier", "partner_shop", "service")
"""The kinds of apps (an app token's `roles` holds its kind)."""

_PARTNERS = frozenset({"vendor_app", "publisher_site", "carrier", "partner_shop"})


@dataclass(frozen=True)
class Scope:
    """One scope, what it allows, and who may hold it."""

    name: str
    description: str
    roles: frozenset[str] = frozenset()
    app_kinds: frozenset[str] = frozenset()
    seller_grantable: bool = False
    buyer_consentable: bool = False


SCOPES: tuple[Scope, ...] = (
    Scope(
        "profile:read",
        "who the account is: its id and e-mail address (partner sign-in)",
        roles=frozenset({"buyer", "seller", "operator"}),
        buyer_consentable=True,
    ),
    Scope(
        "catalog:read",
        "a seller's shops, products and stock, including what is not public",
        roles=frozenset({"seller"}),
        seller_grantable=True,
    ),
    Scope(
        "catalog:write",
        "open shops, list products, change prices and stock for a seller",
        roles=frozenset({"seller"}),
        seller_grantable=True,
    ),
    Scope(
        "catalog:reserve",
        "reserve, commit and release stock for orders (the order saga)",
        app_kinds=frozenset({"service"}),
    ),
    Scope(
        "orders:read",
        "read orders: a seller's sales, a buyer's purchases (an operator: any order)",
        roles=frozenset({"buyer", "seller", "operator"}),
        app_kinds=frozenset({"service"}),
        seller_grantable=True,
        buyer_consentable=True,
    ),
    Scope(
        "orders:write",
        "act on orders: place and confirm (buyers), ship and cancel (sellers)",
        roles=frozenset({"buyer", "seller"}),
        seller_grantable=True,
        buyer_consentable=True,
    ),
    Scope(
        "payments:read",
        "payments, escrow and payouts: a seller's sales, a buyer's purchases",
        roles=frozenset({"buyer", "seller"}),
        seller_grantable=True,
    ),
    Scope(
        "payments:deposit",
        "deposit a seller's prepaid advertising budget",
        roles=frozenset({"seller"}),
        seller_grantable=True,
    ),
    Scope(
        "payments:capture",
        "capture, release and refund payments (the order saga)",
        app_kinds=frozenset({"service"}),
    ),
    Scope(
        "payments:app_store",
        "charge and refund app-store subscriptions, split with vendors (the platform service)",
        app_kinds=frozenset({"service"}),
    ),
    Scope(
        "payments:payout",
        "send payouts to sellers and app vendors",
        roles=frozenset({"operator"}),
        app_kinds=frozenset({"service"}),
    ),
    Scope(
        "logistics:ship",
        "create shipments for orders (the order saga)",
        app_kinds=frozenset({"service"}),
    ),
    Scope(
        "logistics:read",
        "read shipments and their tracking: of one's own orders, or all (operators)",
        roles=frozenset({"buyer", "seller", "operator"}),
        app_kinds=frozenset({"service"}),
        seller_grantable=True,
    ),
    Scope(
        "logistics:tracking",
        "post tracking updates for the shipments handed to a carrier",
        app_kinds=frozenset({"carrier"}),
    ),
    Scope(
        "marketing:campaigns",
        "run a seller's advertising campaigns and budgets",
        roles=frozenset({"seller"}),
        seller_grantable=True,
    ),
    Scope(
        "marketing:ads",
        "ask for ads and report clicks (publisher sites)",
        app_kinds=frozenset({"publisher_site"}),
    ),
    Scope(
        "grants:manage",
        "grant and revoke an app's access on a seller's behalf: the app store grants what a "
        "seller's subscription chose, and revokes it on uninstall or suspension",
        app_kinds=frozenset({"service"}),
    ),
    Scope(
        "events:subscribe",
        "subscribe to the event streams an app is entitled to",
        app_kinds=_PARTNERS,
    ),
)
"""Every scope, in catalogue order."""

_BY_NAME = {scope.name: scope for scope in SCOPES}


def scope_named(name: str) -> Scope | None:
    """The catalogue's scope of that name, if there is one."""
    return _BY_NAME.get(name)


def scopes_for_role(role: str) -> frozenset[str]:
    """The scopes an account of `role` has in its own tokens."""
    return frozenset(scope.name for scope in SCOPES if role in scope.roles)


def scopes_for_app_kind(kind: str) -> frozenset[str]:
    """The scopes an app of `kind` may hold itself."""
    return frozenset(scope.name for scope in SCOPES if kind in scope.app_kinds)


def seller_grantable_scopes() -> frozenset[str]:
    """The scopes a seller may grant an app."""
    return frozenset(scope.name for scope in SCOPES if scope.seller_grantable)


def buyer_consentable_scopes() -> frozenset[str]:
    """The scopes a buyer may consent to on a partner shop."""
    return frozenset(scope.name for scope in SCOPES if scope.buyer_consentable)
