"""Partner sign-in: a buyer's consent gives a one-time code; the shop redeems it (PKCE)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mercato_identity.application.apps import KNOWN_SCOPES, get_app
from mercato_identity.application.callers import require_account, require_live_session
from mercato_identity.application.ports import IdentityUnitOfWork
from mercato_identity.application.tokens import Tokens
from mercato_identity.domain import AuthorizationCode, Grant, consent
from mercato_identity.domain.commands import Authorize, ExchangeCode
from mercato_identity.domain.credentials import digest, new_secret
from mercato_identity.domain.errors import AuthorizationCodeRejected
from mercato_kit.auth import Caller, IssuedToken, buyer_consentable_scopes
from mercato_kit.errors import InvalidArgument
from mercato_kit.ids import new_id

CODE_PREFIX = "mac_"


@dataclass(frozen=True)
class IssuedCode:
    code: str = field(repr=False)
    record: AuthorizationCode
    grant: Grant


@dataclass(frozen=True)
class RedeemedCode:
    account_id: str
    grant_id: str
    identity_token: IssuedToken = field(repr=False)
    access_token: IssuedToken | None = field(repr=False)
    access_scopes: frozenset[str]


async def authorize(
    command: Authorize, uow: IdentityUnitOfWork, *, caller: Caller, tokens: Tokens, now: datetime
) -> IssuedCode:
    require_account(caller, "authorise a partner shop")
    await require_live_session(uow, caller, now)
    app = await get_app(command.app_id, uow)
    if not app.accepts_redirect_uri(command.redirect_uri):
        raise InvalidArgument("redirect_uri", "is not one of the app's registered redirect URIs")
    existing = await uow.grants.active(caller.subject, app.id)
    grant = consent(
        existing,
        new_grant_id=new_id(),
        buyer_id=caller.subject,
        app=app,
        scopes=command.scopes,
        consentable=buyer_consentable_scopes(),
        known_scopes=KNOWN_SCOPES,
        now=now,
    )
    if grant is not existing:
        if existing is not None:
            await uow.grants.save(existing)  # superseded: off before the new one is on
        await uow.grants.add(grant)
    code = new_secret(CODE_PREFIX)
    record = AuthorizationCode.issue(
        digest(code),
        app_id=app.id,
        account_id=caller.subject,
        grant_id=grant.id,
        scopes=tuple(sorted(set(command.scopes))),
        redirect_uri=command.redirect_uri,
        code_challenge=command.code_challenge,
        nonce=command.nonce,
        now=now,
        ttl=tokens.policy.authorization_code_ttl,
    )
    await uow.codes.add(record)
    return IssuedCode(code, record, grant)


async def exchange_code(
    command: ExchangeCode, uow: IdentityUnitOfWork, *, tokens: Tokens, now: datetime
) -> RedeemedCode:
    """Every refusal is the same AuthorizationCodeRejected, whatever was wrong."""
    app = await uow.apps.get(command.app_id)
    record = await uow.codes.get(digest(command.code))
    if app is None or record is None or not app.authenticates(command.app_secret):
        raise AuthorizationCodeRejected()
    record.redeem(
        app_id=app.id,
        code_verifier=command.code_verifier,
        redirect_uri=command.redirect_uri,
        now=now,
    )
    grant = await uow.grants.get(record.grant_id)
    account = await uow.accounts.get(record.account_id)
    if grant is None or not grant.is_active or account is None:
        raise AuthorizationCodeRejected()
    await uow.codes.save(record)
    identity_token = await tokens.identity_token(
        account, audience=app.id, scopes=record.scopes, nonce=record.nonce
    )
    access_scopes = frozenset(record.access_scopes) & frozenset(grant.scopes)
    access_token = (
        await tokens.for_app(app, access_scopes, on_behalf_of=account.id, grant_id=grant.id)
        if access_scopes
        else None
    )
    return RedeemedCode(account.id, grant.id, identity_token, access_token, access_scopes)
