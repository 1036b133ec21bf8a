"""Races through the running service, on SQLite and on PostgreSQL: captures of one order with
different keys, captures racing the refund that cancels the order, partial refunds of one
escrow, and payout batches over the same payables."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import grpc
import pytest

from mercato.payments.v1 import payments_pb2 as pb
from mercato_kit.testing import LocalIssuer

from ._service import (
    ESCROW_SCOPES,
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

T = TypeVar("T")
RACERS = 8


@pytest.fixture(scope="module")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest,
    kafka_bootstrap_servers: str,
    issuer: LocalIssuer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningPayments]:
    workdir = tmp_path_factory.mktemp(f"payments-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'payments.db'}"
        with running_payments(url, kafka_bootstrap_servers, issuer, workdir) as running:
            yield running
        return
    postgres_url = str(request.getfixturevalue("postgres_url"))
    with (
        postgres_database(postgres_url) as url,
        running_payments(url, kafka_bootstrap_servers, issuer, workdir) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def events(service: RunningPayments, kafka_bootstrap_servers: str) -> Iterator[EventLog]:
    log = EventLog(kafka_bootstrap_servers)
    yield log
    log.close()


@pytest.fixture(scope="module")
def orders_app(issuer: LocalIssuer) -> list[tuple[str, str]]:
    return issuer.metadata(subject=ids(), kind="app", roles=["service"], scopes=ESCROW_SCOPES)


def race(calls: list[Callable[[], T]]) -> list[T | grpc.RpcError]:
    """Run the calls at once; each call's answer, or the RpcError it raised."""

    def attempt(call: Callable[[], T]) -> T | grpc.RpcError:
        try:
            return call()
        except grpc.RpcError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(attempt, calls))


def test_racing_captures_of_one_order_with_different_keys_charge_it_once(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request()

    def capture_with_a_new_key() -> pb.CapturePaymentResponse:
        attempt = pb.CapturePaymentRequest()
        attempt.CopyFrom(request)
        attempt.idempotency_key = ids()
        return service.stub.CapturePayment(attempt, metadata=orders_app, timeout=60)

    answers = race([capture_with_a_new_key] * RACERS)
    service.stub.ReleaseEscrow(
        pb.ReleaseEscrowRequest(idempotency_key=ids(), order_id=request.order_id),
        metadata=orders_app,
    )

    assert all(isinstance(a, pb.CapturePaymentResponse) for a in answers), answers
    payments = [a.payment for a in answers if isinstance(a, pb.CapturePaymentResponse)]
    assert {(p.status, p.charge_id, p.version) for p in payments} == {
        (pb.PAYMENT_STATUS_CAPTURED, payments[0].charge_id, 2)
    }
    published = events.through(request.order_id, pb.EscrowReleased)
    assert types_of(published) == ["PaymentCaptured", "ProcessingFeeCharged", "EscrowReleased"]
    provider = _provider_log(service, request.order_id)
    approved = {
        line["charge_id"] for line in provider if line["event"] == "provider charge approved"
    }
    returned = {
        line["charge_id"] for line in provider if line["event"] == "provider attempt voided"
    }
    assert approved - returned == {payments[0].charge_id}


def _provider_log(service: RunningPayments, order_id: str) -> list[dict[str, str]]:
    """The simulated provider's log lines about one order's captures."""
    lines = [json.loads(line) for line in service.logs().splitlines() if line.startswith("{")]
    return [
        line
        for line in lines
        if line["event"].startswith("provider ") and f":{order_id}:" in line["reference"]
    ]


def test_captures_racing_the_cancelling_refund_leave_no_money_with_the_platform(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request()
    order_id = request.order_id
    refund_id = ids()

    def capture_with_a_new_key() -> pb.CapturePaymentResponse:
        attempt = pb.CapturePaymentRequest()
        attempt.CopyFrom(request)
        attempt.idempotency_key = ids()
        return service.stub.CapturePayment(attempt, metadata=orders_app, timeout=60)

    def cancel() -> pb.RefundPaymentResponse:
        return service.stub.RefundPayment(
            pb.RefundPaymentRequest(idempotency_key=ids(), order_id=order_id, refund_id=refund_id),
            metadata=orders_app,
            timeout=60,
        )

    answers = race([capture_with_a_new_key, cancel] * (RACERS // 2))

    refunds = [a for a in answers if isinstance(a, pb.RefundPaymentResponse)]
    errors = {a.code() for a in answers if isinstance(a, grpc.RpcError)}
    payment = service.stub.GetPayment(
        pb.GetPaymentRequest(order_id=order_id), metadata=orders_app
    ).payment
    provider = _provider_log(service, order_id)
    approved = {
        line["charge_id"] for line in provider if line["event"] == "provider charge approved"
    }
    returned = {
        line["charge_id"] for line in provider if line["event"] == "provider attempt voided"
    }
    if payment.status == pb.PAYMENT_STATUS_VOIDED:
        # The refund came first: every capture was refused and every charge went back.
        assert refunds == []
        assert errors == {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION}
        assert approved == returned
        published = events.through(order_id, pb.PaymentVoided)
        assert types_of(published) == ["PaymentVoided"]
    else:
        # A capture came first: it was refunded in full, once; later captures were refused.
        assert payment.status == pb.PAYMENT_STATUS_REFUNDED
        assert {r.refund.amount.minor_units for r in refunds} == {10_019}
        assert approved - returned == {payment.charge_id}
        assert errors <= {grpc.StatusCode.FAILED_PRECONDITION}
        published = events.through(order_id, pb.RefundIssued)
        assert types_of(published) == ["PaymentCaptured", "ProcessingFeeCharged", "RefundIssued"]


def test_racing_partial_refunds_never_refund_more_than_was_captured(
    service: RunningPayments, events: EventLog, orders_app: list[tuple[str, str]]
) -> None:
    request = capture_request(minor_units=1_000)
    service.stub.CapturePayment(request, metadata=orders_app)

    def refund_300() -> pb.RefundPaymentResponse:
        return service.stub.RefundPayment(
            pb.RefundPaymentRequest(
                idempotency_key=ids(),
                order_id=request.order_id,
                refund_id=ids(),
                amount=cny(300),
            ),
            metadata=orders_app,
            timeout=60,
        )

    answers = race([refund_300] * RACERS)

    refunded = [a for a in answers if isinstance(a, pb.RefundPaymentResponse)]
    refused = [a for a in answers if isinstance(a, grpc.RpcError)]
    assert len(refunded) == 3
    assert {error.code() for error in refused} == {grpc.StatusCode.FAILED_PRECONDITION}
    payment = service.stub.GetPayment(
        pb.GetPaymentRequest(order_id=request.order_id), metadata=orders_app
    ).payment
    assert (payment.refunded, payment.in_escrow) == (cny(900), cny(100))
    published = events.of(request.order_id, lambda found: len(found) >= 5)
    totals = [e.unpack(pb.RefundIssued).refunded_total for e in published[2:]]
    assert totals == [cny(300), cny(600), cny(900)]


def test_racing_payout_batches_pay_each_seller_once(
    service: RunningPayments,
    issuer: LocalIssuer,
    orders_app: list[tuple[str, str]],
) -> None:
    operator = issuer.metadata(subject=ids(), roles=["operator"], scopes=["payments:payout"])
    sellers = sorted(ids() for _ in range(5))
    for seller in sellers:
        request = capture_request(minor_units=2_000, currency="USD", seller_id=seller)
        service.stub.CapturePayment(request, metadata=orders_app)
        service.stub.ReleaseEscrow(
            pb.ReleaseEscrowRequest(idempotency_key=ids(), order_id=request.order_id),
            metadata=orders_app,
        )

    def run_a_batch() -> pb.RunPayoutBatchResponse:
        return service.stub.RunPayoutBatch(
            pb.RunPayoutBatchRequest(
                idempotency_key=ids(), batch_id=ids(), currency="USD", max_payouts=1000
            ),
            metadata=operator,
            timeout=60,
        )

    answers = race([run_a_batch] * 4)

    assert all(isinstance(a, pb.RunPayoutBatchResponse) for a in answers), answers
    paid = sorted(
        (payout.seller_id, payout.amount.minor_units)
        for answer in answers
        if isinstance(answer, pb.RunPayoutBatchResponse)
        for payout in answer.batch.payouts
    )
    assert paid == [(seller, 1_900) for seller in sellers]
