"""identity's domain on its own: no I/O, milliseconds (scrypt at its cheapest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mercato_identity.domain import (
    Account,
    App,
    AppKind,
    AuthorizationCode,
    Grant,
    PublishedKey,
    RevocationReason,
    Role,
    ScryptParameters,
    Session,
    SignOutReason,
    Throttle,
    ThrottlePolicy,
    consent,
    normalise_email,
)
from mercato_identity.domain.commands import ExchangeCode, RegisterAccount, SignIn
from mercato_identity.domain.credentials import (
    check_password,
    digest,
    digests_match,
    hash_password,
    new_secret,
    verify_password,
)
from mercato_identity.domain.errors import (
    AuthorizationCodeRejected,
    RefreshTokenRejected,
    RefreshTokenReused,
)
from mercato_identity.domain.partner_sign_in import s256
from mercato_identity.domain.scopes import check_scopes, narrowed
from mercato_identity.domain.throttling import account_key, source_key
from mercato_kit.auth import (
    SCOPES,
    buyer_consentable_scopes,
    scopes_for_app_kind,
    seller_grantable_scopes,
)
from mercato_kit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CHEAP = ScryptParameters(log2_n=10)
KNOWN = frozenset(scope.name for scope in SCOPES)


def _app(kind: AppKind = AppKind.VENDOR_APP, **options: object) -> App:
    settings: dict[str, object] = {
        "owner_account_id": "owner",
        "owner_is_operator": False,
        "kind": kind,
        "name": "Shop Helper",
        "redirect_uris": ("https://shop.example/back",) if kind is AppKind.PARTNER_SHOP else (),
        "scopes": (),
        "holdable": scopes_for_app_kind(kind),
        "known_scopes": KNOWN,
        "secret_digest": digest("mas_secret"),
        "now": NOW,
    }
    settings.update(options)
    return App.register("app-1", **settings)  # type: ignore[arg-type]


def _grant(app: App | None = None, scopes: tuple[str, ...] = ("orders:read",)) -> Grant:
    return Grant.give(
        "grant-1",
        grantor_account_id="seller-1",
        grantor_role="seller",
        app=app or _app(),
        scopes=scopes,
        allowed=seller_grantable_scopes(),
        known_scopes=KNOWN,
        now=NOW,
    )


# accounts and passwords


def test_an_email_address_is_normalised_to_one_spelling() -> None:
    assert normalise_email("  Ann.Lee@Shop.EXAMPLE ") == "ann.lee@shop.example"


def test_registering_records_the_normalised_address_and_role_but_never_the_hash() -> None:
    account = Account.register(
        "a-1", "Ann@Shop.Example", Role.SELLER, "scrypt$hash", registered_by_operator=False, now=NOW
    )

    [event] = account.pending_events()
    assert event == Account.Registered(email="ann@shop.example", role=Role.SELLER)
    assert "scrypt$hash" not in repr(event)
    assert account.password_hash == "scrypt$hash"


def test_only_an_operator_registers_an_operator() -> None:
    with pytest.raises(PermissionDenied):
        Account.register(
            "a-1", "o@x.example", Role.OPERATOR, "h", registered_by_operator=False, now=NOW
        )

    made = Account.register(
        "a-2", "o@x.example", Role.OPERATOR, "h", registered_by_operator=True, now=NOW
    )
    assert made.role is Role.OPERATOR


def test_a_password_hash_is_salted_and_carries_its_parameters() -> None:
    first = hash_password("correct horse battery", CHEAP)
    second = hash_password("correct horse battery", CHEAP)

    assert first != second
    assert first.startswith("scrypt$10$8$1$")
    assert verify_password("correct horse battery", first)
    assert not verify_password("correct horse batterY", first)


def test_a_hash_made_with_other_parameters_still_verifies() -> None:
    stored = hash_password("correct horse battery", ScryptParameters(log2_n=11, r=4, p=2))

    assert verify_password("correct horse battery", stored)


def test_a_password_typed_in_another_unicode_form_matches() -> None:
    stored = hash_password("caf\u00e9 au lait, please", CHEAP)

    assert verify_password("cafe\u0301 au lait, please", stored)


def test_a_malformed_stored_hash_never_matches() -> None:
    assert not verify_password("anything at all", "md5$abc")
    assert not verify_password("anything at all", "scrypt$x$8$1$AA$AA")


def test_the_default_cost_is_owasps_recommendation() -> None:
    assert (ScryptParameters().log2_n, ScryptParameters().r, ScryptParameters().p) == (17, 8, 1)
    with pytest.raises(ValueError, match="scrypt"):
        ScryptParameters(log2_n=4)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "12 to 128"),
        ("x" * 129, "12 to 128"),
        ("twelve chars\x00!", "control characters"),
        ("Ann@Shop.Example", "e-mail"),
    ],
)
def test_the_password_policy_names_the_field(password: str, problem: str) -> None:
    with pytest.raises(InvalidArgument, match=problem) as refused:
        check_password(password, "ann@shop.example")

    assert refused.value.field == "password"


def test_commands_never_show_their_secrets() -> None:
    commands = [
        RegisterAccount("a@b.example", "hunter2hunter2", Role.BUYER),
        SignIn("a@b.example", "hunter2hunter2"),
        ExchangeCode("app", "mas_s3cret", "mac_c0de", "v" * 43, "https://x.example"),
    ]

    shown = " ".join(repr(command) for command in commands)
    assert "hunter2" not in shown
    assert "s3cret" not in shown
    assert "c0de" not in shown


def test_random_secrets_are_long_prefixed_and_kept_as_digests() -> None:
    secret = new_secret("mas_")

    assert secret.startswith("mas_")
    assert len(secret) >= 40
    assert digest(secret) != secret
    assert len(digest(secret)) == 64
    assert digests_match(secret, digest(secret))
    assert not digests_match(secret + "x", digest(secret))


# throttling


def test_failures_block_for_a_delay_doubling_past_the_limit() -> None:
    policy = ThrottlePolicy(
        account_max_failures=3,
        window=timedelta(minutes=15),
        base_delay=timedelta(seconds=30),
        max_delay=timedelta(minutes=1),
    )
    throttle = Throttle(account_key("ann@shop.example", "203.0.113.9"))

    started = [throttle.record_failure(NOW, 3, policy) for _ in range(3)]
    first = throttle.retry_after(NOW)
    throttle.record_failure(NOW + timedelta(seconds=30), 3, policy)
    second = throttle.retry_after(NOW + timedelta(seconds=30))
    throttle.record_failure(NOW + timedelta(seconds=90), 3, policy)
    capped = throttle.retry_after(NOW + timedelta(seconds=90))

    assert started == [False, False, True]
    assert (first, second, capped) == (
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(minutes=1),
    )
    assert throttle.retry_after(NOW + timedelta(seconds=150)) is None


def test_failures_spread_beyond_the_window_do_not_block() -> None:
    policy = ThrottlePolicy(window=timedelta(minutes=1))
    throttle = Throttle("key")

    throttle.record_failure(NOW, 2, policy)
    throttle.record_failure(NOW + timedelta(minutes=2), 2, policy)

    assert throttle.failures == 1
    assert throttle.retry_after(NOW + timedelta(minutes=2)) is None


def test_counters_are_kept_under_digests_and_ipv6_counts_by_its_64() -> None:
    key = account_key("ann@shop.example", "2001:db8:1:2:aaaa::1")

    assert "ann" not in key
    assert len(key) == 64
    assert key == account_key("ann@shop.example", "2001:db8:1:2:bbbb::7")
    assert source_key("2001:db8:1:2::1") != source_key("2001:db8:1:3::1")
    assert source_key("203.0.113.9") != source_key("203.0.113.10")


# sessions


def _session() -> Session:
    return Session.start("s-1", "a-1", now=NOW, lifetime=timedelta(days=30))


def test_refreshing_moves_a_session_to_its_next_generation() -> None:
    session = _session()

    assert session.rotate(1, NOW) == 2
    assert session.rotate(2, NOW) == 3
    assert session.pending_events() == []


def test_a_spent_refresh_token_ends_the_session() -> None:
    session = _session()
    session.rotate(1, NOW)

    with pytest.raises(RefreshTokenReused):
        session.rotate(1, NOW)

    assert not session.is_active(NOW)
    assert session.pending_events() == [
        Session.SignedOut(account_id="a-1", reason=SignOutReason.REFRESH_TOKEN_REUSED)
    ]


def test_an_ended_or_expired_session_refreshes_no_more() -> None:
    ended = _session()
    ended.end(SignOutReason.SIGNED_OUT, NOW)

    with pytest.raises(RefreshTokenRejected):
        ended.rotate(1, NOW)
    with pytest.raises(RefreshTokenRejected):
        _session().rotate(1, NOW + timedelta(days=31))


def test_signing_out_twice_ends_the_session_once() -> None:
    session = _session()

    session.end(SignOutReason.SIGNED_OUT, NOW)
    session.end(SignOutReason.SIGNED_OUT, NOW)

    assert len(session.pending_events()) == 1


# apps


def test_an_app_holds_only_the_scopes_its_kind_may_hold() -> None:
    carrier = _app(AppKind.CARRIER, scopes=("logistics:tracking",))
    assert carrier.scopes == ("logistics:tracking",)

    with pytest.raises(InvalidArgument) as refused:
        _app(AppKind.CARRIER, scopes=("logistics:tracking", "payments:capture"))

    assert refused.value.field == "scopes[1]"


def test_unknown_and_malformed_scopes_are_named() -> None:
    with pytest.raises(InvalidArgument, match="not a Mercato scope") as unknown:
        check_scopes("scopes", ["orders:read", "orders:steal"], KNOWN, KNOWN, "no")
    with pytest.raises(InvalidArgument, match="scope name") as malformed:
        check_scopes("scopes", ["'; DROP TABLE grants; --"], KNOWN, KNOWN, "no")

    assert unknown.value.field == "scopes[1]"
    assert malformed.value.field == "scopes[0]"


def test_only_operators_register_service_apps() -> None:
    with pytest.raises(PermissionDenied):
        _app(AppKind.SERVICE, scopes=("payments:capture",))

    service = _app(AppKind.SERVICE, scopes=("payments:capture",), owner_is_operator=True)
    assert service.kind is AppKind.SERVICE


@pytest.mark.parametrize(
    "uri",
    [
        "http://shop.example/back",
        "https://shop.example/back#fragment",
        "javascript:alert(1)",
        "https://shop.example/it's",
        "https://" + "a" * 2000 + ".example",
    ],
)
def test_a_redirect_uri_must_be_https_without_a_fragment(uri: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        _app(AppKind.PARTNER_SHOP, redirect_uris=("https://shop.example/ok", uri))

    assert refused.value.field == "redirect_uris[1]"


def test_a_partner_shop_needs_a_redirect_uri_and_localhost_may_use_http() -> None:
    with pytest.raises(InvalidArgument, match="at least one"):
        _app(AppKind.PARTNER_SHOP, redirect_uris=())

    local = _app(AppKind.PARTNER_SHOP, redirect_uris=("http://localhost:8080/back",))
    assert local.accepts_redirect_uri("http://localhost:8080/back")
    assert not local.accepts_redirect_uri("http://localhost:8080/back/")


def test_only_the_owner_or_an_operator_rotates_an_apps_secret() -> None:
    app = _app()

    with pytest.raises(PermissionDenied):
        app.rotate_secret(digest("new"), by_account="someone", by_operator=False)
    app.rotate_secret(digest("new"), by_account="owner", by_operator=False)

    assert app.authenticates("new")
    assert not app.authenticates("mas_secret")
    assert isinstance(app.pending_events()[-1], App.SecretRotated)


# grants


def test_a_seller_grants_only_what_sellers_may_grant() -> None:
    with pytest.raises(InvalidArgument, match="may grant") as refused:
        _grant(scopes=("orders:read", "payments:capture"))

    assert refused.value.field == "scopes[1]"
    assert _grant(scopes=("orders:read", "catalog:write", "orders:read")).scopes == (
        "catalog:write",
        "orders:read",
    )


def test_a_service_app_holds_no_grant() -> None:
    service = _app(AppKind.SERVICE, owner_is_operator=True)

    with pytest.raises(FailedPrecondition):
        _grant(app=service)


def test_a_token_under_a_grant_carries_the_granted_scopes_that_were_asked_for() -> None:
    grant = _grant(scopes=("orders:read", "catalog:write"))

    assert grant.token_scopes(["orders:read", "payments:read"]) == {"orders:read"}
    assert grant.token_scopes([]) == {"orders:read", "catalog:write"}
    assert narrowed(["a:b"], ["c:d"]) == frozenset()


def test_the_grantor_revokes_once_and_others_are_told_it_does_not_exist() -> None:
    grant = _grant()

    with pytest.raises(NotFound):
        grant.revoke(by_account="another-seller", by_operator=False, now=NOW)
    grant.revoke(by_account="seller-1", by_operator=False, now=NOW)
    grant.revoke(by_account="seller-1", by_operator=False, now=NOW)

    assert not grant.is_active
    assert [type(event) for event in grant.pending_events()] == [Grant.Granted, Grant.Revoked]
    revoked = grant.pending_events()[-1]
    assert isinstance(revoked, Grant.Revoked)
    assert revoked.reason is RevocationReason.REVOKED_BY_GRANTOR


def test_an_operator_may_revoke_any_grant() -> None:
    grant = _grant()

    grant.revoke(by_account="ops", by_operator=True, now=NOW)

    revoked = grant.pending_events()[-1]
    assert isinstance(revoked, Grant.Revoked)
    assert revoked.reason is RevocationReason.REVOKED_BY_OPERATOR


def _consent(existing: Grant | None, scopes: tuple[str, ...], app: App | None = None) -> Grant:
    return consent(
        existing,
        new_grant_id="grant-new",
        buyer_id="buyer-1",
        app=app or _app(AppKind.PARTNER_SHOP),
        scopes=scopes,
        consentable=buyer_consentable_scopes(),
        known_scopes=KNOWN,
        now=NOW,
    )


def test_a_consent_that_is_covered_reuses_the_buyers_grant() -> None:
    first = _consent(None, ("profile:read", "orders:read"))
    first.mark_saved()

    assert _consent(first, ("profile:read",)) is first
    assert first.pending_events() == []


def test_a_consent_to_more_scopes_supersedes_the_old_grant() -> None:
    first = _consent(None, ("profile:read",))
    first.mark_saved()

    second = _consent(first, ("orders:write",))

    assert second.scopes == ("orders:write", "profile:read")
    assert not first.is_active
    assert first.revocation_reason is RevocationReason.SUPERSEDED


def test_buyers_consent_only_to_consentable_scopes_on_partner_shops() -> None:
    with pytest.raises(InvalidArgument) as refused:
        _consent(None, ("profile:read", "catalog:write"))
    with pytest.raises(FailedPrecondition):
        _consent(None, ("profile:read",), app=_app(AppKind.VENDOR_APP))

    assert refused.value.field == "scopes[1]"


# partner sign-in codes


def test_s256_matches_rfc_7636s_example() -> None:
    assert (
        s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def _code(**changes: object) -> AuthorizationCode:
    code = AuthorizationCode.issue(
        digest("mac_code"),
        app_id="app-1",
        account_id="buyer-1",
        grant_id="grant-1",
        scopes=("orders:read", "profile:read"),
        redirect_uri="https://shop.example/back",
        code_challenge=s256("v" * 43),
        nonce="n-1",
        now=NOW,
        ttl=timedelta(seconds=60),
    )
    for name, value in changes.items():
        setattr(code, name, value)
    return code


def test_a_code_is_redeemed_once_by_its_app_with_its_verifier() -> None:
    code = _code()

    code.redeem(
        app_id="app-1", code_verifier="v" * 43, redirect_uri="https://shop.example/back", now=NOW
    )

    assert code.used_at == NOW
    assert code.access_scopes == ("orders:read",)
    with pytest.raises(AuthorizationCodeRejected):
        code.redeem(
            app_id="app-1",
            code_verifier="v" * 43,
            redirect_uri="https://shop.example/back",
            now=NOW,
        )


@pytest.mark.parametrize(
    ("app_id", "verifier", "redirect_uri", "later"),
    [
        ("app-2", "v" * 43, "https://shop.example/back", 0),
        ("app-1", "w" * 43, "https://shop.example/back", 0),
        ("app-1", "v" * 43, "https://shop.example/other", 0),
        ("app-1", "v" * 43, "https://shop.example/back", 61),
    ],
    ids=["another app", "wrong verifier", "another redirect uri", "expired"],
)
def test_a_code_is_refused_alike_whatever_is_wrong(
    app_id: str, verifier: str, redirect_uri: str, later: int
) -> None:
    code = _code()

    with pytest.raises(AuthorizationCodeRejected) as refused:
        code.redeem(
            app_id=app_id,
            code_verifier=verifier,
            redirect_uri=redirect_uri,
            now=NOW + timedelta(seconds=later),
        )

    assert refused.value.message == "the authorization code is not valid"
    assert code.used_at is None


# signing keys


def test_rotation_retires_the_previous_key_which_stays_published_for_the_retention() -> None:
    retention = timedelta(minutes=11)
    first = PublishedKey.rotate_in("kid-1", None, NOW)
    later = NOW + timedelta(days=7)

    second = PublishedKey.rotate_in("kid-2", first, later)

    assert second.is_current
    assert not first.is_current
    assert second.pending_events() == [PublishedKey.Rotated(previous_kid="kid-1")]
    assert first.published_until(retention) == later + retention
    assert first.is_published(later + retention - timedelta(seconds=1), retention)
    assert not first.is_published(later + retention, retention)
    assert second.is_published(later + timedelta(days=365), retention)
