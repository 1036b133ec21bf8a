"""The payments service as a real process on PostgreSQL and Kafka: escrow, refunds, payouts and
budgets over gRPC, their events read from Kafka like the ledger will read them.

One process for the module (`mercato serve payments`, configured only by environment
variables); each test uses its own orders, sellers and advertisers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from mercato.payments.v1 import payments_pb2 as pb
from mercato_kit.testing import LocalIssuer

from ._service import (
    APPROVED,
    DECLINED,
    ESCROW_SCOPES,
    FAILS_AFTER_DELAY,
    TIMES_OUT,
    EventLog,
    RunningPayments,
    capture_request,
    cny,
    ids,
    postgres_database,
    running_payments,
    types_of,
)

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture(scope="module")
def service(
    postgres_url: str,
    kafka_bootstrap_servers: str,
    issuer: LocalIssuer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningPayments]:
    with (
        postgres_database(postgres_url) as database_url,
        running_payments(
            database_url, kafka_bootstrap_servers, issuer, tmp_path_factory.mktemp("payments")
        ) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def events(service: RunningPayments, kafka_bootstrap_servers: str) -> Iterator[EventLog]:
    log = EventLog(kafka_bootstrap_servers)
    yield log
    log.close()


@pytest.fixture(scope="module")
def orders_app(issuer: LocalIssuer) -> list[tuple[str, str]]:
    """The orders service's token: an app holding the escrow scopes."""
    return issuer.metadata(subject=ids(), kind="app", roles=["service"], scopes=ESCROW_SCOPES)


@pytest.fixture(scope="module")
def operator(issuer: LocalIssuer) -> list[tuple[str, str]]:
    return issuer.metadata(subject=ids(), roles=["operator"], scopes=["payments:payout"])


def account(issuer: LocalIssuer, subject: str, *scopes: str) -> list[tuple[str, str]]:
    return issuer.metadata(subject=subject, roles=["seller"], scopes=scopes)


def test_a_capture_holds_the_total_in_escrow_and_publishes_every_amount_the_ledger_needs(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request(minor_units=10_019, tier=pb.SHOP_TIER_STANDARD)

    payment = service.stub.CapturePayment(request, metadata=orders_app).payment

    assert payment.status == pb.PAYMENT_STATUS_CAPTURED
    assert (payment.in_escrow, payment.processing_fee) == (cny(10_019), cny(60))
    assert payment.commission_rate_bps == 500
    published = events.through(request.order_id, pb.ProcessingFeeCharged)
    assert types_of(published) == ["PaymentCaptured", "ProcessingFeeCharged"]
    assert [(e.aggregate_version, e.producer) for e in published] == [
        (1, "payments"),
        (2, "payments"),
    ]
    captured = published[0].unpack(pb.PaymentCaptured)
    assert (captured.order_id, captured.buyer_id, captured.seller_id, captured.shop_id) == (
        request.order_id,
        request.buyer_id,
        request.seller_id,
        request.shop_id,
    )
    assert (captured.amount, captured.shop_tier, captured.commission_rate_bps) == (
        cny(10_019),
        pb.SHOP_TIER_STANDARD,
        500,
    )
    assert captured.charge_id == payment.charge_id
    fee = published[1].unpack(pb.ProcessingFeeCharged)
    assert (fee.purpose, fee.order_id, fee.charge_id) == (
        pb.CHARGE_PURPOSE_ORDER_PAYMENT,
        request.order_id,
        payment.charge_id,
    )
    assert (fee.gross, fee.fee, fee.net_settled, fee.fee_rate_bps) == (
        cny(10_019),
        cny(60),
        cny(9_959),
        60,
    )


def test_capturing_an_order_twice_charges_it_once_whatever_the_key(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request()
    first = service.stub.CapturePayment(request, metadata=orders_app)

    same_key = service.stub.CapturePayment(request, metadata=orders_app)
    other_key = pb.CapturePaymentRequest()
    other_key.CopyFrom(request)
    other_key.idempotency_key, other_key.instrument = ids(), DECLINED
    another = service.stub.CapturePayment(other_key, metadata=orders_app)
    service.stub.ReleaseEscrow(
        pb.ReleaseEscrowRequest(idempotency_key=ids(), order_id=request.order_id),
        metadata=orders_app,
    )

    assert same_key == first
    assert another.payment.charge_id == first.payment.charge_id
    assert (another.payment.status, another.payment.version) == (pb.PAYMENT_STATUS_CAPTURED, 2)
    published = events.through(request.order_id, pb.EscrowReleased)
    assert types_of(published) == ["PaymentCaptured", "ProcessingFeeCharged", "EscrowReleased"]


def test_a_declined_card_is_recorded_and_another_card_may_then_capture(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    declined_request = capture_request(instrument=DECLINED)
    retry = pb.CapturePaymentRequest()
    retry.CopyFrom(declined_request)
    retry.idempotency_key, retry.instrument = ids(), APPROVED

    declined = service.stub.CapturePayment(declined_request, metadata=orders_app).payment
    captured = service.stub.CapturePayment(retry, metadata=orders_app).payment

    assert (declined.status, declined.decline_reason, declined.charge_id) == (
        pb.PAYMENT_STATUS_DECLINED,
        pb.DECLINE_REASON_CARD_DECLINED,
        "",
    )
    assert (captured.status, captured.attempts) == (pb.PAYMENT_STATUS_CAPTURED, 2)
    published = events.through(declined_request.order_id, pb.PaymentCaptured)
    assert types_of(published) == ["PaymentDeclined", "PaymentCaptured"]
    decline = published[0].unpack(pb.PaymentDeclined)
    assert (decline.reason, decline.attempt, decline.amount) == (
        pb.DECLINE_REASON_CARD_DECLINED,
        1,
        cny(10_019),
    )
    assert published[1].unpack(pb.PaymentCaptured).attempt == 2


@pytest.mark.parametrize(
    ("instrument", "reason"),
    [
        (TIMES_OUT, pb.DECLINE_REASON_PROVIDER_TIMEOUT),
        (FAILS_AFTER_DELAY, pb.DECLINE_REASON_PROVIDER_ERROR),
        ("4111111111111111", pb.DECLINE_REASON_UNKNOWN_INSTRUMENT),
    ],
)
def test_a_provider_that_times_out_or_fails_gives_a_decline_with_its_reason(
    service: RunningPayments,
    events: EventLog,
    orders_app: list[tuple[str, str]],
    instrument: str,
    reason: pb.DeclineReason,
) -> None:
    request = capture_request(instrument=instrument)

    payment = service.stub.CapturePayment(request, metadata=orders_app).payment
    again = service.stub.CapturePayment(request, metadata=orders_app).payment

    assert (payment.status, payment.decline_reason) == (pb.PAYMENT_STATUS_DECLINED, reason)
    assert again == payment
    published = events.through(request.order_id, pb.PaymentDeclined)
    assert published[0].unpack(pb.PaymentDeclined).reason == reason


def test_release_after_a_partial_refund_pays_the_seller_the_rest_less_commission_by_tier(
    service: RunningPayments,
    events: EventLog,
    issuer: LocalIssuer,
    orders_app: list[tuple[str, str]],
) -> None:
    seller = ids()
    request = capture_request(minor_units=10_019, tier=pb.SHOP_TIER_FLAGSHIP, seller_id=seller)
    service.stub.CapturePayment(request, metadata=orders_app)
    refund = service.stub.RefundPayment(
        pb.RefundPaymentRequest(
            idempotency_key=ids(),
            order_id=request.order_id,
            refund_id=ids(),
            amount=cny(19),
            reason="a missing ribbon",
        ),
        metadata=orders_app,
    )

    released = service.stub.ReleaseEscrow(
        pb.ReleaseEscrowRequest(idempotency_key=ids(), order_id=request.order_id),
        metadata=orders_app,
    ).payment

    assert refund.payment.in_escrow == cny(10_000)
    assert released.status == pb.PAYMENT_STATUS_RELEASED
    assert (released.release.gross, released.release.commission, released.release.seller_net) == (
        cny(10_000),
        cny(300),  # flagship: 3% of 100.00
        cny(9_700),
    )
    published = events.through(request.order_id, pb.EscrowReleased)
    assert types_of(published) == [
        "PaymentCaptured",
        "ProcessingFeeCharged",
        "RefundIssued",
        "EscrowReleased",
    ]
    issued = published[2].unpack(pb.RefundIssued)
    assert (issued.amount, issued.refunded_total, issued.remaining_in_escrow, issued.full) == (
        cny(19),
        cny(19),
        cny(10_000),
        False,
    )
    escrow = published[3].unpack(pb.EscrowReleased)
    assert (escrow.seller_id, escrow.shop_id, escrow.shop_tier) == (
        seller,
        request.shop_id,
        pb.SHOP_TIER_FLAGSHIP,
    )
    assert (escrow.gross, escrow.commission, escrow.seller_net, escrow.commission_rate_bps) == (
        cny(10_000),
        cny(300),
        cny(9_700),
        300,
    )
    assert (escrow.captured, escrow.refunded) == (cny(10_019), cny(19))
    payable = service.stub.GetSellerPayable(
        pb.GetSellerPayableRequest(seller_id=seller),
        metadata=account(issuer, seller, "payments:read"),
    )
    assert list(payable.balances) == [cny(9_700)]


def test_a_refund_never_exceeds_the_escrow_and_a_release_after_a_full_refund_is_refused(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request(minor_units=5_000)
    service.stub.CapturePayment(request, metadata=orders_app)
    get = pb.GetPaymentRequest(order_id=request.order_id)
    before = service.stub.GetPayment(get, metadata=orders_app).payment

    def refund(amount: int | None) -> pb.RefundPaymentResponse:
        message = pb.RefundPaymentRequest(
            idempotency_key=ids(), order_id=request.order_id, refund_id=ids(), reason="cancelled"
        )
        if amount is not None:
            message.amount.CopyFrom(cny(amount))
        return service.stub.RefundPayment(message, metadata=orders_app)

    with pytest.raises(grpc.RpcError) as too_much:
        refund(5_001)
    unchanged = service.stub.GetPayment(get, metadata=orders_app).payment
    full = refund(None)
    with pytest.raises(grpc.RpcError) as release:
        service.stub.ReleaseEscrow(
            pb.ReleaseEscrowRequest(idempotency_key=ids(), order_id=request.order_id),
            metadata=orders_app,
        )
    with pytest.raises(grpc.RpcError) as refund_again:
        refund(1)
    with pytest.raises(grpc.RpcError) as capture_again:
        service.stub.CapturePayment(_bad(request, idempotency_key=ids()), metadata=orders_app)
    replayed = service.stub.CapturePayment(request, metadata=orders_app).payment

    assert too_much.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "exceeds" in (too_much.value.details() or "")
    assert unchanged == before
    assert (full.payment.status, full.refund.amount) == (pb.PAYMENT_STATUS_REFUNDED, cny(5_000))
    assert release.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "refunded in full" in (release.value.details() or "")
    assert refund_again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert capture_again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "refunded in full" in (capture_again.value.details() or "")
    assert (replayed.status, replayed.version) == (pb.PAYMENT_STATUS_CAPTURED, 2)
    published = events.through(request.order_id, pb.RefundIssued)
    issued = published[-1].unpack(pb.RefundIssued)
    assert (issued.amount, issued.remaining_in_escrow, issued.full) == (cny(5_000), cny(0), True)


def test_a_refund_is_applied_once_per_refund_id_whatever_the_key(
    service: RunningPayments, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request(minor_units=5_000)
    service.stub.CapturePayment(request, metadata=orders_app)
    refund_id = ids()

    responses = [
        service.stub.RefundPayment(
            pb.RefundPaymentRequest(
                idempotency_key=ids(), order_id=request.order_id, refund_id=refund_id, amount=cny(1)
            ),
            metadata=orders_app,
        )
        for _ in range(3)
    ]

    assert {r.payment.in_escrow.minor_units for r in responses} == {4_999}
    assert {r.payment.version for r in responses} == {3}


def test_a_refund_after_the_release_is_refused(
    service: RunningPayments, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request()
    service.stub.CapturePayment(request, metadata=orders_app)
    service.stub.ReleaseEscrow(
        pb.ReleaseEscrowRequest(idempotency_key=ids(), order_id=request.order_id),
        metadata=orders_app,
    )

    with pytest.raises(grpc.RpcError) as refused:
        service.stub.RefundPayment(
            pb.RefundPaymentRequest(
                idempotency_key=ids(), order_id=request.order_id, refund_id=ids(), amount=cny(1)
            ),
            metadata=orders_app,
        )

    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "released" in (refused.value.details() or "")


def test_a_refund_before_any_capture_is_not_found_and_voids_the_order_so_no_capture_follows(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    order_id = ids()
    refund = pb.RefundPaymentRequest(
        idempotency_key=ids(), order_id=order_id, refund_id=ids(), reason="order cancelled"
    )

    with pytest.raises(grpc.RpcError) as nothing:
        service.stub.RefundPayment(refund, metadata=orders_app)
    with pytest.raises(grpc.RpcError) as repeated:
        service.stub.RefundPayment(refund, metadata=orders_app)
    with pytest.raises(grpc.RpcError) as late_capture:
        service.stub.CapturePayment(capture_request(order_id), metadata=orders_app)
    payment = service.stub.GetPayment(
        pb.GetPaymentRequest(order_id=order_id), metadata=orders_app
    ).payment

    assert [nothing.value.code(), repeated.value.code()] == [grpc.StatusCode.NOT_FOUND] * 2
    assert repeated.value.details() == nothing.value.details()
    assert (late_capture.value.code(), late_capture.value.details()) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        f"order {order_id} was cancelled: its payment was voided before any capture; "
        "nothing was charged",
    )
    assert (payment.status, payment.captured, payment.charge_id, payment.version) == (
        pb.PAYMENT_STATUS_VOIDED,
        cny(0, ""),
        "",
        1,
    )
    [voided] = events.through(order_id, pb.PaymentVoided)
    assert voided.unpack(pb.PaymentVoided) == pb.PaymentVoided(
        order_id=order_id, refund_id=refund.refund_id, reason="order cancelled"
    )
    assert not [line for line in service.logs().splitlines() if f"capture:{order_id}:" in line], (
        "the provider was asked to charge a cancelled order"
    )


def test_a_refund_after_a_declined_capture_voids_the_order_and_a_retry_charges_nothing(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    declined = capture_request(instrument=DECLINED)
    service.stub.CapturePayment(declined, metadata=orders_app)
    retry = pb.CapturePaymentRequest()
    retry.CopyFrom(declined)
    retry.idempotency_key, retry.instrument = ids(), APPROVED

    with pytest.raises(grpc.RpcError) as nothing:
        service.stub.RefundPayment(
            pb.RefundPaymentRequest(
                idempotency_key=ids(), order_id=declined.order_id, refund_id=ids()
            ),
            metadata=orders_app,
        )
    with pytest.raises(grpc.RpcError) as refused:
        service.stub.CapturePayment(retry, metadata=orders_app)

    assert nothing.value.code() == grpc.StatusCode.NOT_FOUND
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    published = events.through(declined.order_id, pb.PaymentVoided)
    assert types_of(published) == ["PaymentDeclined", "PaymentVoided"]
    voided = published[1].unpack(pb.PaymentVoided)
    assert (voided.buyer_id, voided.seller_id, voided.declined_attempts) == (
        declined.buyer_id,
        declined.seller_id,
        1,
    )


def test_a_payout_batch_pays_each_seller_their_payable_once(
    service: RunningPayments,
    events: EventLog,
    issuer: LocalIssuer,
    orders_app: list[tuple[str, str]],
    operator: list[tuple[str, str]],
) -> None:
    sellers = sorted([ids(), ids()])
    for seller, minor_units in zip(sellers, [10_000, 2_001], strict=True):
        request = capture_request(minor_units=minor_units, currency="EUR", seller_id=seller)
        service.stub.CapturePayment(request, metadata=orders_app)
        service.stub.ReleaseEscrow(
            pb.ReleaseEscrowRequest(idempotency_key=ids(), order_id=request.order_id),
            metadata=orders_app,
        )
    run = pb.RunPayoutBatchRequest(
        idempotency_key=ids(), batch_id=ids(), currency="EUR", max_payouts=100
    )

    batch = service.stub.RunPayoutBatch(run, metadata=operator).batch
    run.idempotency_key = ids()
    again = service.stub.RunPayoutBatch(run, metadata=operator).batch
    later = service.stub.RunPayoutBatch(
        pb.RunPayoutBatchRequest(
            idempotency_key=ids(), batch_id=ids(), currency="EUR", max_payouts=100
        ),
        metadata=operator,
    ).batch

    # 5% commission; 2001 x 5% = 100.05 rounds down to 100, the seller keeps the odd cent.
    assert [(p.seller_id, p.amount) for p in batch.payouts] == [
        (sellers[0], cny(9_500, "EUR")),
        (sellers[1], cny(1_901, "EUR")),
    ]
    assert batch.total == cny(11_401, "EUR")
    assert again == batch
    assert list(later.payouts) == []
    for seller in sellers:
        payable = service.stub.GetSellerPayable(
            pb.GetSellerPayableRequest(seller_id=seller),
            metadata=account(issuer, seller, "payments:read"),
        )
        assert list(payable.balances) == [cny(0, "EUR")]
    published = events.through(run.batch_id, pb.PayoutBatchClosed)
    assert types_of(published) == ["PayoutSent", "PayoutSent", "PayoutBatchClosed"]
    sent = [e.unpack(pb.PayoutSent) for e in published[:2]]
    assert [(s.batch_id, s.seller_id, s.amount, s.payout_id) for s in sent] == [
        (run.batch_id, p.seller_id, p.amount, p.payout_id) for p in batch.payouts
    ]
    assert published[2].unpack(pb.PayoutBatchClosed).total == cny(11_401, "EUR")


def test_an_advertiser_deposit_credits_the_budget_once_and_a_declined_one_records_nothing(
    service: RunningPayments, events: EventLog, issuer: LocalIssuer
) -> None:
    advertiser = ids()
    as_advertiser = account(issuer, advertiser, "payments:deposit", "payments:read")
    deposit = pb.DepositBudgetRequest(
        idempotency_key=ids(),
        advertiser_id=advertiser,
        deposit_id=ids(),
        amount=cny(50_000),
        instrument=APPROVED,
    )
    declined = pb.DepositBudgetRequest(
        idempotency_key=ids(),
        advertiser_id=advertiser,
        deposit_id=ids(),
        amount=cny(70_000),
        instrument=DECLINED,
    )

    refused = service.stub.DepositBudget(declined, metadata=as_advertiser)
    first = service.stub.DepositBudget(deposit, metadata=as_advertiser)
    deposit.idempotency_key = ids()
    again = service.stub.DepositBudget(deposit, metadata=as_advertiser)
    budget = service.stub.GetBudget(
        pb.GetBudgetRequest(advertiser_id=advertiser), metadata=as_advertiser
    ).budget

    assert (refused.deposited, refused.decline_reason) == (False, pb.DECLINE_REASON_CARD_DECLINED)
    assert list(refused.budget.deposited) == []
    assert first.deposited
    assert again.deposited
    assert (list(budget.deposited), budget.version) == ([cny(50_000)], 2)
    published = events.through(advertiser, pb.ProcessingFeeCharged)
    assert types_of(published) == ["BudgetDeposited", "ProcessingFeeCharged"]
    credited = published[0].unpack(pb.BudgetDeposited)
    assert (credited.deposit_id, credited.amount, credited.total_deposited) == (
        deposit.deposit_id,
        cny(50_000),
        cny(50_000),
    )
    fee = published[1].unpack(pb.ProcessingFeeCharged)
    assert (fee.purpose, fee.advertiser_id, fee.deposit_id) == (
        pb.CHARGE_PURPOSE_BUDGET_DEPOSIT,
        advertiser,
        deposit.deposit_id,
    )
    assert (fee.gross, fee.fee, fee.net_settled) == (cny(50_000), cny(300), cny(49_700))


def test_callers_without_a_token_or_the_right_scope_or_role_are_refused_and_nothing_changes(
    service: RunningPayments, issuer: LocalIssuer, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request()
    seller = account(issuer, ids(), "payments:read", "payments:deposit")
    calls = [
        ("no token", lambda: service.stub.CapturePayment(request)),
        ("no scope", lambda: service.stub.CapturePayment(request, metadata=seller)),
        (
            "no payout scope",
            lambda: service.stub.RunPayoutBatch(
                pb.RunPayoutBatchRequest(
                    idempotency_key=ids(), batch_id=ids(), currency="CNY", max_payouts=1
                ),
                metadata=seller,
            ),
        ),
        (
            "someone else's budget",
            lambda: service.stub.DepositBudget(
                pb.DepositBudgetRequest(
                    idempotency_key=ids(),
                    advertiser_id=ids(),
                    deposit_id=ids(),
                    amount=cny(100),
                    instrument=APPROVED,
                ),
                metadata=seller,
            ),
        ),
        (
            "someone else's payable",
            lambda: service.stub.GetSellerPayable(
                pb.GetSellerPayableRequest(seller_id=ids()), metadata=seller
            ),
        ),
    ]

    codes = {}
    for name, call in calls:
        with pytest.raises(grpc.RpcError) as refused:
            call()
        codes[name] = refused.value.code()

    assert codes == {
        "no token": grpc.StatusCode.UNAUTHENTICATED,
        "no scope": grpc.StatusCode.PERMISSION_DENIED,
        "no payout scope": grpc.StatusCode.PERMISSION_DENIED,
        "someone else's budget": grpc.StatusCode.PERMISSION_DENIED,
        "someone else's payable": grpc.StatusCode.PERMISSION_DENIED,
    }
    with pytest.raises(grpc.RpcError) as missing:
        service.stub.GetPayment(
            pb.GetPaymentRequest(order_id=request.order_id), metadata=orders_app
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_only_the_parties_operators_and_the_escrow_caller_see_a_payment(
    service: RunningPayments,
    issuer: LocalIssuer,
    orders_app: list[tuple[str, str]],
    operator: list[tuple[str, str]],
) -> None:
    buyer, seller = ids(), ids()
    request = capture_request(buyer_id=buyer, seller_id=seller)
    service.stub.CapturePayment(request, metadata=orders_app)
    get = pb.GetPaymentRequest(order_id=request.order_id)
    on_behalf = issuer.metadata(
        subject=ids(), kind="app", scopes=["payments:read"], on_behalf_of=seller, grant_id=ids()
    )

    seen_by = [
        service.stub.GetPayment(get, metadata=metadata).payment.order_id
        for metadata in [
            account(issuer, buyer, "payments:read"),
            account(issuer, seller, "payments:read"),
            on_behalf,
            operator,
            orders_app,
        ]
    ]
    refused = []
    for metadata in [
        account(issuer, ids(), "payments:read"),
        account(issuer, seller, "catalog:read"),
        issuer.metadata(subject=ids(), kind="app", scopes=["payments:read"], on_behalf_of=ids()),
    ]:
        with pytest.raises(grpc.RpcError) as stranger:
            service.stub.GetPayment(get, metadata=metadata)
        refused.append(stranger.value.code())

    assert seen_by == [request.order_id] * 5
    assert refused == [grpc.StatusCode.PERMISSION_DENIED] * 3


def _bad(request: pb.CapturePaymentRequest, **changes: object) -> pb.CapturePaymentRequest:
    bad = pb.CapturePaymentRequest()
    bad.CopyFrom(request)
    for field, value in changes.items():
        if field == "amount":
            bad.amount.CopyFrom(value)  # type: ignore[arg-type]
        else:
            setattr(bad, field, value)
    return bad


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": cny(0)}, "amount.minor_units"),
        ({"amount": cny(-100)}, "amount.minor_units"),
        ({"amount": cny(10**12 + 1)}, "amount.minor_units"),
        ({"amount": cny(100, "GBP")}, "amount.currency"),
        ({"amount": cny(100, "X" * 1_000_000)}, "amount.currency"),
        ({"instrument": "4242-4242"}, "instrument"),
        ({"order_id": "order-1"}, "order_id"),
        ({"seller_id": ""}, "seller_id"),
        ({"shop_tier": pb.SHOP_TIER_UNSPECIFIED}, "shop_tier"),
        ({"shop_tier": 7}, "shop_tier"),
        ({"idempotency_key": "k" * 129}, "idempotency_key"),
    ],
)
def test_bad_capture_input_names_the_field_and_changes_nothing(
    service: RunningPayments,
    orders_app: list[tuple[str, str]],
    changes: dict[str, object],
    field: str,
) -> None:
    request = capture_request()

    with pytest.raises(grpc.RpcError) as bad:
        service.stub.CapturePayment(_bad(request, **changes), metadata=orders_app)

    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (bad.value.details() or "").startswith(f"{field}:")
    assert len(bad.value.details() or "") < 300  # a bounded prefix of the value, never all of it
    with pytest.raises(grpc.RpcError) as missing:
        service.stub.GetPayment(
            pb.GetPaymentRequest(order_id=request.order_id), metadata=orders_app
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_refund_in_another_currency_names_the_field_and_changes_nothing(
    service: RunningPayments, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request()
    before = service.stub.CapturePayment(request, metadata=orders_app).payment

    with pytest.raises(grpc.RpcError) as bad:
        service.stub.RefundPayment(
            pb.RefundPaymentRequest(
                idempotency_key=ids(),
                order_id=request.order_id,
                refund_id=ids(),
                amount=cny(100, "USD"),
            ),
            metadata=orders_app,
        )

    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (bad.value.details() or "").startswith("amount.currency:")
    after = service.stub.GetPayment(
        pb.GetPaymentRequest(order_id=request.order_id), metadata=orders_app
    ).payment
    assert after == before


def test_an_idempotency_key_reused_for_another_request_is_refused(
    service: RunningPayments, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request()
    service.stub.CapturePayment(request, metadata=orders_app)
    other = capture_request(key=request.idempotency_key)

    with pytest.raises(grpc.RpcError) as reused:
        service.stub.CapturePayment(other, metadata=orders_app)

    assert reused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (reused.value.details() or "").startswith("idempotency_key:")


def test_a_capture_for_a_captured_order_on_other_terms_is_refused(
    service: RunningPayments, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request(minor_units=1_000)
    service.stub.CapturePayment(request, metadata=orders_app)

    with pytest.raises(grpc.RpcError) as refused:
        service.stub.CapturePayment(
            _bad(request, idempotency_key=ids(), amount=cny(2_000)), metadata=orders_app
        )

    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "amount" in (refused.value.details() or "")


def test_a_bad_rate_setting_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    env = dict(
        os.environ, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", PAYMENTS_COMMISSION_RATES="standard=500"
    )

    done = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "serve", "payments"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )

    assert done.returncode == 2
    assert "PAYMENTS_COMMISSION_RATES is malformed" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_input_to_the_other_commands_names_the_field_and_changes_nothing(
    service: RunningPayments,
    issuer: LocalIssuer,
    orders_app: list[tuple[str, str]],
    operator: list[tuple[str, str]],
) -> None:
    request = capture_request(minor_units=1_000)
    before = service.stub.CapturePayment(request, metadata=orders_app).payment
    advertiser = ids()
    as_advertiser = account(issuer, advertiser, "payments:deposit", "payments:read")
    order_id = request.order_id
    calls = {
        "refund_id": lambda: service.stub.RefundPayment(
            pb.RefundPaymentRequest(idempotency_key=ids(), order_id=order_id, refund_id="r-1"),
            metadata=orders_app,
        ),
        "reason": lambda: service.stub.RefundPayment(
            pb.RefundPaymentRequest(
                idempotency_key=ids(), order_id=order_id, refund_id=ids(), reason="x" * 201
            ),
            metadata=orders_app,
        ),
        "amount.minor_units": lambda: service.stub.RefundPayment(
            pb.RefundPaymentRequest(
                idempotency_key=ids(), order_id=order_id, refund_id=ids(), amount=cny(0)
            ),
            metadata=orders_app,
        ),
        "idempotency_key": lambda: service.stub.ReleaseEscrow(
            pb.ReleaseEscrowRequest(order_id=order_id), metadata=orders_app
        ),
        "currency": lambda: service.stub.RunPayoutBatch(
            pb.RunPayoutBatchRequest(
                idempotency_key=ids(), batch_id=ids(), currency="GBP", max_payouts=10
            ),
            metadata=operator,
        ),
        "max_payouts": lambda: service.stub.RunPayoutBatch(
            pb.RunPayoutBatchRequest(idempotency_key=ids(), batch_id=ids(), currency="CNY"),
            metadata=operator,
        ),
        "amount.currency": lambda: service.stub.DepositBudget(
            pb.DepositBudgetRequest(
                idempotency_key=ids(),
                advertiser_id=advertiser,
                deposit_id=ids(),
                amount=cny(100, "JPY"),
                instrument=APPROVED,
            ),
            metadata=as_advertiser,
        ),
    }

    named = {}
    for field, call in calls.items():
        with pytest.raises(grpc.RpcError) as bad:
            call()
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        named[field] = (bad.value.details() or "").partition(":")[0]

    assert named == {field: field for field in calls}
    after = service.stub.GetPayment(
        pb.GetPaymentRequest(order_id=order_id), metadata=orders_app
    ).payment
    assert after == before
    budget = service.stub.GetBudget(
        pb.GetBudgetRequest(advertiser_id=advertiser), metadata=as_advertiser
    ).budget
    assert list(budget.deposited) == []
