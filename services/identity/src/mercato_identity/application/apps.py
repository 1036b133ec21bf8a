"""Partner apps: register, rotate the secret, and client-credentials tokens."""

from __future__ import annotations

from datetime import datetime

from mercato_identity.application.callers import (
    is_operator,
    require_account,
    require_live_session,
)
from mercato_identity.application.ports import IdentityUnitOfWork
from mercato_identity.application.tokens import Tokens
from mercato_identity.domain import App
from mercato_identity.domain.commands import IssueAppToken, RegisterApp, RotateAppSecret
from mercato_identity.domain.credentials import digest, new_secret
from mercato_identity.domain.errors import AppCredentialsRejected
from mercato_identity.domain.scopes import check_scopes, narrowed
from mercato_kit.auth import SCOPES, Caller, IssuedToken, scopes_for_app_kind
from mercato_kit.errors import NotFound, PermissionDenied
from mercato_kit.ids import new_id

APP_SECRET_PREFIX = "mas_"  # noqa: S105 (a prefix that marks app secrets, not a secret)
KNOWN_SCOPES = frozenset(scope.name for scope in SCOPES)


def new_app_secret() -> str:
    """A new app secret: the caller sees it once; identity keeps only its digest."""
    return new_secret(APP_SECRET_PREFIX)


async def register_app(
    command: RegisterApp, uow: IdentityUnitOfWork, *, caller: Caller, secret: str, now: datetime
) -> App:
    require_account(caller, "register an app")
    await require_live_session(uow, caller, now)
    app = App.register(
        new_id(),
        owner_account_id=caller.subject,
        owner_is_operator=is_operator(caller),
        kind=command.kind,
        name=command.name,
        redirect_uris=command.redirect_uris,
        scopes=command.scopes,
        holdable=scopes_for_app_kind(command.kind),
        known_scopes=KNOWN_SCOPES,
        secret_digest=digest(secret),
        now=now,
    )
    await uow.apps.add(app)
    return app


async def rotate_app_secret(
    command: RotateAppSecret,
    uow: IdentityUnitOfWork,
    *,
    caller: Caller,
    secret: str,
    now: datetime,
) -> App:
    require_account(caller, "rotate an app's secret")
    await require_live_session(uow, caller, now)
    app = await get_app(command.app_id, uow)
    app.rotate_secret(digest(secret), by_account=caller.subject, by_operator=is_operator(caller))
    await uow.apps.save(app)
    return app


async def get_app(app_id: str, uow: IdentityUnitOfWork) -> App:
    app = await uow.apps.get(app_id)
    if app is None:
        raise NotFound(f"app {app_id} does not exist")
    return app


async def issue_app_token(
    command: IssueAppToken, uow: IdentityUnitOfWork, *, tokens: Tokens
) -> tuple[IssuedToken, frozenset[str], str | None]:
    """The app's token: for itself, or acting for the grantor of `grant_id`."""
    requested = check_scopes(
        "scopes", command.scopes, KNOWN_SCOPES, KNOWN_SCOPES, "is not a Mercato scope"
    )
    app = await uow.apps.get(command.app_id)
    if app is None or not app.authenticates(command.app_secret):
        raise AppCredentialsRejected()
    if command.grant_id is None:
        scopes = narrowed(app.scopes, requested)
        if requested and not scopes:
            raise PermissionDenied("the app holds none of the scopes asked for")
        return await tokens.for_app(app, scopes), scopes, None
    grant = await uow.grants.get(command.grant_id)
    if grant is None or grant.app_id != app.id:
        raise NotFound(f"grant {command.grant_id} does not exist")
    if not grant.is_active:
        raise PermissionDenied(f"grant {grant.id} has been revoked")
    scopes = grant.token_scopes(requested)
    if not scopes:
        raise PermissionDenied("the grant includes none of the scopes asked for")
    token = await tokens.for_app(
        app, scopes, on_behalf_of=grant.grantor_account_id, grant_id=grant.id
    )
    return token, scopes, grant.grantor_account_id
