"""The app store's money through the running payments service, on SQLite and on PostgreSQL:
subscription charges split between the platform and the vendor (once per charge id, also for
racing callers with different keys), declines answered and recorded, refunds that reverse the
split and never exceed it, vendor payout batches (once per batch id, also racing), who may see
a vendor's money; and the events the ledger reads, with every amount it posts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import grpc
import pytest

from mercato.payments.v1 import payments_pb2 as pb
from mercato_kit.testing import LocalIssuer

from ._service import (
    APPROVED,
    DECLINED,
    EventLog,
    RunningPayments,
    cny,
    ids,
    postgres_database,
    running_payments,
    types_of,
)
from .test_payments_concurrency import race

pytestmark = pytest.mark.infra

Metadata = list[tuple[str, str]]


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
    workdir = tmp_path_factory.mktemp(f"payments-app-store-{request.param}")
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
def platform(issuer: LocalIssuer) -> Metadata:
    """The platform service's token: an app holding payments:app_store."""
    return issuer.metadata(
        subject=ids(), kind="app", roles=["service"], scopes=["payments:app_store"]
    )


@pytest.fixture(scope="module")
def operator(issuer: LocalIssuer) -> Metadata:
    return issuer.metadata(subject=ids(), roles=["operator"], scopes=["payments:payout"])


def charge_request(
    *,
    vendor_id: str | None = None,
    amount: int = 10_001,
    platform_share: int = 3_000,
    vendor_share: int | None = None,
    currency: str = "CNY",
    instrument: str = APPROVED,
) -> pb.ChargeAppSubscriptionRequest:
    """One period of a subscription, charged under the platform's id format
    `<subscription id>:<period>`; the default split is 30% rounded down, the vendor the rest."""
    subscription = ids()
    return pb.ChargeAppSubscriptionRequest(
        idempotency_key=ids(),
        charge_id=f"{subscription}:1",
        subscription_id=subscription,
        listing_id=ids(),
        vendor_id=vendor_id or ids(),
        seller_id=ids(),
        amount=cny(amount, currency),
        platform_share=cny(platform_share, currency),
        vendor_share=cny(
            amount - platform_share if vendor_share is None else vendor_share, currency
        ),
        instrument=instrument,
    )


def refund_request(
    charge_id: str, amount: int, platform_share: int, currency: str = "CNY"
) -> pb.RefundAppChargeRequest:
    return pb.RefundAppChargeRequest(
        idempotency_key=ids(),
        refund_id=ids(),
        charge_id=charge_id,
        amount=cny(amount, currency),
        platform_share=cny(platform_share, currency),
        vendor_share=cny(amount - platform_share, currency),
        reason="cancelled at once",
    )


def payable(service: RunningPayments, vendor_id: str, as_whom: Metadata) -> list[tuple[str, int]]:
    answer = service.stub.GetVendorPayable(
        pb.GetVendorPayableRequest(vendor_id=vendor_id), metadata=as_whom
    )
    return [(b.currency, b.minor_units) for b in answer.balances]


def copy_with_new_key(
    request: pb.ChargeAppSubscriptionRequest, **changes: object
) -> pb.ChargeAppSubscriptionRequest:
    again = pb.ChargeAppSubscriptionRequest()
    again.CopyFrom(request)
    again.idempotency_key = ids()
    for name, value in changes.items():
        if isinstance(value, str):
            setattr(again, name, value)
        else:
            getattr(again, name).CopyFrom(value)
    return again


def test_a_charge_splits_between_platform_and_vendor_and_publishes_every_amount_once(
    service: RunningPayments, events: EventLog, platform: Metadata, operator: Metadata
) -> None:
    request = charge_request(amount=10_001, platform_share=3_000)

    answer = service.stub.ChargeAppSubscription(request, metadata=platform)
    again = service.stub.ChargeAppSubscription(
        copy_with_new_key(request, instrument=DECLINED), metadata=platform
    )

    assert (answer.charged, again.charged) == (True, True)
    charge = answer.charge
    assert charge.status == pb.APP_CHARGE_STATUS_CHARGED
    assert (charge.amount, charge.platform_share, charge.vendor_share) == (
        cny(10_001),
        cny(3_000),
        cny(7_001),
    )
    assert charge.processing_fee == cny(60)  # 0.6% of 100.01 rounded down
    assert again.charge == charge
    assert payable(service, request.vendor_id, operator) == [("CNY", 7_001)]
    published = events.through(request.charge_id, pb.ProcessingFeeCharged)
    assert types_of(published) == ["AppCharged", "ProcessingFeeCharged"]
    charged = published[0].unpack(pb.AppCharged)
    assert (charged.charge_id, charged.subscription_id, charged.listing_id) == (
        request.charge_id,
        request.subscription_id,
        request.listing_id,
    )
    assert (charged.vendor_id, charged.seller_id, charged.provider_charge_id) == (
        request.vendor_id,
        request.seller_id,
        charge.provider_charge_id,
    )
    assert (charged.amount, charged.platform_share, charged.vendor_share) == (
        cny(10_001),
        cny(3_000),
        cny(7_001),
    )
    fee = published[1].unpack(pb.ProcessingFeeCharged)
    assert (fee.purpose, fee.app_charge_id, fee.gross, fee.fee, fee.net_settled) == (
        pb.CHARGE_PURPOSE_APP_SUBSCRIPTION,
        request.charge_id,
        cny(10_001),
        cny(60),
        cny(9_941),
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vendor_share": 7_000}, "vendor_share"),  # 3000 + 7000 != 10001
        ({"platform_share": -1}, "platform_share"),
        ({"amount": 0, "platform_share": 0, "vendor_share": 0}, "amount"),
        ({"currency_of_vendor_share": "USD"}, "vendor_share.currency"),
        ({"charge_id": "not an id!"}, "charge_id"),
        ({"vendor_id": "vendor"}, "vendor_id"),
    ],
)
def test_bad_input_is_invalid_argument_naming_the_field_and_nothing_is_stored(
    service: RunningPayments,
    events: EventLog,
    platform: Metadata,
    change: dict[str, object],
    field: str,
) -> None:
    request = charge_request()
    for name, value in change.items():
        if name == "currency_of_vendor_share":
            request.vendor_share.currency = str(value)
        elif name in ("charge_id", "vendor_id"):
            setattr(request, name, value)
        else:
            getattr(request, name).minor_units = int(str(value))

    with pytest.raises(grpc.RpcError) as refused:
        service.stub.ChargeAppSubscription(request, metadata=platform)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in str(refused.value.details())
    if name != "charge_id":
        with pytest.raises(grpc.RpcError) as unknown:
            service.stub.GetAppCharge(
                pb.GetAppChargeRequest(charge_id=request.charge_id), metadata=platform
            )
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_decline_is_an_answer_recorded_once_and_a_retry_under_the_same_charge_id_charges(
    service: RunningPayments, events: EventLog, platform: Metadata, operator: Metadata
) -> None:
    request = charge_request(instrument=DECLINED)

    declined = service.stub.ChargeAppSubscription(request, metadata=platform)
    other_terms = copy_with_new_key(request, instrument=APPROVED, seller_id=ids())
    with pytest.raises(grpc.RpcError) as refused:
        service.stub.ChargeAppSubscription(other_terms, metadata=platform)
    retried = service.stub.ChargeAppSubscription(
        copy_with_new_key(request, instrument=APPROVED), metadata=platform
    )

    assert not declined.charged
    assert declined.decline_reason == pb.DECLINE_REASON_CARD_DECLINED
    assert declined.charge.status == pb.APP_CHARGE_STATUS_DECLINED
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "seller_id" in str(refused.value.details())
    assert (retried.charged, retried.charge.attempts) == (True, 2)
    published = events.through(request.charge_id, pb.ProcessingFeeCharged)
    assert types_of(published) == ["AppChargeDeclined", "AppCharged", "ProcessingFeeCharged"]
    assert published[0].unpack(pb.AppChargeDeclined).vendor_share == request.vendor_share
    assert payable(service, request.vendor_id, operator) == [("CNY", 7_001)]


def test_racing_charges_of_one_charge_id_with_different_keys_charge_it_once(
    service: RunningPayments, events: EventLog, platform: Metadata, operator: Metadata
) -> None:
    request = charge_request()

    answers = race(
        [
            lambda: service.stub.ChargeAppSubscription(
                copy_with_new_key(request), metadata=platform, timeout=60
            )
        ]
        * 6
    )

    charges = [a.charge for a in answers if isinstance(a, pb.ChargeAppSubscriptionResponse)]
    assert len(charges) == 6, answers
    assert {(c.status, c.provider_charge_id, c.version) for c in charges} == {
        (pb.APP_CHARGE_STATUS_CHARGED, charges[0].provider_charge_id, 2)
    }
    assert payable(service, request.vendor_id, operator) == [("CNY", 7_001)]
    lines = [json.loads(line) for line in service.logs().splitlines() if line.startswith("{")]
    provider = [
        line
        for line in lines
        if line["event"].startswith("provider ") and f":{request.charge_id}:" in line["reference"]
    ]
    approved = {
        line["charge_id"] for line in provider if line["event"] == "provider charge approved"
    }
    voided = {line["charge_id"] for line in provider if line["event"] == "provider attempt voided"}
    assert approved - voided == {charges[0].provider_charge_id}
    published = events.through(request.charge_id, pb.ProcessingFeeCharged)
    assert types_of(published) == ["AppCharged", "ProcessingFeeCharged"]


def test_refunds_reverse_the_split_once_each_and_never_exceed_the_charge_or_a_share(
    service: RunningPayments, events: EventLog, platform: Metadata, operator: Metadata
) -> None:
    request = charge_request(amount=10_000, platform_share=3_000)
    service.stub.ChargeAppSubscription(request, metadata=platform)
    first = refund_request(request.charge_id, 5_000, 1_500)

    refunded = service.stub.RefundAppCharge(first, metadata=platform)
    first.idempotency_key = ids()
    repeated = service.stub.RefundAppCharge(first, metadata=platform)
    too_much = refund_request(request.charge_id, 5_001, 1_500)
    too_much_of_a_share = refund_request(request.charge_id, 2_000, 1_600)
    refusals = []
    for refused_request in (too_much, too_much_of_a_share):
        with pytest.raises(grpc.RpcError) as refused:
            service.stub.RefundAppCharge(refused_request, metadata=platform)
        refusals.append(refused.value.code())
    racing = [refund_request(request.charge_id, 2_000, 600) for _ in range(4)]
    answers = race(
        [
            (lambda r=r: service.stub.RefundAppCharge(r, metadata=platform, timeout=60))
            for r in racing
        ]
    )

    assert refunded.refund == repeated.refund
    assert (refunded.refund.amount, refunded.refund.platform_share) == (cny(5_000), cny(1_500))
    assert refusals == [grpc.StatusCode.FAILED_PRECONDITION] * 2
    accepted = [a for a in answers if isinstance(a, pb.RefundAppChargeResponse)]
    assert len(accepted) == 2  # 5000 were left: two refunds of 2000, not a third
    assert all(
        isinstance(a, grpc.RpcError) and a.code() == grpc.StatusCode.FAILED_PRECONDITION
        for a in answers
        if a not in accepted
    )
    charge = service.stub.GetAppCharge(
        pb.GetAppChargeRequest(charge_id=request.charge_id), metadata=platform
    ).charge
    assert (charge.refunded, charge.platform_refunded, charge.vendor_refunded) == (
        cny(9_000),
        cny(2_700),
        cny(6_300),
    )
    assert payable(service, request.vendor_id, operator) == [("CNY", 700)]
    published = events.of(
        request.charge_id,
        lambda found: types_of(found).count("AppChargeRefunded") == 3,
    )
    refunds = [e.unpack(pb.AppChargeRefunded) for e in published[2:]]
    assert [(r.amount, r.platform_share, r.vendor_share) for r in refunds] == [
        (cny(5_000), cny(1_500), cny(3_500)),
        (cny(2_000), cny(600), cny(1_400)),
        (cny(2_000), cny(600), cny(1_400)),
    ]
    assert [r.refunded_total.minor_units for r in refunds] == [5_000, 7_000, 9_000]


def test_an_unknown_charge_or_an_uncharged_one_is_not_refunded(
    service: RunningPayments, platform: Metadata
) -> None:
    declined = charge_request(instrument=DECLINED)
    service.stub.ChargeAppSubscription(declined, metadata=platform)

    with pytest.raises(grpc.RpcError) as unknown:
        service.stub.RefundAppCharge(refund_request(ids(), 100, 30), metadata=platform)
    with pytest.raises(grpc.RpcError) as uncharged:
        service.stub.RefundAppCharge(refund_request(declined.charge_id, 100, 30), metadata=platform)

    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    assert uncharged.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_vendor_payout_batches_pay_each_vendor_once_also_racing(
    service: RunningPayments, events: EventLog, platform: Metadata, operator: Metadata
) -> None:
    vendors = sorted(ids() for _ in range(3))
    for vendor in vendors:
        service.stub.ChargeAppSubscription(
            charge_request(vendor_id=vendor, amount=5_000, platform_share=1_500, currency="EUR"),
            metadata=platform,
        )
    one_batch = pb.RunVendorPayoutBatchRequest(
        idempotency_key=ids(), batch_id=ids(), currency="EUR", max_payouts=100
    )

    def run(batch_id: str) -> pb.RunVendorPayoutBatchResponse:
        attempt = pb.RunVendorPayoutBatchRequest()
        attempt.CopyFrom(one_batch)
        attempt.idempotency_key, attempt.batch_id = ids(), batch_id
        return service.stub.RunVendorPayoutBatch(attempt, metadata=operator, timeout=60)

    answers = race(
        [lambda: run(one_batch.batch_id)] * 3 + [lambda: run(f"vendor-payout:{ids()}")] * 3
    )

    batches = [a.batch for a in answers if isinstance(a, pb.RunVendorPayoutBatchResponse)]
    assert len(batches) == 6, answers
    assert all(b == batches[0] for b in batches[:3])  # one batch id: one batch, answered again
    distinct = {b.batch_id: b for b in batches}.values()
    paid = sorted(
        (p.vendor_id, p.amount.minor_units)
        for b in distinct
        for p in b.payouts
        if p.vendor_id in vendors
    )
    assert paid == [(vendor, 3_500) for vendor in vendors]  # each once, its whole share
    for vendor in vendors:
        assert payable(service, vendor, operator) == [("EUR", 0)]
    published = events.through(batches[0].batch_id, pb.VendorPayoutBatchClosed)
    closed = published[-1].unpack(pb.VendorPayoutBatchClosed)
    assert closed.payout_count == len(batches[0].payouts)
    assert [e.unpack(pb.VendorPaidOut).vendor_id for e in published[:-1]] == [
        p.vendor_id for p in batches[0].payouts
    ]


def test_a_refund_after_a_payout_leaves_the_vendor_in_debit_until_later_charges_cover_it(
    service: RunningPayments, platform: Metadata, operator: Metadata
) -> None:
    vendor = ids()
    first = charge_request(vendor_id=vendor, amount=10_000, platform_share=3_000, currency="USD")
    service.stub.ChargeAppSubscription(first, metadata=platform)

    def pay_out() -> list[tuple[str, int]]:
        batch = service.stub.RunVendorPayoutBatch(
            pb.RunVendorPayoutBatchRequest(
                idempotency_key=ids(), batch_id=ids(), currency="USD", max_payouts=1000
            ),
            metadata=operator,
        ).batch
        return [(p.vendor_id, p.amount.minor_units) for p in batch.payouts if p.vendor_id == vendor]

    assert pay_out() == [(vendor, 7_000)]
    service.stub.RefundAppCharge(
        refund_request(first.charge_id, 5_000, 1_500, "USD"), metadata=platform
    )
    assert payable(service, vendor, operator) == [("USD", -3_500)]
    assert pay_out() == []
    service.stub.ChargeAppSubscription(
        charge_request(vendor_id=vendor, amount=10_000, platform_share=3_000, currency="USD"),
        metadata=platform,
    )
    assert pay_out() == [(vendor, 3_500)]


def test_only_the_vendor_the_app_store_and_operators_see_a_vendors_money(
    service: RunningPayments, issuer: LocalIssuer, platform: Metadata
) -> None:
    vendor = ids()
    service.stub.ChargeAppSubscription(charge_request(vendor_id=vendor), metadata=platform)
    vendor_app = issuer.metadata(subject=vendor, kind="app", roles=["vendor_app"], scopes=[])
    another_vendor = issuer.metadata(subject=ids(), kind="app", roles=["vendor_app"], scopes=[])
    seller = issuer.metadata(subject=ids(), roles=["seller"], scopes=["payments:read"])
    orders_saga = issuer.metadata(
        subject=ids(), kind="app", roles=["service"], scopes=["payments:capture"]
    )

    assert payable(service, vendor, vendor_app) == [("CNY", 7_001)]
    assert payable(service, vendor, platform) == [("CNY", 7_001)]
    for stranger in (another_vendor, seller):
        for whose in (vendor, ids()):  # a known vendor and an unknown one answer alike
            with pytest.raises(grpc.RpcError) as refused:
                payable(service, whose, stranger)
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    for not_the_app_store in (vendor_app, seller, orders_saga):
        with pytest.raises(grpc.RpcError) as refused:
            service.stub.ChargeAppSubscription(charge_request(), metadata=not_the_app_store)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as refused:
        service.stub.GetAppCharge(pb.GetAppChargeRequest(charge_id=ids()), metadata=vendor_app)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
