"""identity's defences against its own callers, through the running service: a flood of
sign-ins against a victim from another address does not lock the victim out, and the refusal
says when to retry; registering a taken address answers exactly like a new one (the owner is
told by an event); the audit trail lists what happened, by account and by app, for operators
only, and nothing secret; rows past their retention are deleted by the running service."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlalchemy import create_engine, insert

from mercato.identity.v1 import accounts_pb2 as pb
from mercato.identity.v1 import events_pb2, grants_pb2, keys_pb2, security_pb2, security_pb2_grpc
from mercato_identity.adapters.tables import sessions
from mercato_kit.storage import idempotency_keys, sync_url
from tests.support.identity_service import (
    PASSWORD,
    TIMEOUT,
    IdentityProcess,
    SignedIn,
    identity_events,
    new_email,
    new_key,
)

WRONG = "the e-mail address or the password is wrong"


def _from(address: str) -> list[tuple[str, str]]:
    """A call as a trusted edge forwards it (the package's identity trusts 127.0.0.1)."""
    return [("x-forwarded-for", f"192.0.2.200, {address}")]


def _address() -> str:
    """An IPv6 address in a /64 of its own: a caller no other test shares."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


def _refused(call: object, *args: object, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(*args, timeout=TIMEOUT, **kwargs)  # type: ignore[operator]
    return raised.value


def _trailer(error: grpc.RpcError, key: str) -> str | None:
    return dict(error.trailing_metadata() or ()).get(key)  # type: ignore[attr-defined]


def test_a_flood_from_another_address_does_not_lock_the_victim_out(
    identity: IdentityProcess,
) -> None:
    victim = identity.register(pb.ROLE_SELLER)
    attacker, home = _address(), _address()

    flood = [
        _refused(
            identity.accounts.SignIn,
            pb.SignInRequest(email=victim.email, password=f"guess-{n}"),
            metadata=_from(attacker),
        )
        for n in range(8)
    ]
    attacker_with_the_password = _refused(
        identity.accounts.SignIn,
        pb.SignInRequest(email=victim.email, password=PASSWORD),
        metadata=_from(attacker),
    )
    own = identity.accounts.SignIn(
        pb.SignInRequest(email=victim.email, password=PASSWORD),
        metadata=_from(home),
        timeout=TIMEOUT,
    )
    identity.remember(own.tokens.access_token.token, own.tokens.refresh_token)

    assert [answer.code() for answer in flood[:5]] == [grpc.StatusCode.UNAUTHENTICATED] * 5
    assert {answer.details() for answer in flood[:5]} == {WRONG}
    throttled = [*flood[5:], attacker_with_the_password]
    assert {answer.code() for answer in throttled} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
    assert all(0 < float(_trailer(answer, "retry-after") or 0) <= 30 for answer in throttled)
    assert all("too many failed sign-ins" in (answer.details() or "") for answer in throttled)
    assert own.account == victim


def test_registering_a_taken_address_answers_like_a_new_one_and_tells_the_owner(
    identity: IdentityProcess, kafka_bootstrap_servers: str
) -> None:
    owner = identity.register(pb.ROLE_SELLER)

    def register(email: str) -> pb.RegisterAccountResponse:
        return identity.accounts.RegisterAccount(
            pb.RegisterAccountRequest(
                idempotency_key=new_key(),
                email=email,
                password=f"someone else's {PASSWORD}",
                role=pb.ROLE_BUYER,
            ),
            timeout=TIMEOUT,
        )

    taken = register(owner.email.upper())
    fresh_address = new_email()
    fresh = register(fresh_address)

    assert [field.name for field, _ in taken.ListFields()] == ["email"]
    assert [field.name for field, _ in fresh.ListFields()] == ["email"]
    assert (taken.email, fresh.email) == (owner.email, fresh_address)
    assert identity.sign_in_as(owner.email).account == owner  # the owner's account, unchanged
    told = identity_events(kafka_bootstrap_servers, "identity.account", {owner.account_id}, 2)
    attempted = [event for event in told if event.event_type.endswith("RegistrationAttempted")]
    assert len(attempted) == 1
    payload = events_pb2.AccountRegistrationAttempted.FromString(attempted[0].payload)
    assert payload.role == pb.ROLE_BUYER


def test_the_audit_trail_lists_what_happened_for_operators_only_and_nothing_secret(
    identity: IdentityProcess, operator: SignedIn
) -> None:
    trail = security_pb2_grpc.SecurityEventServiceStub(identity.channel)
    vendor = identity.signed_in(pb.ROLE_SELLER)
    seller = identity.signed_in(pb.ROLE_SELLER)
    _refused(
        identity.accounts.SignIn,
        pb.SignInRequest(email=seller.account.email, password="not my password"),
        metadata=_from(_address()),
    )
    app, _ = identity.new_app(vendor)
    grant = identity.grants.GrantAccess(
        grants_pb2.GrantAccessRequest(
            idempotency_key=new_key(), app_id=app.app_id, scopes=["orders:read"]
        ),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    ).grant
    identity.grants.RevokeAccess(
        grants_pb2.RevokeAccessRequest(idempotency_key=new_key(), grant_id=grant.grant_id),
        metadata=operator.metadata,
        timeout=TIMEOUT,
    )
    identity.accounts.SignOut(
        pb.SignOutRequest(idempotency_key=new_key()), metadata=seller.metadata, timeout=TIMEOUT
    )
    identity.keys.RotateSigningKey(
        keys_pb2.RotateSigningKeyRequest(idempotency_key=new_key()),
        metadata=operator.metadata,
        timeout=TIMEOUT,
    )

    def listed(**subject: str) -> list[security_pb2.SecurityEvent]:
        events: list[security_pb2.SecurityEvent] = []
        token = ""
        while True:
            page = trail.ListSecurityEvents(
                security_pb2.ListSecurityEventsRequest(page_size=2, page_token=token, **subject),
                metadata=operator.metadata,
                timeout=TIMEOUT,
            )
            events.extend(page.events)
            token = page.next_page_token
            if not token:
                return events

    of_seller = listed(account_id=seller.account.account_id)
    of_app = listed(app_id=app.app_id)
    of_operator = listed(account_id=operator.account.account_id)
    by_a_seller = _refused(
        trail.ListSecurityEvents,
        security_pb2.ListSecurityEventsRequest(account_id=vendor.account.account_id),
        metadata=vendor.metadata,
    )

    def kinds(events: list[security_pb2.SecurityEvent]) -> list[str]:
        return [event.event_type.rsplit(".", 1)[1] for event in events]

    assert kinds(of_seller) == [  # newest first
        "SignedOut",
        "AccessRevoked",
        "AccessGranted",
        "SignInFailed",
        "SignInSucceeded",  # signed_in() signs in twice: to learn the account, then to sign in
        "SignInSucceeded",
        "AccountRegistered",
    ]
    assert kinds(of_app) == ["AccessRevoked", "AccessGranted", "AppRegistered"]
    assert kinds(of_operator)[:2] == ["OperatorActed", "OperatorActed"]
    actions = [events_pb2.OperatorActed() for _ in range(2)]
    for action, event in zip(actions, of_operator[:2], strict=True):
        event.payload.Unpack(action)
    assert [(action.action, action.target_type) for action in actions] == [
        (events_pb2.OPERATOR_ACTION_ROTATED_SIGNING_KEY, "signing_key"),
        (events_pb2.OPERATOR_ACTION_REVOKED_GRANT, "grant"),
    ]
    failed = events_pb2.SignInFailed()
    of_seller[3].payload.Unpack(failed)
    assert failed.account_id == seller.account.account_id
    assert failed.source_address.startswith("2001:db8:")
    assert by_a_seller.code() == grpc.StatusCode.PERMISSION_DENIED
    everything = b"".join(
        event.SerializeToString() for event in (*of_seller, *of_app, *of_operator)
    )
    for secret in {PASSWORD, "not my password", *identity.secrets_seen}:
        assert secret.encode() not in everything


def test_the_running_service_deletes_rows_past_their_retention(identity: IdentityProcess) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=400)
    marker = f"old-{uuid.uuid4()}"
    engine = create_engine(sync_url(identity.database_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(idempotency_keys).values(
                    scope="identity.SignOut:test",
                    key=marker,
                    request_hash="0" * 64,
                    response=b"",
                    created_at=long_ago,
                )
            )
            connection.execute(
                insert(sessions).values(
                    session_id=marker[:36],
                    account_id="a-gone",
                    started_at=long_ago,
                    expires_at=long_ago + timedelta(days=30),
                    generation=1,
                    version=1,
                )
            )
    finally:
        engine.dispose()

    def left() -> int:
        return identity.count("idempotency_keys", "key = :key", key=marker) + identity.count(
            "sessions", "session_id = :id", id=marker[:36]
        )

    deadline = time.monotonic() + 30
    while left() and time.monotonic() < deadline:
        time.sleep(0.2)

    assert left() == 0
