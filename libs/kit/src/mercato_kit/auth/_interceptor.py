"""The gRPC interceptor that authenticates every call and enforces its RPC's policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from mercato_kit.auth._caller import Caller, bind_caller
from mercato_kit.auth._policy import AuthPolicies
from mercato_kit.auth._tokens import TokenVerifier
from mercato_kit.errors import PermissionDenied, Unauthenticated
from mercato_kit.grpc import Call, CallInterceptor

AUTHORIZATION_KEY = "authorization"
_INFRASTRUCTURE = ("/grpc.health.", "/grpc.reflection.")


class AuthInterceptor(CallInterceptor):
    """Verifies `authorization: Bearer <token>` and checks the method's declared policy.

    Missing, expired, forged, wrong-audience or revoked tokens are UNAUTHENTICATED; a valid
    token without a required scope or role is PERMISSION_DENIED. The verified Caller is bound
    for the handler (`mercato_kit.auth.current_caller()`). Health and reflection stay open.
    """

    def __init__(self, verifier: TokenVerifier, policies: AuthPolicies) -> None:
        self._verifier = verifier
        self._policies = policies

    def around(self, call: Call) -> AbstractAsyncContextManager[None]:
        """Authenticate and authorise before the handler; bind the caller around it."""
        return self._authenticated(call)

    @asynccontextmanager
    async def _authenticated(self, call: Call) -> AsyncIterator[None]:
        if call.method.startswith(_INFRASTRUCTURE):
            yield
            return
        policy = self._policies.policy_for(call.method)
        caller = await self._caller(call.metadata(AUTHORIZATION_KEY))
        if caller is None:
            if not policy.public:
                raise Unauthenticated("this call needs an access token")
        else:
            missing = sorted(policy.scopes - caller.scopes)
            if missing:
                raise PermissionDenied(f"the access token lacks scope {' '.join(missing)}")
            if policy.roles and not policy.roles & caller.roles:
                raise PermissionDenied(f"this call is for {' or '.join(sorted(policy.roles))}")
        with bind_caller(caller):
            yield

    async def _caller(self, header: str | None) -> Caller | None:
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("authorization must be 'Bearer <access token>'")
        return await self._verifier.verify(token.strip())
