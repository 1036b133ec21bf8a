"""Accounts and sessions: register, sign in, refresh, sign out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mercato_identity.application.callers import is_operator, require_live_session
from mercato_identity.application.passwords import Passwords
from mercato_identity.application.ports import IdentityUnitOfWork, UnitOfWorkFactory
from mercato_identity.application.security import record_operator_action
from mercato_identity.application.tokens import Tokens
from mercato_identity.domain import (
    Account,
    OperatorAction,
    Role,
    SecurityEvent,
    Session,
    SignOutReason,
    ThrottlePolicy,
)
from mercato_identity.domain.accounts import normalise_email
from mercato_identity.domain.commands import (
    GetAccount,
    RefreshSession,
    RegisterAccount,
    SignIn,
    SignOut,
)
from mercato_identity.domain.credentials import check_password, digest, new_secret
from mercato_identity.domain.errors import (
    EmailTaken,
    InvalidCredentials,
    RefreshTokenRejected,
    RefreshTokenReused,
    SignInThrottled,
)
from mercato_identity.domain.throttling import account_key, source_key
from mercato_kit.auth import Caller, IssuedToken
from mercato_kit.errors import ConcurrencyError, FailedPrecondition, NotFound, PermissionDenied
from mercato_kit.ids import new_id

REFRESH_TOKEN_PREFIX = "mrt_"  # noqa: S105 (a prefix that marks refresh tokens, not a secret)


@dataclass(frozen=True)
class SessionTokens:
    account: Account
    session: Session
    access_token: IssuedToken = field(repr=False)
    scopes: frozenset[str]
    refresh_token: str = field(repr=False)


async def hash_new_password(command: RegisterAccount, *, passwords: Passwords) -> str:
    """Check the password policy and hash (before the transaction: hashing takes a while)."""
    check_password(command.password, command.email)
    return await passwords.hash(command.password)


async def register_account(
    command: RegisterAccount,
    uow: IdentityUnitOfWork,
    *,
    password_hash: str,
    registered_by_operator: bool,
    operator_id: str,
    now: datetime,
) -> Account:
    """A new account, or the existing one of that address told of the attempt (unchanged).

    The caller's answer must not tell the two apart, so neither raises: an address taken meanwhile
    by a concurrent registration is a conflict, and the retry finds the account.
    """
    email = normalise_email(command.email)
    existing = await uow.accounts.with_email(email)
    if existing is not None:
        existing.registration_attempted(command.role, by_operator=registered_by_operator)
        await uow.accounts.save(existing)
        return existing
    account = Account.register(
        new_id(),
        email,
        command.role,
        password_hash,
        registered_by_operator=registered_by_operator,
        now=now,
    )
    try:
        await uow.accounts.add(account)
    except EmailTaken:
        raise ConcurrencyError(Account.aggregate_type, email, 0) from None
    if account.role is Role.OPERATOR:
        await record_operator_action(
            uow,
            operator_id=operator_id,
            action=OperatorAction.REGISTERED_OPERATOR,
            target_type="account",
            target_id=account.id,
        )
    return account


async def sign_in(
    command: SignIn,
    unit_of_work: UnitOfWorkFactory,
    *,
    passwords: Passwords,
    tokens: Tokens,
    throttle: ThrottlePolicy,
    now: datetime,
) -> SessionTokens:
    """Two short transactions around the (slow) password check, which holds no lock.

    Refused at once (SignInThrottled, with the delay) while the source address or the pair
    (e-mail, source address) is blocked; an unknown e-mail is checked against a decoy hash and
    counted like a known one, so neither the answer nor its timing tells them apart.
    """
    email = normalise_email(command.email)
    limits = (
        (source_key(command.source), throttle.source_max_failures),
        (account_key(email, command.source), throttle.account_max_failures),
    )
    async with unit_of_work(read_only=True) as uow:
        counters = [await uow.throttles.get(key) for key, _ in limits]
        account = await uow.accounts.with_email(email)
    waits = [wait for counter in counters if (wait := counter.retry_after(now)) is not None]
    if waits:
        raise SignInThrottled(max(waits).total_seconds())
    matches = await passwords.verify(command.password, account.password_hash if account else None)
    async with unit_of_work() as uow:
        if account is None or not matches:
            blocked = timedelta(0)
            for key, max_failures in limits:
                counter = await uow.throttles.get_for_update(key)
                if counter.record_failure(now, max_failures, throttle):
                    blocked = max(blocked, counter.retry_after(now) or blocked)
                await uow.throttles.save(counter)
            failed = SecurityEvent.SignInFailed(
                account_id=account.id if account else "",
                source=command.source,
                blocked_seconds=math.ceil(blocked.total_seconds()),
            )
            await uow.security.record(SecurityEvent.of(new_id(), failed))
            await uow.commit()
            raise InvalidCredentials()
        await uow.throttles.clear(limits[1][0])
        session = Session.start(
            new_id(), account.id, now=now, lifetime=tokens.policy.session_lifetime
        )
        refresh_token = new_secret(REFRESH_TOKEN_PREFIX)
        await uow.sessions.add(session)
        await uow.sessions.add_refresh_token(
            digest(refresh_token), session, session.generation, now
        )
        signed_in = SecurityEvent.SignedIn(
            account_id=account.id, session_id=session.id, source=command.source
        )
        await uow.security.record(SecurityEvent.of(new_id(), signed_in))
        await uow.commit()
    access_token, scopes = await tokens.for_account(account, session.id)
    return SessionTokens(account, session, access_token, scopes, refresh_token)


async def refresh_session(
    command: RefreshSession, unit_of_work: UnitOfWorkFactory, *, tokens: Tokens, now: datetime
) -> SessionTokens:
    """One transaction; a reused token ends its session (committed) and then fails."""
    async with unit_of_work() as uow:
        found = await uow.sessions.refresh_token(digest(command.refresh_token))
        session = await uow.sessions.get(found[0]) if found else None
        if found is None or session is None:
            raise RefreshTokenRejected()
        try:
            generation = session.rotate(found[1], now)
        except RefreshTokenReused:
            await uow.sessions.save(session)
            await uow.commit()
            raise
        account = await uow.accounts.get(session.account_id)
        if account is None:
            raise RefreshTokenRejected()
        refresh_token = new_secret(REFRESH_TOKEN_PREFIX)
        await uow.sessions.save(session)
        await uow.sessions.add_refresh_token(digest(refresh_token), session, generation, now)
        await uow.commit()
    access_token, scopes = await tokens.for_account(account, session.id)
    return SessionTokens(account, session, access_token, scopes, refresh_token)


async def sign_out(
    command: SignOut, uow: IdentityUnitOfWork, *, caller: Caller, now: datetime
) -> Session:
    if caller.kind != "account" or caller.session_id is None:
        raise FailedPrecondition("only a signed-in account's access token has a session to end")
    session = await uow.sessions.get(caller.session_id)
    if session is None or session.account_id != caller.subject:
        raise NotFound(f"session {caller.session_id} does not exist")
    session.end(SignOutReason.SIGNED_OUT, now)
    await uow.sessions.save(session)
    return session


async def get_account(
    query: GetAccount, uow: IdentityUnitOfWork, *, caller: Caller, now: datetime
) -> Account:
    """The caller's own account (or the one an app acts for), or any one for an operator."""
    await require_live_session(uow, caller, now)
    own = caller.subject if caller.kind == "account" else caller.on_behalf_of
    target = query.account_id or own
    if target is None:
        raise FailedPrecondition("an app acting for nobody has no account of its own")
    if not is_operator(caller) and not caller.acts_for(target, "profile:read"):
        raise PermissionDenied("the caller may see only its own account")
    account = await uow.accounts.get(target)
    if account is None:
        raise NotFound(f"account {target} does not exist")
    return account
