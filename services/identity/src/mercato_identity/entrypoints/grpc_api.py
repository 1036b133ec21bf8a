"""identity's gRPC servicers: request -> command -> handler in a unit of work -> response.

Requests arrive validated by the kit's edge and the caller verified by its AuthInterceptor;
what each RPC needs is declared beside it. Mutating commands are idempotent by key, the key
scoped by the caller (one account's key never answers another's request). No request field
that is a secret (a password, app secret, refresh token, code or verifier) is ever logged,
stored in clear, or part of a stored idempotent response.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from mercato.identity.v1 import accounts_pb2 as accounts_pb
from mercato.identity.v1 import (
    accounts_pb2_grpc,
    apps_pb2_grpc,
    grants_pb2_grpc,
    keys_pb2_grpc,
    partner_sign_in_pb2_grpc,
    tokens_pb2,
)
from mercato.identity.v1 import apps_pb2 as apps_pb
from mercato.identity.v1 import grants_pb2 as grants_pb
from mercato.identity.v1 import keys_pb2 as keys_pb
from mercato.identity.v1 import partner_sign_in_pb2 as sign_in_pb
from mercato_identity.adapters.keyring import SigningKeyRing
from mercato_identity.adapters.translator import (
    access_token_message,
    account_message,
    app_kind_from,
    app_message,
    grant_message,
    role_from,
    timestamp,
)
from mercato_identity.adapters.unit_of_work import SqlIdentityUnitOfWork, SqlUnitOfWorkFactory
from mercato_identity.application.accounts import (
    SessionTokens,
    get_account,
    hash_new_password,
    refresh_session,
    register_account,
    sign_in,
    sign_out,
)
from mercato_identity.application.apps import (
    get_app,
    issue_app_token,
    new_app_secret,
    register_app,
    rotate_app_secret,
)
from mercato_identity.application.callers import is_operator
from mercato_identity.application.grants import grant_access, list_grants, revoke_access
from mercato_identity.application.keys import key_set, rotate_signing_key
from mercato_identity.application.partner_sign_in import authorize, exchange_code
from mercato_identity.application.passwords import Passwords
from mercato_identity.application.tokens import Tokens
from mercato_identity.domain import ThrottlePolicy
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
from mercato_kit.auth import SCOPES, current_caller, public, require_caller, requires
from mercato_kit.errors import ConcurrencyError
from mercato_kit.idempotency import idempotent

R = TypeVar("R", bound=Message)
_CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class Dependencies:
    unit_of_work: SqlUnitOfWorkFactory
    passwords: Passwords
    tokens: Tokens
    throttle: ThrottlePolicy
    ring: SigningKeyRing


def _now() -> datetime:
    return datetime.now(UTC)


async def _run_command(
    deps: Dependencies,
    scope: str,
    key: str,
    request: Message,
    response_type: type[R],
    compute: Callable[[SqlIdentityUnitOfWork], Awaitable[R]],
) -> tuple[R, bool]:
    """The command's response, and whether this call computed it (False: a stored repeat)."""
    for attempt in range(1, _CONFLICT_RETRIES + 1):
        computed = False
        try:
            async with deps.unit_of_work() as uow:

                async def run(uow: SqlIdentityUnitOfWork = uow) -> R:
                    nonlocal computed
                    computed = True
                    return await compute(uow)

                response = await idempotent(uow.session, scope, key, request, response_type, run)
                await uow.commit()
            return response, computed
        except ConcurrencyError:
            if attempt == _CONFLICT_RETRIES:
                raise
    raise AssertionError("unreachable")


async def _command(
    deps: Dependencies,
    scope: str,
    key: str,
    request: Message,
    response_type: type[R],
    compute: Callable[[SqlIdentityUnitOfWork], Awaitable[R]],
) -> R:
    response, _ = await _run_command(deps, scope, key, request, response_type, compute)
    return response


def _session_tokens(result: SessionTokens) -> tokens_pb2.SessionTokens:
    assert result.session.expires_at is not None
    return tokens_pb2.SessionTokens(
        access_token=access_token_message(result.access_token, result.scopes),
        refresh_token=result.refresh_token,
        refresh_token_expires_at=timestamp(result.session.expires_at),
        session_id=result.session.id,
    )


class AccountService(accounts_pb2_grpc.AccountServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @public
    async def RegisterAccount(
        self, request: accounts_pb.RegisterAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb.RegisterAccountResponse:
        command = RegisterAccount(request.email, request.password, role_from(request.role))
        caller = current_caller()
        password_hash = await hash_new_password(command, passwords=self._deps.passwords)
        # The stored request digest must not be a fast hash of the password: leave it out.
        fingerprint = accounts_pb.RegisterAccountRequest()
        fingerprint.CopyFrom(request)
        fingerprint.ClearField("password")

        async def register(uow: SqlIdentityUnitOfWork) -> accounts_pb.RegisterAccountResponse:
            account = await register_account(
                command,
                uow,
                password_hash=password_hash,
                registered_by_operator=is_operator(caller),
                now=_now(),
            )
            return accounts_pb.RegisterAccountResponse(account=account_message(account))

        scope = "identity.RegisterAccount" + (f"/{caller.subject}" if caller else "")
        return await _command(
            self._deps,
            scope,
            request.idempotency_key,
            fingerprint,
            accounts_pb.RegisterAccountResponse,
            register,
        )

    @public
    async def SignIn(
        self, request: accounts_pb.SignInRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb.SignInResponse:
        deps = self._deps
        result = await sign_in(
            SignIn(request.email, request.password),
            deps.unit_of_work,
            passwords=deps.passwords,
            tokens=deps.tokens,
            throttle=deps.throttle,
            now=_now(),
        )
        return accounts_pb.SignInResponse(
            tokens=_session_tokens(result), account=account_message(result.account)
        )

    @public
    async def RefreshSession(
        self, request: accounts_pb.RefreshSessionRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb.RefreshSessionResponse:
        command = RefreshSession(request.refresh_token)
        for attempt in range(1, _CONFLICT_RETRIES + 1):
            try:
                result = await refresh_session(
                    command, self._deps.unit_of_work, tokens=self._deps.tokens, now=_now()
                )
                return accounts_pb.RefreshSessionResponse(tokens=_session_tokens(result))
            except ConcurrencyError:
                # Refreshed concurrently: the retry sees a spent token, and ends the session.
                if attempt == _CONFLICT_RETRIES:
                    raise
        raise AssertionError("unreachable")

    async def SignOut(
        self, request: accounts_pb.SignOutRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb.SignOutResponse:
        caller = require_caller()

        async def end(uow: SqlIdentityUnitOfWork) -> accounts_pb.SignOutResponse:
            session = await sign_out(SignOut(), uow, caller=caller, now=_now())
            return accounts_pb.SignOutResponse(session_id=session.id)

        return await _command(
            self._deps,
            f"identity.SignOut/{caller.subject}",
            request.idempotency_key,
            request,
            accounts_pb.SignOutResponse,
            end,
        )

    @requires("profile:read")
    async def GetAccount(
        self, request: accounts_pb.GetAccountRequest, context: grpc.aio.ServicerContext
    ) -> accounts_pb.GetAccountResponse:
        caller = require_caller()
        query = GetAccount(request.account_id if request.HasField("account_id") else None)
        async with self._deps.unit_of_work(read_only=True) as uow:
            account = await get_account(query, uow, caller=caller, now=_now())
        return accounts_pb.GetAccountResponse(account=account_message(account))


class SigningKeyService(keys_pb2_grpc.SigningKeyServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @public
    async def GetKeySet(
        self, request: keys_pb.GetKeySetRequest, context: grpc.aio.ServicerContext
    ) -> keys_pb.GetKeySetResponse:
        retention = self._deps.tokens.policy.key_retention
        async with self._deps.unit_of_work(read_only=True) as uow:
            keys = await key_set(uow, now=_now(), retention=retention)
        return keys_pb.GetKeySetResponse(
            keys=[
                keys_pb.PublicKey(
                    kid=key.id,
                    kty="OKP",
                    crv="Ed25519",
                    alg="EdDSA",
                    use="sig",
                    x=base64.urlsafe_b64encode(raw).decode().rstrip("="),
                    current=key.is_current,
                    published_until=timestamp(key.published_until(retention)),
                )
                for key, raw in keys
            ]
        )

    @requires(roles=["operator"])
    async def RotateSigningKey(
        self, request: keys_pb.RotateSigningKeyRequest, context: grpc.aio.ServicerContext
    ) -> keys_pb.RotateSigningKeyResponse:
        caller = require_caller()
        retention = self._deps.tokens.policy.key_retention

        async def rotate(uow: SqlIdentityUnitOfWork) -> keys_pb.RotateSigningKeyResponse:
            key, previous = await rotate_signing_key(RotateSigningKey(), uow, now=_now())
            return keys_pb.RotateSigningKeyResponse(
                kid=key.id,
                previous_kid=previous.id if previous else "",
                previous_published_until=(
                    timestamp(previous.published_until(retention)) if previous else None
                ),
            )

        response = await _command(
            self._deps,
            f"identity.RotateSigningKey/{caller.subject}",
            request.idempotency_key,
            request,
            keys_pb.RotateSigningKeyResponse,
            rotate,
        )
        await self._deps.ring.reload()
        return response


class AppService(apps_pb2_grpc.AppServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def RegisterApp(
        self, request: apps_pb.RegisterAppRequest, context: grpc.aio.ServicerContext
    ) -> apps_pb.RegisterAppResponse:
        caller = require_caller()
        command = RegisterApp(
            kind=app_kind_from(request.kind),
            name=request.name,
            redirect_uris=tuple(request.redirect_uris),
            scopes=tuple(request.scopes),
        )
        secret = new_app_secret()

        async def register(uow: SqlIdentityUnitOfWork) -> apps_pb.RegisterAppResponse:
            app = await register_app(command, uow, caller=caller, secret=secret, now=_now())
            return apps_pb.RegisterAppResponse(app=app_message(app))

        response, fresh = await _run_command(
            self._deps,
            f"identity.RegisterApp/{caller.subject}",
            request.idempotency_key,
            request,
            apps_pb.RegisterAppResponse,
            register,
        )
        if fresh:  # shown once: the stored response has no secret
            response.app_secret = secret
        return response

    async def RotateAppSecret(
        self, request: apps_pb.RotateAppSecretRequest, context: grpc.aio.ServicerContext
    ) -> apps_pb.RotateAppSecretResponse:
        caller = require_caller()
        command = RotateAppSecret(request.app_id)
        secret = new_app_secret()

        async def rotate(uow: SqlIdentityUnitOfWork) -> apps_pb.RotateAppSecretResponse:
            await rotate_app_secret(command, uow, caller=caller, secret=secret, now=_now())
            return apps_pb.RotateAppSecretResponse()

        response, fresh = await _run_command(
            self._deps,
            f"identity.RotateAppSecret/{caller.subject}",
            request.idempotency_key,
            request,
            apps_pb.RotateAppSecretResponse,
            rotate,
        )
        if fresh:
            response.app_secret = secret
        return response

    @public
    async def GetApp(
        self, request: apps_pb.GetAppRequest, context: grpc.aio.ServicerContext
    ) -> apps_pb.GetAppResponse:
        async with self._deps.unit_of_work(read_only=True) as uow:
            app = await get_app(request.app_id, uow)
        return apps_pb.GetAppResponse(app=app_message(app))

    @public
    async def IssueAppToken(
        self, request: apps_pb.IssueAppTokenRequest, context: grpc.aio.ServicerContext
    ) -> apps_pb.IssueAppTokenResponse:
        command = IssueAppToken(
            request.app_id,
            request.app_secret,
            request.grant_id if request.HasField("grant_id") else None,
            tuple(request.scopes),
        )
        async with self._deps.unit_of_work(read_only=True) as uow:
            token, scopes, on_behalf_of = await issue_app_token(
                command, uow, tokens=self._deps.tokens
            )
        return apps_pb.IssueAppTokenResponse(
            access_token=access_token_message(token, scopes), on_behalf_of=on_behalf_of or ""
        )


class GrantService(grants_pb2_grpc.GrantServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @requires(roles=["seller"])
    async def GrantAccess(
        self, request: grants_pb.GrantAccessRequest, context: grpc.aio.ServicerContext
    ) -> grants_pb.GrantAccessResponse:
        caller = require_caller()
        command = GrantAccess(request.app_id, tuple(request.scopes))

        async def grant(uow: SqlIdentityUnitOfWork) -> grants_pb.GrantAccessResponse:
            given = await grant_access(command, uow, caller=caller, now=_now())
            return grants_pb.GrantAccessResponse(grant=grant_message(given))

        return await _command(
            self._deps,
            f"identity.GrantAccess/{caller.subject}",
            request.idempotency_key,
            request,
            grants_pb.GrantAccessResponse,
            grant,
        )

    async def ListGrants(
        self, request: grants_pb.ListGrantsRequest, context: grpc.aio.ServicerContext
    ) -> grants_pb.ListGrantsResponse:
        caller = require_caller()
        async with self._deps.unit_of_work(read_only=True) as uow:
            grants = await list_grants(
                ListGrants(include_revoked=request.include_revoked), uow, caller=caller, now=_now()
            )
        return grants_pb.ListGrantsResponse(grants=[grant_message(grant) for grant in grants])

    async def RevokeAccess(
        self, request: grants_pb.RevokeAccessRequest, context: grpc.aio.ServicerContext
    ) -> grants_pb.RevokeAccessResponse:
        caller = require_caller()

        async def revoke(uow: SqlIdentityUnitOfWork) -> grants_pb.RevokeAccessResponse:
            grant = await revoke_access(
                RevokeAccess(request.grant_id), uow, caller=caller, now=_now()
            )
            return grants_pb.RevokeAccessResponse(grant=grant_message(grant))

        return await _command(
            self._deps,
            f"identity.RevokeAccess/{caller.subject}",
            request.idempotency_key,
            request,
            grants_pb.RevokeAccessResponse,
            revoke,
        )

    @public
    async def ListScopes(
        self, request: grants_pb.ListScopesRequest, context: grpc.aio.ServicerContext
    ) -> grants_pb.ListScopesResponse:
        return grants_pb.ListScopesResponse(
            scopes=[
                grants_pb.Scope(
                    name=scope.name,
                    description=scope.description,
                    roles=sorted(scope.roles),
                    app_kinds=sorted(scope.app_kinds),
                    seller_grantable=scope.seller_grantable,
                    buyer_consentable=scope.buyer_consentable,
                )
                for scope in SCOPES
            ]
        )


class PartnerSignInService(partner_sign_in_pb2_grpc.PartnerSignInServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    @requires(roles=["buyer"])
    async def Authorize(
        self, request: sign_in_pb.AuthorizeRequest, context: grpc.aio.ServicerContext
    ) -> sign_in_pb.AuthorizeResponse:
        caller = require_caller()
        command = Authorize(
            app_id=request.app_id,
            redirect_uri=request.redirect_uri,
            scopes=tuple(request.scopes),
            code_challenge=request.code_challenge,
            nonce=request.nonce if request.HasField("nonce") else None,
        )
        async with self._deps.unit_of_work() as uow:
            issued = await authorize(
                command, uow, caller=caller, tokens=self._deps.tokens, now=_now()
            )
            await uow.commit()
        return sign_in_pb.AuthorizeResponse(
            code=issued.code,
            expires_at=timestamp(issued.record.expires_at),
            redirect_uri=issued.record.redirect_uri,
            grant_id=issued.grant.id,
        )

    @public
    async def ExchangeCode(
        self, request: sign_in_pb.ExchangeCodeRequest, context: grpc.aio.ServicerContext
    ) -> sign_in_pb.ExchangeCodeResponse:
        command = ExchangeCode(
            app_id=request.app_id,
            app_secret=request.app_secret,
            code=request.code,
            code_verifier=request.code_verifier,
            redirect_uri=request.redirect_uri,
        )
        async with self._deps.unit_of_work() as uow:
            redeemed = await exchange_code(command, uow, tokens=self._deps.tokens, now=_now())
            await uow.commit()
        response = sign_in_pb.ExchangeCodeResponse(
            id_token=redeemed.identity_token.token,
            id_token_expires_at=timestamp(redeemed.identity_token.expires_at),
            account_id=redeemed.account_id,
            grant_id=redeemed.grant_id,
        )
        if redeemed.access_token is not None:
            response.access_token.CopyFrom(
                access_token_message(redeemed.access_token, redeemed.access_scopes)
            )
        return response
