"""Accounts and sessions through the running service (`mercato serve identity`, PostgreSQL,
Kafka), over a real gRPC channel."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import jwt
import pytest

from mercato.identity.v1 import accounts_pb2 as pb
from mercato_kit.auth import (
    Caller,
    RemoteKeyProvider,
    TokenVerifier,
    identity_key_fetcher,
    scopes_for_role,
)
from mercato_kit.grpc import INVALID_FIELD_KEY
from tests.support.identity_service import (
    PASSWORD,
    TIMEOUT,
    IdentityProcess,
    SignedIn,
    bearer,
    identity_env,
    new_email,
    new_key,
)


def verify(identity: IdentityProcess, token: str, audience: str = "mercato") -> Caller:
    """What any service's verifier makes of a token, with keys fetched from identity."""

    async def check() -> Caller:
        keys = RemoteKeyProvider(identity_key_fetcher(identity.address))
        return await TokenVerifier(keys, audience=audience).verify(token)

    return asyncio.run(check())


def refused(call: object, *args: object, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(*args, timeout=TIMEOUT, **kwargs)  # type: ignore[operator]
    return raised.value


def trailer(error: grpc.RpcError, key: str) -> str | None:
    return dict(error.trailing_metadata() or ()).get(key)  # type: ignore[attr-defined]


def test_a_buyer_registers_signs_in_and_gets_a_token_every_service_can_verify(
    identity: IdentityProcess,
) -> None:
    email = new_email()
    registered = identity.register(pb.ROLE_BUYER, email=email)

    signed_in = identity.sign_in_as(email)

    caller = verify(identity, signed_in.token)
    assert registered.role == pb.ROLE_BUYER
    assert signed_in.account == registered
    assert caller.subject == registered.account_id
    assert caller.kind == "account"
    assert caller.roles == {"buyer"}
    assert caller.scopes == scopes_for_role("buyer")
    assert caller.session_id == signed_in.tokens.session_id
    assert sorted(caller.scopes) == list(signed_in.tokens.access_token.scopes)
    assert signed_in.tokens.refresh_token.startswith("mrt_")


def test_an_email_address_is_unique_whatever_its_case(identity: IdentityProcess) -> None:
    local = f"ann-{uuid.uuid4().hex[:8]}"
    first = identity.register(pb.ROLE_SELLER, email=f"{local.upper()}@Shop.Example")

    again = identity.accounts.RegisterAccount(
        pb.RegisterAccountRequest(
            idempotency_key=new_key(),
            email=f"{local}@shop.example",
            password=f"another {PASSWORD}",
            role=pb.ROLE_BUYER,
        ),
        timeout=TIMEOUT,
    )

    assert first.email == again.email == f"{local}@shop.example"
    assert identity.count("accounts", "email = :email", email=first.email) == 1
    assert identity.sign_in_as(f"{local}@SHOP.example").account == first  # unchanged


def test_registering_again_with_the_same_key_answers_the_same_account(
    identity: IdentityProcess,
) -> None:
    request = pb.RegisterAccountRequest(
        idempotency_key=new_key(), email=new_email(), password=PASSWORD, role=pb.ROLE_SELLER
    )

    first = identity.accounts.RegisterAccount(request, timeout=TIMEOUT)
    again = identity.accounts.RegisterAccount(request, timeout=TIMEOUT)

    assert again == first
    assert identity.count("accounts", "email = :email", email=request.email) == 1


def test_the_stored_password_is_a_salted_memory_hard_hash(identity: IdentityProcess) -> None:
    first = identity.register(pb.ROLE_BUYER)
    second = identity.register(pb.ROLE_BUYER)

    hashes = [
        identity.count(
            "accounts", "account_id = :id AND password_hash LIKE 'scrypt$14$8$1$%'", id=a
        )
        for a in (first.account_id, second.account_id)
    ]

    assert hashes == [1, 1]
    assert identity.count("accounts", "password_hash LIKE :p", p=f"%{PASSWORD}%") == 0
    assert identity.count("idempotency_keys", "response LIKE :p", p=f"%{PASSWORD}%") == 0


def test_nobody_but_an_operator_registers_an_operator(
    identity: IdentityProcess, operator: SignedIn
) -> None:
    seller = identity.signed_in(pb.ROLE_SELLER)
    email = new_email()
    request = pb.RegisterAccountRequest(
        idempotency_key=new_key(), email=email, password=PASSWORD, role=pb.ROLE_OPERATOR
    )

    anonymous = refused(identity.accounts.RegisterAccount, request)
    by_seller = refused(identity.accounts.RegisterAccount, request, metadata=seller.metadata)
    stored_before = identity.count("accounts", "email = :email", email=email)
    identity.accounts.RegisterAccount(request, metadata=operator.metadata, timeout=TIMEOUT)
    made = identity.sign_in_as(email)

    assert anonymous.code() == grpc.StatusCode.PERMISSION_DENIED
    assert by_seller.code() == grpc.StatusCode.PERMISSION_DENIED
    assert stored_before == 0
    assert made.account.role == pb.ROLE_OPERATOR


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(
    identity: IdentityProcess,
) -> None:
    known = identity.register(pb.ROLE_BUYER)

    wrong_password = refused(
        identity.accounts.SignIn, pb.SignInRequest(email=known.email, password="not the password")
    )
    unknown_email = refused(
        identity.accounts.SignIn, pb.SignInRequest(email=new_email(), password=PASSWORD)
    )

    assert wrong_password.code() == unknown_email.code() == grpc.StatusCode.UNAUTHENTICATED
    assert wrong_password.details() == unknown_email.details()
    assert wrong_password.details() == "the e-mail address or the password is wrong"


def test_repeated_failures_throttle_sign_in_even_with_the_right_password(
    identity: IdentityProcess,
) -> None:
    victim = identity.register(pb.ROLE_SELLER)
    bystander = identity.register(pb.ROLE_SELLER)

    answers = [
        refused(
            identity.accounts.SignIn, pb.SignInRequest(email=victim.email, password=f"guess-{n}")
        )
        for n in range(5)
    ]
    locked = refused(
        identity.accounts.SignIn, pb.SignInRequest(email=victim.email, password=PASSWORD)
    )

    assert {answer.details() for answer in answers} == {
        "the e-mail address or the password is wrong"
    }
    assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "too many failed sign-ins" in (locked.details() or "")
    assert float(trailer(locked, "retry-after") or 0) > 0
    assert identity.sign_in_as(bystander.email).account == bystander


def test_an_unknown_email_is_throttled_like_a_known_one(identity: IdentityProcess) -> None:
    nobody = new_email()

    for n in range(5):
        refused(identity.accounts.SignIn, pb.SignInRequest(email=nobody, password=f"guess-{n}"))
    locked = refused(identity.accounts.SignIn, pb.SignInRequest(email=nobody, password=PASSWORD))

    assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "too many failed sign-ins" in (locked.details() or "")


def test_a_success_clears_the_failures(identity: IdentityProcess) -> None:
    account = identity.register(pb.ROLE_BUYER)

    for round_ in range(2):
        for n in range(4):
            refused(
                identity.accounts.SignIn,
                pb.SignInRequest(email=account.email, password=f"guess-{round_}-{n}"),
            )
        identity.sign_in_as(account.email)


def test_refreshing_rotates_the_refresh_token(identity: IdentityProcess) -> None:
    signed_in = identity.signed_in(pb.ROLE_BUYER)

    first = identity.accounts.RefreshSession(
        pb.RefreshSessionRequest(refresh_token=signed_in.tokens.refresh_token), timeout=TIMEOUT
    ).tokens
    second = identity.accounts.RefreshSession(
        pb.RefreshSessionRequest(refresh_token=first.refresh_token), timeout=TIMEOUT
    ).tokens
    identity.remember(first.refresh_token, second.refresh_token, second.access_token.token)

    assert len({signed_in.tokens.refresh_token, first.refresh_token, second.refresh_token}) == 3
    assert first.session_id == second.session_id == signed_in.tokens.session_id
    assert verify(identity, second.access_token.token).session_id == signed_in.tokens.session_id


def test_a_reused_refresh_token_ends_the_whole_session(identity: IdentityProcess) -> None:
    signed_in = identity.signed_in(pb.ROLE_BUYER)
    stolen = signed_in.tokens.refresh_token
    rotated = identity.accounts.RefreshSession(
        pb.RefreshSessionRequest(refresh_token=stolen), timeout=TIMEOUT
    ).tokens
    identity.remember(rotated.refresh_token, rotated.access_token.token)

    reused = refused(
        identity.accounts.RefreshSession, pb.RefreshSessionRequest(refresh_token=stolen)
    )
    newest = refused(
        identity.accounts.RefreshSession,
        pb.RefreshSessionRequest(refresh_token=rotated.refresh_token),
    )
    access = refused(
        identity.accounts.GetAccount,
        pb.GetAccountRequest(),
        metadata=bearer(rotated.access_token.token),
    )

    assert reused.code() == grpc.StatusCode.UNAUTHENTICATED
    assert newest.code() == grpc.StatusCode.UNAUTHENTICATED
    assert access.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (
        identity.count(
            "sessions",
            "session_id = :id AND end_reason = 'refresh_token_reused'",
            id=rotated.session_id,
        )
        == 1
    )


def test_signing_out_ends_the_session_at_once(identity: IdentityProcess) -> None:
    signed_in = identity.signed_in(pb.ROLE_SELLER)
    before = identity.accounts.GetAccount(
        pb.GetAccountRequest(), metadata=signed_in.metadata, timeout=TIMEOUT
    )

    ended = identity.accounts.SignOut(
        pb.SignOutRequest(idempotency_key=new_key()), metadata=signed_in.metadata, timeout=TIMEOUT
    )
    after = refused(
        identity.accounts.GetAccount, pb.GetAccountRequest(), metadata=signed_in.metadata
    )
    refresh = refused(
        identity.accounts.RefreshSession,
        pb.RefreshSessionRequest(refresh_token=signed_in.tokens.refresh_token),
    )

    assert before.account == signed_in.account
    assert ended.session_id == signed_in.tokens.session_id
    assert after.code() == grpc.StatusCode.UNAUTHENTICATED
    assert after.details() == "access token has been revoked"
    assert refresh.code() == grpc.StatusCode.UNAUTHENTICATED


def test_an_account_sees_its_own_account_and_only_an_operator_sees_others(
    identity: IdentityProcess, operator: SignedIn
) -> None:
    buyer = identity.signed_in(pb.ROLE_BUYER)
    other = identity.register(pb.ROLE_SELLER)

    own = identity.accounts.GetAccount(pb.GetAccountRequest(), metadata=buyer.metadata)
    theirs = refused(
        identity.accounts.GetAccount,
        pb.GetAccountRequest(account_id=other.account_id),
        metadata=buyer.metadata,
    )
    by_operator = identity.accounts.GetAccount(
        pb.GetAccountRequest(account_id=other.account_id), metadata=operator.metadata
    )
    anonymous = refused(identity.accounts.GetAccount, pb.GetAccountRequest())

    assert own.account == buyer.account
    assert theirs.code() == grpc.StatusCode.PERMISSION_DENIED
    assert by_operator.account == other
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_token_is_an_eddsa_jwt_with_a_key_id(identity: IdentityProcess) -> None:
    signed_in = identity.signed_in(pb.ROLE_BUYER)

    header = jwt.get_unverified_header(signed_in.token)
    claims = jwt.decode(signed_in.token, options={"verify_signature": False})

    assert header["alg"] == "EdDSA"
    assert header["kid"]
    assert claims["iss"] == "mercato-identity"
    assert claims["aud"] == "mercato"
    assert claims["exp"] - claims["iat"] == 600


@pytest.mark.parametrize(
    ("email", "password", "role", "field"),
    [
        ("", PASSWORD, pb.ROLE_BUYER, "email"),
        ("a" * 250 + "@x.example", PASSWORD, pb.ROLE_BUYER, "email"),
        ("not-an-address", PASSWORD, pb.ROLE_BUYER, "email"),
        ("ann\x00@shop.example", PASSWORD, pb.ROLE_BUYER, "email"),
        ("x'; DROP TABLE accounts; --@shop.example", PASSWORD, pb.ROLE_BUYER, "email"),
        ("' OR '1'='1@shop.example", PASSWORD, pb.ROLE_BUYER, "email"),
        ("{email}", "", pb.ROLE_BUYER, "password"),
        ("{email}", "too short", pb.ROLE_BUYER, "password"),
        ("{email}", "x" * 129, pb.ROLE_BUYER, "password"),
        ("{email}", "twelve chars\x1b[31m", pb.ROLE_BUYER, "password"),
        ("{email}", PASSWORD, pb.ROLE_UNSPECIFIED, "role"),
        ("{email}", PASSWORD, 99, "role"),
    ],
    ids=[
        "empty email",
        "oversized email",
        "malformed email",
        "control character in email",
        "sql in email",
        "sql tautology in email",
        "empty password",
        "short password",
        "oversized password",
        "escape sequence in password",
        "no role",
        "unknown role",
    ],
)
def test_bad_input_is_invalid_argument_naming_the_field_and_stores_nothing(
    identity: IdentityProcess, email: str, password: str, role: int, field: str
) -> None:
    address = email.replace("{email}", new_email())
    before = identity.count("accounts")

    error = refused(
        identity.accounts.RegisterAccount,
        pb.RegisterAccountRequest(
            idempotency_key=new_key(), email=address, password=password, role=role
        ),
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.details() or "").startswith(f"{field}:")
    assert trailer(error, INVALID_FIELD_KEY) == field
    assert identity.count("accounts") == before
    assert "Traceback" not in (error.details() or "")


def test_a_sql_looking_password_is_just_a_password(identity: IdentityProcess) -> None:
    email = new_email()
    password = "' OR 1=1; DROP TABLE accounts; --"
    identity.accounts.RegisterAccount(
        pb.RegisterAccountRequest(
            idempotency_key=new_key(), email=email, password=password, role=pb.ROLE_BUYER
        ),
        timeout=TIMEOUT,
    )

    signed_in = identity.sign_in_as(email, password)

    assert signed_in.account.email == email
    assert identity.count("accounts", "email = :email", email=email) == 1


def test_the_operator_command_line_refuses_bad_input_and_stores_nothing(
    identity: IdentityProcess, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    before = identity.count("accounts")
    env = identity_env(identity.address, identity.database_url, kafka_bootstrap_servers)
    env["IDENTITY_OPERATOR_PASSWORD"] = "short"

    done = subprocess.run(
        [
            *(sys.executable, "-m", "mercato_identity.entrypoints.admin"),
            *("create-operator", "--email", "ops'; DROP TABLE accounts;--@x.example"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.startswith("identity admin: email:")
    assert "Traceback" not in done.stderr
    assert identity.count("accounts") == before
