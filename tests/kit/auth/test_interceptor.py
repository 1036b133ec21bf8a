"""AuthInterceptor on a real grpc.aio server behind the kit's edge: a call that proves nobody is
UNAUTHENTICATED, a caller without what the RPC declares is PERMISSION_DENIED, and the handler
sees the verified caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import grpc
import jwt
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mercato.kittest.v1 import echo_pb2, echo_pb2_grpc
from mercato_kit.auth import (
    AuthInterceptor,
    AuthPolicies,
    InMemoryRevocations,
    TokenVerifier,
    public,
    require_caller,
    requires,
)
from mercato_kit.grpc import create_server
from mercato_kit.testing import LocalIssuer
from tests.kit.grpc.echo_service import EchoServicer

TIMEOUT = 10
ISSUER = LocalIssuer()


class GuardedEcho(EchoServicer):
    """Echo needs orders:read, Slow an operator, EchoStream any token, Fail none."""

    @requires("orders:read")
    async def Echo(self, request: echo_pb2.EchoRequest, context: Any) -> echo_pb2.EchoResponse:
        caller = require_caller()
        return echo_pb2.EchoResponse(text=f"{caller.kind}:{caller.subject}")

    @requires(roles=["operator"])
    async def Slow(self, request: echo_pb2.SlowRequest, context: Any) -> echo_pb2.SlowResponse:
        return echo_pb2.SlowResponse()

    @public
    async def Fail(self, request: echo_pb2.FailRequest, context: Any) -> echo_pb2.FailResponse:
        return echo_pb2.FailResponse()


class Running:
    def __init__(self, channel: grpc.aio.Channel, revocations: InMemoryRevocations) -> None:
        self.channel = channel
        self.stub = echo_pb2_grpc.EchoServiceStub(channel)
        self.revocations = revocations


@pytest_asyncio.fixture(loop_scope="session")
async def guarded() -> AsyncIterator[Running]:
    policies, revocations = AuthPolicies(), InMemoryRevocations()
    verifier = TokenVerifier(ISSUER.keys, revocations=revocations)
    server = create_server("127.0.0.1:0", interceptors=[AuthInterceptor(verifier, policies)])
    servicer = GuardedEcho()
    policies.register(servicer, echo_pb2.DESCRIPTOR.services_by_name["EchoService"])
    echo_pb2_grpc.add_EchoServiceServicer_to_server(servicer, server)
    await server.start()
    channel = grpc.aio.insecure_channel(server.bound_address)
    try:
        yield Running(channel, revocations)
    finally:
        await channel.close()
        await server.stop(grace=1)


def _auth(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def _code(call: Any, request: Any, metadata: tuple[tuple[str, str], ...] = ()) -> Any:
    try:
        await call(request, metadata=metadata, timeout=TIMEOUT)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_the_handler_sees_the_verified_caller(guarded: Running) -> None:
    token = ISSUER.token(subject="app-7", kind="app", scopes=["orders:read"], on_behalf_of="s-1")

    answer = await guarded.stub.Echo(
        echo_pb2.EchoRequest(text="hi"), metadata=_auth(token), timeout=TIMEOUT
    )

    assert answer.text == "app:app-7"


@pytest.mark.parametrize(
    "metadata",
    [
        (),
        (("authorization", "Basic dXNlcjpwYXNz"),),
        (("authorization", "Bearer "),),
        _auth("not-a-jwt"),
        _auth(ISSUER.token(subject="a-1", scopes=["orders:read"], ttl=timedelta(seconds=-30))),
        _auth(ISSUER.token(subject="a-1", scopes=["orders:read"], audience="partner-app")),
        _auth(LocalIssuer().token(subject="a-1", scopes=["orders:read"])),
    ],
    ids=[
        "no token",
        "another scheme",
        "empty bearer",
        "malformed",
        "expired",
        "wrong audience",
        "forged (unknown signer)",
    ],
)
async def test_a_call_that_proves_nobody_is_unauthenticated(
    guarded: Running, metadata: tuple[tuple[str, str], ...]
) -> None:
    code = await _code(guarded.stub.Echo, echo_pb2.EchoRequest(text="hi"), metadata)

    assert code == grpc.StatusCode.UNAUTHENTICATED


async def test_a_revoked_grant_or_session_is_unauthenticated(guarded: Running) -> None:
    by_grant = ISSUER.token(
        subject="app-1", kind="app", scopes=["orders:read"], on_behalf_of="s-1", grant_id="g-77"
    )
    by_session = ISSUER.token(subject="a-1", scopes=["orders:read"], session_id="sess-77")
    before = [
        await _code(guarded.stub.Echo, echo_pb2.EchoRequest(text="x"), _auth(t))
        for t in (by_grant, by_session)
    ]

    guarded.revocations.revoke_grant("g-77")
    guarded.revocations.revoke_session("sess-77")

    after = [
        await _code(guarded.stub.Echo, echo_pb2.EchoRequest(text="x"), _auth(token))
        for token in (by_grant, by_session)
    ]
    assert before == [grpc.StatusCode.OK, grpc.StatusCode.OK]
    assert after == [grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAUTHENTICATED]


async def test_a_valid_token_without_the_scope_or_role_is_permission_denied(
    guarded: Running,
) -> None:
    no_scope = ISSUER.token(subject="a-1", roles=["seller"], scopes=["catalog:write"])

    scope = await _code(guarded.stub.Echo, echo_pb2.EchoRequest(text="x"), _auth(no_scope))
    role = await _code(guarded.stub.Slow, echo_pb2.SlowRequest(millis=1), _auth(no_scope))
    operator = ISSUER.token(subject="ops", roles=["operator"])
    allowed = await _code(guarded.stub.Slow, echo_pb2.SlowRequest(millis=1), _auth(operator))

    assert scope == grpc.StatusCode.PERMISSION_DENIED
    assert role == grpc.StatusCode.PERMISSION_DENIED
    assert allowed == grpc.StatusCode.OK


async def test_public_calls_need_no_token_but_a_sent_one_is_still_verified(
    guarded: Running,
) -> None:
    expired = ISSUER.token(subject="a-1", ttl=timedelta(seconds=-30))

    anonymous = await _code(guarded.stub.Fail, echo_pb2.FailRequest(error="x"))
    with_bad_token = await _code(guarded.stub.Fail, echo_pb2.FailRequest(error="x"), _auth(expired))

    assert anonymous == grpc.StatusCode.OK
    assert with_bad_token == grpc.StatusCode.UNAUTHENTICATED


async def test_an_undeclared_rpc_needs_a_token_and_streams_are_guarded_too(
    guarded: Running,
) -> None:
    request = echo_pb2.EchoStreamRequest(text="x", count=2)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        async for _ in guarded.stub.EchoStream(request, timeout=TIMEOUT):
            pass
    answers = [
        answer
        async for answer in guarded.stub.EchoStream(
            request, metadata=_auth(ISSUER.token(subject="a-1")), timeout=TIMEOUT
        )
    ]

    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert len(answers) == 2


async def test_health_needs_no_token(guarded: Running) -> None:
    health = health_pb2_grpc.HealthStub(guarded.channel)

    answer = await health.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT)

    assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_the_local_issuer_signs_tokens_its_trusted_keys_setting_names() -> None:
    issuer = LocalIssuer()

    kid, _, _ = issuer.trusted_keys().partition("=")
    claims = jwt.decode(
        issuer.token(subject="a", session_id="s"), options={"verify_signature": False}
    )

    assert kid == issuer.key.kid
    assert claims["sid"] == "s"
