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
from mercato_identity.domain import Grant
from mercato_identity.domain.commands import GrantAccess, ListGrants, RevokeAccess
from mercato_identity.domain.errors import GrantExists
from mercato_kit.auth import Caller, seller_grantable_scopes
from mercato_kit.errors import NotFound
from mercato_kit.ids import new_id


async def grant_access(
    command: GrantAccess, uow: IdentityUnitOfWork, *, caller: Caller, now: datetime
) -> Grant:
    require_account(caller, "grant access")
    await require_live_session(uow, caller, now)
    app = await get_app(command.app_id, uow)
    existing = await uow.grants.active(caller.subject, app.id)
    if existing is not None:
        raise GrantExists(existing.id)
    grant = Grant.give(
        new_id(),
        grantor_account_id=caller.subject,
        grantor_role="seller",
        app=app,
        scopes=command.scopes,
        allowed=seller_grantable_scopes(),
        known_scopes=KNOWN_SCOPES,
        now=now,
    )
    await uow.grants.add(grant)
    return grant


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
    require_account(caller, "revoke a grant")
    await require_live_session(uow, caller, now)
    grant = await uow.grants.get(command.grant_id)
    if grant is None or not grant.visible_to(caller.subject, operator=is_operator(caller)):
        raise NotFound(f"grant {command.grant_id} does not exist")
    grant.revoke(by_account=caller.subject, by_operator=is_operator(caller), now=now)
    await uow.grants.save(grant)
    return grant
