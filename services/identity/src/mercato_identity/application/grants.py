"""Grants: a seller gives an app scopes, lists what it gave, revokes."""

from __future__ import annotations

from datetime import datetime

from mercato_identity.application.apps import KNOWN_SCOPES, get_app
from mercato_identity.application.callers import (
    is_operator,
    require_account,
    require_live_session,
)
from mercato_identity.application.ports import IdentityUnitOfWork
from mercato_identity.application.security import record_operator_action
from mercato_identity.domain import Grant, OperatorAction
from mercato_identity.domain.accounts import Role
from mercato_identity.domain.apps import App
from mercato_identity.domain.commands import GrantAccess, ListGrants, RevokeAccess
from mercato_identity.domain.errors import GrantExists
from mercato_kit.auth import Caller, seller_grantable_scopes
from mercato_kit.errors import InvalidArgument, NotFound, PermissionDenied
from mercato_kit.ids import new_id

GRANTS_MANAGE = "grants:manage"


async def grant_access(
    command: GrantAccess, uow: IdentityUnitOfWork, *, caller: Caller, now: datetime
) -> Grant:
    if is_grant_manager(caller):
        return await _grant_for_seller(command, uow, now=now)
    if command.grantor_account_id is not None:
        raise PermissionDenied("only a service app with grants:manage grants for another account")
    require_account(caller, "grant access")
    await require_live_session(uow, caller, now)
    app = await get_app(command.app_id, uow)
    existing = await uow.grants.active(caller.subject, app.id)
    if existing is not None:
        raise GrantExists(existing.id)
    grant = _seller_grant(caller.subject, app, command, now)
    await uow.grants.add(grant)
    return grant


async def _grant_for_seller(
    command: GrantAccess, uow: IdentityUnitOfWork, *, now: datetime
) -> Grant:
    """A service's grant on a seller's behalf (the app store): it replaces the seller's active
    grant to the app, which is superseded (revoked) in the same transaction."""
    if not command.grantor_account_id:
        raise InvalidArgument("grantor_account_id", "name the seller the grant is from")
    seller = await uow.accounts.get(command.grantor_account_id)
    if seller is None or seller.role is not Role.SELLER:
        raise NotFound(f"no seller {command.grantor_account_id}")
    app = await get_app(command.app_id, uow)
    grant = _seller_grant(seller.id, app, command, now)
    existing = await uow.grants.active(seller.id, app.id)
    if existing is not None:
        existing.supersede(now)
        await uow.grants.save(existing)
    await uow.grants.add(grant)
    return grant


def _seller_grant(seller_id: str, app: App, command: GrantAccess, now: datetime) -> Grant:
    return Grant.give(
        new_id(),
        grantor_account_id=seller_id,
        grantor_role="seller",
        app=app,
        scopes=command.scopes,
        allowed=seller_grantable_scopes(),
        known_scopes=KNOWN_SCOPES,
        now=now,
    )


def is_grant_manager(caller: Caller) -> bool:
    """A Mercato service app (its own token) holding grants:manage: the app store."""
    return (
        caller.kind == "app"
        and "service" in caller.roles
        and caller.on_behalf_of is None
        and caller.has_scope(GRANTS_MANAGE)
    )


async def list_grants(
    query: ListGrants, uow: IdentityUnitOfWork, *, caller: Caller, now: datetime
) -> list[Grant]:
    """Those the calling account gave, or those the calling app received."""
    if caller.kind == "account":
        await require_live_session(uow, caller, now)
        return await uow.grants.given_by(caller.subject, include_revoked=query.include_revoked)
    return await uow.grants.given_to(caller.subject, include_revoked=query.include_revoked)


async def revoke_access(
    command: RevokeAccess, uow: IdentityUnitOfWork, *, caller: Caller, now: datetime
) -> Grant:
    manager = is_grant_manager(caller)
    if not manager:
        require_account(caller, "revoke a grant")
        await require_live_session(uow, caller, now)
    overseer = manager or is_operator(caller)
    grant = await uow.grants.get(command.grant_id)
    if grant is None or not grant.visible_to(caller.subject, operator=overseer):
        raise NotFound(f"grant {command.grant_id} does not exist")
    version = grant.version
    grant.revoke(by_account=caller.subject, by_operator=overseer, now=now)
    await uow.grants.save(grant)
    if grant.version != version and is_operator(caller) and not manager:
        await record_operator_action(
            uow,
            operator_id=caller.subject,
            action=OperatorAction.REVOKED_GRANT,
            target_type="grant",
            target_id=grant.id,
        )
    return grant
