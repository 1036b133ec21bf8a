"""The app store's money across processes: the platform's service app charges a seller's
subscription through payments, the ledger posts the split (app_store_share revenue, the
vendor's payable), a refund reverses it, a vendor payout batch pays the vendor once (also when
run again under its batch id), the trial balance stays zero, the audit clean, and `mercato
verify` finds every app-store event on the vendor's payable once."""

from __future__ import annotations

import time
import uuid

import pytest

from mercato.common.v1.money_pb2 import Money
from mercato.identity.v1 import apps_pb2
from mercato.ledger.v1 import ledger_pb2 as ledger_pb
from mercato.payments.v1 import payments_pb2 as pb
from mercato_cli.verify import Log, Reconciliation, Scope
from tests.support.ecosystem import Ecosystem
from tests.support.identity_service import bearer

pytestmark = pytest.mark.timeout(600)

APPROVED = "4242424242424242"


def cny(minor_units: int) -> Money:
    return Money(currency="CNY", minor_units=minor_units)


def ids() -> str:
    return str(uuid.uuid4())


def app_metadata(world: Ecosystem, kind: int, *scopes: str) -> tuple[str, list[tuple[str, str]]]:
    app, secret = world.identity.new_app(world.operator, kind, scopes=scopes)
    token = world.identity.app_token(app.app_id, secret, scopes=scopes).access_token.token
    return app.app_id, bearer(token)


def settled(world: Ecosystem, account: str, expected: dict[str, int]) -> dict[str, int]:
    """The account's ledger balance once it shows `expected` (the ledger follows the log; a
    ledger new to a shared broker reads the log's history first, hence the generous bound)."""
    deadline = time.monotonic() + 180
    balance = world.balance(account)
    while balance != expected and time.monotonic() < deadline:
        time.sleep(0.3)
        balance = world.balance(account)
    return balance


def test_charge_refund_and_payout_post_the_split_once_and_balance(world: Ecosystem) -> None:
    _, platform = app_metadata(world, apps_pb2.APP_KIND_SERVICE, "payments:app_store")
    vendor_id, vendor = app_metadata(world, apps_pb2.APP_KIND_VENDOR_APP)
    payable = f"liability:vendor_payable:{vendor_id}"
    subscription = ids()
    charge = pb.ChargeAppSubscriptionRequest(
        idempotency_key=ids(),
        charge_id=f"{subscription}:0",
        subscription_id=subscription,
        listing_id=ids(),
        vendor_id=vendor_id,
        seller_id=ids(),
        amount=cny(10_001),
        platform_share=cny(3_000),  # 30% rounded down; the vendor gets the rest
        vendor_share=cny(7_001),
        instrument=APPROVED,
    )

    charged = world.payments.ChargeAppSubscription(charge, metadata=platform)
    assert charged.charged
    assert settled(world, payable, {"CNY": -7_001}) == {"CNY": -7_001}

    world.payments.RefundAppCharge(
        pb.RefundAppChargeRequest(
            idempotency_key=ids(),
            refund_id=ids(),
            charge_id=charge.charge_id,
            amount=cny(5_000),
            platform_share=cny(1_500),
            vendor_share=cny(3_500),
            reason="cancelled at once",
        ),
        metadata=platform,
    )
    assert settled(world, payable, {"CNY": -3_501}) == {"CNY": -3_501}

    run = pb.RunVendorPayoutBatchRequest(
        idempotency_key=ids(), batch_id=ids(), currency="CNY", max_payouts=1000
    )
    batch = world.payments.RunVendorPayoutBatch(run, metadata=world.operator.metadata).batch
    run.idempotency_key = ids()
    again = world.payments.RunVendorPayoutBatch(run, metadata=world.operator.metadata).batch
    assert again == batch
    assert [(p.vendor_id, p.amount) for p in batch.payouts if p.vendor_id == vendor_id] == [
        (vendor_id, cny(3_501))
    ]
    assert settled(world, payable, {"CNY": 0}) == {"CNY": 0}
    own = world.payments.GetVendorPayable(
        pb.GetVendorPayableRequest(vendor_id=vendor_id), metadata=vendor
    )
    assert list(own.balances) == [cny(0)]

    statement = world.ledger.GetStatement(
        ledger_pb.GetStatementRequest(account=payable, limit=100),
        metadata=world.operator.metadata,
    )
    assert [
        (line.event_type.rpartition(".")[2], line.amount.minor_units) for line in statement.lines
    ] == [
        ("AppCharged", -7_001),
        ("AppChargeRefunded", 3_500),
        ("VendorPaidOut", 3_501),
    ]
    months = world.ledger.GetMonthlyResult(
        ledger_pb.GetMonthlyResultRequest(), metadata=world.operator.metadata
    ).months
    streams = {row.key for month in months for row in month.revenue_by_stream}
    assert "app_store_share" in streams
    trial = world.ledger.GetTrialBalance(
        ledger_pb.GetTrialBalanceRequest(), metadata=world.operator.metadata
    )
    assert trial.balanced
    assert list(world.audited().violations) == []

    # `mercato verify`'s check, on the app store's two topics only (the whole log of a shared
    # broker is the full command's business: tests/e2e/test_verify.py).
    log = Log(world.kafka)
    log.load(("payments.app_charge", "payments.vendor_payout"))
    checks = Reconciliation(
        log,
        world.ledger,
        None,
        world.operator.metadata,
        Scope(frozenset(), frozenset(), frozenset({vendor_id})),
    )
    found = checks.app_store_once()
    assert found.holds, found
    assert found.checked == 1
