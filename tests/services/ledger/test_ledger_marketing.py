"""The ledger as a real process, on SQLite and on PostgreSQL, posting marketing's money events:
the hand-computed marketing scenario (see _marketing.py) published to Kafka beside payments'
and orders' events, two of its money events delivered twice (as an at-least-once relay may);
read back over gRPC (balances, revenue by stream, the monthly result's breakdown and advertising
ratio), then `mercato ledger audit` and `mercato ledger replay` on it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mercato.ledger.v1 import ledger_pb2 as pb
from mercato_kit.testing import LocalIssuer
from tests.support.services import service_database

from ._marketing import (
    ENTRIES,
    EXPECTED_BALANCES,
    EXPECTED_EXPENDITURE,
    EXPECTED_MONTHS,
    EXPECTED_REVENUE,
    MILESTONES,
    PAYABLE_1,
    posts,
    scenario,
)
from ._scenario import Published
from ._service import (
    RunningLedger,
    create_topics,
    ledger_cli,
    publish,
    snapshot_of,
    start_ledger,
    unique_topics,
    wait_for_counts,
)

pytestmark = pytest.mark.infra

AD_CLICKED = "mercato.marketing.v1.AdClicked"
COMMISSION_CHARGED = "mercato.marketing.v1.CommissionCharged"


@pytest.fixture(scope="module")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture(scope="module")
def topics(kafka_bootstrap_servers: str) -> dict[str, str]:
    names = unique_topics()
    create_topics(kafka_bootstrap_servers, names)
    return names


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    server = "" if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))
    with service_database(
        request.param, server, tmp_path_factory.mktemp("ledger"), "ledger"
    ) as url:
        yield url


@pytest.fixture(scope="module")
def events() -> list[Published]:
    return scenario()


@pytest.fixture(scope="module")
def published(
    kafka_bootstrap_servers: str, topics: dict[str, str], events: list[Published]
) -> list[Published]:
    """The scenario on the module's topics (once, for both backends), with a click and a
    commission delivered twice."""
    click = next(e for e in events if e.envelope.event_type == AD_CLICKED)
    commission = next(e for e in events if e.envelope.event_type == COMMISSION_CHARGED)
    publish(kafka_bootstrap_servers, topics, [*events, click, commission])
    return events


@pytest.fixture(scope="module")
def ledger(
    database_url: str,
    kafka_bootstrap_servers: str,
    topics: dict[str, str],
    issuer: LocalIssuer,
    published: list[Published],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningLedger]:
    service = start_ledger(
        database_url, kafka_bootstrap_servers, topics, issuer, tmp_path_factory.mktemp("logs")
    )
    try:
        wait_for_counts(database_url, (ENTRIES, MILESTONES))
        yield service
    finally:
        assert service.stop() == 0


@pytest.fixture(scope="module")
def operator(issuer: LocalIssuer) -> list[tuple[str, str]]:
    return issuer.metadata(subject="00000000-0000-0000-0000-0000000000ff", roles=["operator"])


def _time(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def test_every_marketing_money_event_posts_once_with_its_exact_amounts(
    ledger: RunningLedger,
    operator: list[tuple[str, str]],
    database_url: str,
    events: list[Published],
) -> None:
    for account, expected in EXPECTED_BALANCES.items():
        answer = ledger.stub.GetBalance(pb.GetBalanceRequest(account=account), metadata=operator)
        assert [(m.currency, m.minor_units) for m in answer.balances] == [("CNY", expected)], (
            account
        )
    trial = ledger.stub.GetTrialBalance(pb.GetTrialBalanceRequest(), metadata=operator)
    assert trial.balanced
    assert {b.account: b.balance.minor_units for b in trial.balances} == {
        account: balance for account, balance in EXPECTED_BALANCES.items() if balance
    }
    # One entry per money event, naming it (the redelivered click and commission posted once).
    snapshot = snapshot_of(database_url)
    assert set(snapshot.entries) == {e.envelope.event_id for e in events if posts(e)}
    assert Counter(
        source.event_type.rpartition(".")[2] for source, _ in snapshot.entries.values()
    ) == {
        "PaymentCaptured": 1,
        "ProcessingFeeCharged": 2,
        "EscrowReleased": 1,
        "BudgetDeposited": 1,
        "AdClicked": 7,
        "ClickInvalidated": 1,
        "CommissionCharged": 2,
        "PublisherPaidOut": 2,
        "ConversionReversed": 1,
    }


def test_revenue_by_stream_and_expenditure_by_category_per_month(
    ledger: RunningLedger, operator: list[tuple[str, str]]
) -> None:
    revenue = ledger.stub.GetRevenue(
        pb.GetRevenueRequest(period=pb.PERIOD_MONTH), metadata=operator
    )
    assert [(r.period, r.key, r.amount.minor_units) for r in revenue.amounts] == EXPECTED_REVENUE
    spent = ledger.stub.GetExpenditure(
        pb.GetExpenditureRequest(period=pb.PERIOD_MONTH), metadata=operator
    )
    assert [(r.period, r.key, r.amount.minor_units) for r in spent.amounts] == EXPECTED_EXPENDITURE
    days = ledger.stub.GetRevenue(pb.GetRevenueRequest(period=pb.PERIOD_DAY), metadata=operator)
    assert [(r.period, r.amount.minor_units) for r in days.amounts if r.key == "affiliate"] == [
        ("2026-11-05", 700),
        ("2026-11-07", 1400),
        ("2026-12-02", -700),
    ]


def _month(result: pb.MonthlyResult) -> tuple[object, ...]:
    return (
        tuple((a.key, a.amount.minor_units) for a in result.revenue_by_stream),
        tuple((a.key, a.amount.minor_units) for a in result.expenditure_by_category),
        result.net.minor_units,
        result.advertising_covers_expenditure,
        result.advertising_to_expenditure_bps
        if result.HasField("advertising_to_expenditure_bps")
        else None,
    )


def test_the_monthly_result_shows_each_stream_and_whether_advertising_covers_expenditure(
    ledger: RunningLedger, operator: list[tuple[str, str]]
) -> None:
    months = ledger.stub.GetMonthlyResult(pb.GetMonthlyResultRequest(), metadata=operator).months
    assert {m.month: _month(m) for m in months} == EXPECTED_MONTHS
    november = next(m for m in months if m.month == "2026-11")
    assert (november.revenue.minor_units, november.expenditure.minor_units) == (3700, 1500)
    assert (november.advertising.currency, november.advertising.minor_units) == ("CNY", 1000)
    end_of_november = pb.AsOf(time=_time(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)))
    then = ledger.stub.GetMonthlyResult(
        pb.GetMonthlyResultRequest(as_of=end_of_november), metadata=operator
    ).months
    assert [m.month for m in then] == ["2026-10", "2026-11"]
    assert then[1] == november


def test_a_publisher_paid_before_a_reversal_owes_it_back(
    ledger: RunningLedger, operator: list[tuple[str, str]]
) -> None:
    statement = ledger.stub.GetStatement(
        pb.GetStatementRequest(account=PAYABLE_1), metadata=operator
    )
    # Topics are consumed in no fixed order: compare what was posted, not in which order.
    assert sorted(
        (line.event_type.rpartition(".")[2], line.amount.minor_units) for line in statement.lines
    ) == sorted(
        [("AdClicked", -75)] * 3
        + [("CommissionCharged", -300), ("PublisherPaidOut", 525), ("ConversionReversed", 300)]
    )
    assert statement.lines[-1].balance_after.minor_units == 300


def test_the_audit_is_clean_and_a_replay_rebuilds_an_identical_ledger(
    ledger: RunningLedger,
    operator: list[tuple[str, str]],
    kafka_bootstrap_servers: str,
    database_url: str,
    topics: dict[str, str],
) -> None:
    audit = ledger.stub.Audit(pb.AuditRequest(), metadata=operator)
    assert (list(audit.violations), audit.HasField("broken_link"), audit.entries) == (
        [],
        False,
        ENTRIES,
    )
    audited = ledger_cli(kafka_bootstrap_servers, database_url, topics, "audit")
    assert audited.exit_code == 0, audited.output
    assert "invariants: all hold" in audited.stdout
    assert f"hash chain: intact ({ENTRIES} entries verified)" in audited.stdout
    replayed = ledger_cli(kafka_bootstrap_servers, database_url, topics, "replay")
    assert replayed.exit_code == 0, replayed.output
    assert "identical" in replayed.stdout
    assert f"{ENTRIES} entries, {MILESTONES} order milestones" in replayed.stdout
    assert "2 duplicates skipped" in replayed.stdout
